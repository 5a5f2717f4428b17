namespace Exchange.Build.Processes;

/// <summary>A child process failed. The message names the command (redacted), the exit code, the
/// last lines of its error output and what to do next.</summary>
public class CommandFailedException : Exception
{
    public CommandFailedException(string command, int exitCode, string errorTail, string? hint)
        : this(command, exitCode, errorTail, hint, Format(command, exitCode, errorTail, hint)) { }

    /// <summary>For failures that word their own message (see AwsCallException).</summary>
    protected CommandFailedException(string command, int exitCode, string errorTail, string? hint, string message) : base(message)
    {
        Command = command;
        ExitCode = exitCode;
        ErrorTail = errorTail;
        Hint = hint;
    }

    public string Command { get; }
    public int ExitCode { get; }
    public string ErrorTail { get; }
    public string? Hint { get; }

    private static string Format(string command, int exitCode, string errorTail, string? hint)
    {
        var message = $"'{command}' failed with exit code {exitCode}.";
        if (!string.IsNullOrWhiteSpace(errorTail)) message += "\n" + Indent(errorTail);
        if (!string.IsNullOrWhiteSpace(hint)) message += "\nWhat to do: " + hint;
        return message;
    }

    protected static string Indent(string text) => string.Join("\n", text.Split('\n').Select(l => "  | " + l));
}

public sealed class CommandTimeoutException(string command, TimeSpan timeout, string errorTail)
    : CommandFailedException(command, -1, errorTail,
        $"It did not finish within {timeout.TotalSeconds:F0}s and was stopped. Rerun the task alone with --exclusive once the cause is fixed.");
