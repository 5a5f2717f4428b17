using System.Diagnostics;
using Exchange.Build.Pipeline.Tasks;

namespace Exchange.Build.Tests;

/// <summary>
/// .ci/run's prerequisite checks (.ci/prerequisites) with the aws CLI GitHub's ubuntu-24.04 runner ships: a frozen aws CLI v2 with its own
/// botocore, first on PATH. They pass, find the bundled models, and refuse Debian's 2.9; the rule is the Test target's too.
/// </summary>
public sealed class CiPrerequisitesTests : IDisposable
{
    private readonly TempDir _dir = new();
    private static readonly string Script = Path.Combine(Contexts.RepoRoot, ".ci", "prerequisites");

    /// <summary>An aws CLI laid out as AWS's installer does (bin/aws -> v2/current/bin/aws -> ../dist/aws), printing <paramref name="version"/>.</summary>
    private string InstallAwsCli(string version, bool withModels = true)
    {
        var number = version.Split(' ')[0].Split('/')[1];
        var root = _dir.Combine("aws-cli", "v2");
        _dir.Script($"aws-cli/v2/{number}/dist/aws", $"echo '{version}'");
        if (withModels) _dir.Write($"aws-cli/v2/{number}/dist/awscli/botocore/data/sts/2011-06-15/service-2.json", "{}");
        Directory.CreateDirectory(Path.Combine(root, number, "bin"));
        File.CreateSymbolicLink(Path.Combine(root, number, "bin", "aws"), "../dist/aws");
        File.CreateSymbolicLink(Path.Combine(root, "current"), number);
        Directory.CreateDirectory(_dir.Combine("bin"));
        File.CreateSymbolicLink(_dir.Combine("bin", "aws"), Path.Combine(root, "current", "bin", "aws"));
        return Path.Combine(root, number, "dist", "awscli", "botocore", "data");
    }

    private (int Exit, string Output) Bash(params string[] args)
    {
        var start = new ProcessStartInfo("bash", args) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Contexts.RepoRoot };
        start.Environment["PATH"] = _dir.Combine("bin") + ":" + Environment.GetEnvironmentVariable("PATH");
        start.Environment.Remove("BOTOCORE_DATA");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error);
    }

    [Fact]
    public void With_the_aws_CLI_v2_of_GitHubs_runner_first_on_PATH_the_checks_pass_and_use_its_own_models()
    {
        var models = InstallAwsCli("aws-cli/2.31.20 Python/3.13.7 Linux/6.8.0-1017-azure exe/x86_64.ubuntu.24");

        var (exit, output) = Bash(Script);
        var exported = Bash("-c", "source .ci/prerequisites && check_aws_cli >/dev/null && echo \"$BOTOCORE_DATA\"");

        Assert.True(exit == 0, output);
        Assert.Contains($"aws CLI: aws-cli/2.31.20 ({_dir.Combine("bin", "aws")}); botocore's models: {models}", output);
        Assert.Equal(models, exported.Output.Trim()); // what .ci/run hands the tests (the stand-in reads BOTOCORE_DATA)
    }

    [Fact]
    public void Debians_aws_CLI_2_9_is_refused_with_what_to_install()
    {
        InstallAwsCli("aws-cli/2.9.19 Python/3.11.2 Linux/6.1.0 source/x86_64.debian.12 prompt/off");

        var (exit, output) = Bash(Script);

        Assert.Equal(1, exit);
        Assert.Contains("aws CLI: aws-cli/2.9.19 ignores AWS_ENDPOINT_URL (it came in 2.13; Debian's awscli package is 2.9)", output);
        Assert.Contains("install the aws CLI v2 from AWS", output);
    }

    [Theory]
    [InlineData("aws-cli/2.31.20 Python/3.13.7 Linux/6.8.0-1017-azure exe/x86_64.ubuntu.24")]
    [InlineData("aws-cli/2.13.0 Python/3.11.4 Linux/6.1.0 exe/x86_64.debian.12")]
    [InlineData("aws-cli/2.12.7 Python/3.11.4 Linux/6.1.0 exe/x86_64.ubuntu.22")]
    [InlineData("aws-cli/2.9.19 Python/3.11.2 Linux/6.1.0 source/x86_64.debian.12 prompt/off")]
    [InlineData("aws-cli/1.45.11 Python/3.11.7 Linux/6.1.0 botocore/1.43.11")]
    [InlineData("aws-cli/3.0.0 Python/3.14.0 Linux/7.0.0")]
    [InlineData("bash: aws: command not found")]
    public void Ci_and_the_Test_target_take_the_same_aws_CLI_versions(string line)
    {
        var (_, bash) = Bash("-c", "source .ci/prerequisites && aws_cli_problem \"$1\"", "_", line);

        Assert.Equal(TestPrerequisites.AwsCliProblem(line) is null, bash.Trim() == "ok");
    }

    public void Dispose() => _dir.Dispose();
}
