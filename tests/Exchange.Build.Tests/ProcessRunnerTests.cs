using Exchange.Build.Logging;
using Exchange.Build.Processes;

namespace Exchange.Build.Tests;

public class ProcessRunnerTests
{
    private readonly Redactor _redactor = new();
    private readonly MemoryLog _log = new();
    private ProcessRunner Runner => new(_redactor, new RedactingLog(_log, _redactor));

    [Fact]
    public void Arguments_reach_the_child_exactly_as_given_without_shell_splitting()
    {
        var command = new CommandLine("printf", "/usr/bin/printf").Add("%s|\n", "two words", "it's", "$HOME", "*", "");

        var result = Runner.Run(command);

        Assert.Equal("two words|\nit's|\n$HOME|\n*|\n|\n", result.StandardOutput);
    }

    [Fact]
    public void A_secret_is_piped_to_the_childs_stdin_and_not_into_its_arguments()
    {
        var secret = new Secret("s3cr3t-token-value", _redactor);

        var result = Runner.Run(new CommandLine("sh", "/bin/sh").Add("-c", "cat; echo \" args=$#\""), new ProcessOptions { StandardInput = secret });

        Assert.Equal("s3cr3t-token-value args=0", result.StandardOutput.TrimEnd());
    }

    [Fact]
    public void Stdin_is_never_written_to_the_log()
    {
        // Plain text, not registered with the redactor: only not logging it keeps it out of the log.
        Runner.Run(new CommandLine("cat", "/bin/cat"), new ProcessOptions { StandardInputText = "rendered-manifest-body" });

        Assert.NotEmpty(_log.Entries);
        Assert.DoesNotContain("rendered-manifest-body", _log.Text);
    }

    [Fact]
    public void A_child_that_never_reads_a_large_stdin_still_times_out()
    {
        var big = new string('x', 4 * 1024 * 1024);

        Assert.Throws<CommandTimeoutException>(() => Runner.Run(new CommandLine("sleep", "/bin/sleep").Add("30"),
            new ProcessOptions { StandardInputText = big, Timeout = TimeSpan.FromMilliseconds(500) }));
    }

    [Fact]
    public void A_failing_child_names_the_command_its_exit_code_its_last_error_lines_and_what_to_do()
    {
        var command = new CommandLine("sh", "/bin/sh").Add("-c", "echo first >&2; echo 'cannot reach the registry' >&2; exit 3");

        var error = Assert.Throws<CommandFailedException>(() =>
            Runner.Run(command, new ProcessOptions { FailureHint = "start the registry" }));

        Assert.Equal(3, error.ExitCode);
        Assert.Contains("sh -c", error.Message);
        Assert.Contains("exit code 3", error.Message);
        Assert.Contains("cannot reach the registry", error.Message);
        Assert.Contains("What to do: start the registry", error.Message);
    }

    [Fact]
    public void A_secret_the_child_prints_is_redacted_in_the_error_message()
    {
        _redactor.Add("hunter2-password");
        var command = new CommandLine("sh", "/bin/sh").Add("-c", "echo 'login failed for hunter2-password' >&2; exit 1");

        var error = Assert.Throws<CommandFailedException>(() => Runner.Run(command));

        Assert.DoesNotContain("hunter2-password", error.Message);
        Assert.Contains("login failed for [REDACTED]", error.Message);
    }

    [Fact]
    public void Allowed_failures_return_the_exit_code_instead_of_throwing()
    {
        var result = Runner.Run(new CommandLine("sh", "/bin/sh").Add("-c", "exit 7"), new ProcessOptions { AllowFailure = true });

        Assert.Equal(7, result.ExitCode);
        Assert.False(result.Succeeded);
    }

    [Fact]
    public void A_child_that_outlives_its_timeout_is_stopped_and_reported()
    {
        var started = DateTime.UtcNow;

        var error = Assert.Throws<CommandTimeoutException>(() =>
            Runner.Run(new CommandLine("sleep", "/bin/sleep").Add("30"), new ProcessOptions { Timeout = TimeSpan.FromMilliseconds(300) }));

        Assert.Contains("did not finish within", error.Message);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Output_lines_are_streamed_redacted_as_they_arrive()
    {
        _redactor.Add("db-password-123");
        var lines = new List<string>();

        Runner.Run(new CommandLine("sh", "/bin/sh").Add("-c", "echo progress 1; echo 'value db-password-123'"),
            new ProcessOptions { OnOutputLine = lines.Add });

        Assert.Equal(["progress 1", "value [REDACTED]"], lines);
    }

    [Fact]
    public void A_program_that_does_not_exist_is_a_clear_error()
    {
        var error = Assert.Throws<CommandFailedException>(() => Runner.Run(new CommandLine("nope", "/nonexistent/nope")));

        Assert.Contains("Could not start '/nonexistent/nope'", error.Message);
    }
}
