using Exchange.Build.Processes;
using Exchange.Build.Text;
using Exchange.Build.Tools;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>
/// What the tests need on this machine, checked before anything is built: the tools the tests run
/// (a real Docker engine, docker-registry and htpasswd for the registry on 127.0.0.1, shellcheck, MariaDB and Redis for the
/// connectivity checker's tests,
/// kubectl with kustomize, Node and npm for the CDK CLI and the schema validator, git for image tags,
/// and the aws CLI (v1, or v2 from 2.13 on), which the end-to-end tests point at the AWS stand-in).
/// </summary>
public static class TestPrerequisites
{
    /// <summary>The tools the tests run, in the order the message lists them.</summary>
    public static readonly IReadOnlyList<ToolKind> Tools =
    [
        ToolKind.Docker, ToolKind.DockerRegistry, ToolKind.Htpasswd, ToolKind.Shellcheck, ToolKind.MariaDb, ToolKind.RedisServer, ToolKind.Kubectl,
        ToolKind.Node, ToolKind.Npm, ToolKind.Git,
    ];

    public const string FreshMachine = "On a fresh Debian or Ubuntu machine, `sudo bash .ci/run` installs and starts all of it, then runs the tests.";

    public static void Require(BuildContext b)
    {
        var missing = Missing(b);
        if (missing.Count == 0)
        {
            b.Log.Information($"Test prerequisites: {string.Join(", ", Tools.Select(t => ToolResolver.Specs[t].Command))} and a Docker engine: all present.");
            return;
        }
        throw new InvalidOperationException(
            $"The tests cannot run: this machine lacks {missing.Count} thing(s) they need:\n" +
            string.Join("\n", missing.SelectMany(m => ShellWrap.Prose($"- {m}", "  ", "    "))) + "\n" + FreshMachine);
    }

    /// <summary>Each missing piece with the command that provides it (empty when all are there).</summary>
    public static IReadOnlyList<string> Missing(BuildContext b)
    {
        var missing = new List<string>();
        foreach (var kind in Tools)
        {
            var spec = ToolResolver.Specs[kind];
            string path;
            try { path = b.Tools.Resolve(kind); }
            catch (ToolNotFoundException e)
            {
                missing.Add($"{spec.Command}: {(e.Message.Contains("is set to", StringComparison.Ordinal) ? e.Message : $"not on PATH; {spec.InstallHint}")}");
                if (kind == ToolKind.Docker) missing.Add(EngineMissing(b, "there is no docker client to reach it"));
                continue;
            }
            if (kind == ToolKind.Docker && EngineProblem(b, path) is { } problem) missing.Add(EngineMissing(b, problem));
        }
        if (AwsCliProblem(b) is { } aws) missing.Add(aws);
        return missing;
    }

    /// <summary>
    /// The tests run the machine's aws CLI against the AWS stand-in (AWS_ENDPOINT_URL): null when `aws --version` is fit for that, else
    /// what to do. The same rule as .ci/prerequisites (a test keeps the two equal).
    /// </summary>
    private static string? AwsCliProblem(BuildContext b)
    {
        string aws;
        try { aws = b.Tools.Resolve(ToolKind.Aws); }
        catch (ToolNotFoundException) { return $"aws CLI: not on PATH; {AwsCliFix}"; }
        var result = b.Runner.Run(new CommandLine("aws", aws).Add("--version"), new ProcessOptions { AllowFailure = true, Timeout = TimeSpan.FromSeconds(20) });
        var version = (result.StandardOutput + result.StandardError).Trim();
        return result.Succeeded ? AwsCliProblem(version.Split('\n')[0]) : $"aws CLI: '{aws} --version' failed ({ProcessRunner.Tail(version, 1)}); {AwsCliFix}";
    }

    private const string AwsCliFix =
        "the tests need the aws CLI v1 (pip install awscli) or v2 from 2.13 on (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html)";

    /// <summary>
    /// The aws CLI v1, or v2 from 2.13 on: both honour AWS_ENDPOINT_URL. Debian's awscli package is v2.9, which ignores it, so the tests' calls
    /// would go to AWS itself. Null when <paramref name="versionLine"/> (`aws --version`) is fit.
    /// </summary>
    public static string? AwsCliProblem(string versionLine)
    {
        var version = versionLine.Split(' ')[0];
        if (version.StartsWith("aws-cli/1.", StringComparison.Ordinal)) return null;
        if (version.StartsWith("aws-cli/2.", StringComparison.Ordinal) && version.Split('/')[1].Split('.') is [_, var minor, ..]
            && int.TryParse(minor, System.Globalization.CultureInfo.InvariantCulture, out var n))
            return n >= 13 ? null
                : $"aws CLI: {version} ignores AWS_ENDPOINT_URL (it came in 2.13; Debian's awscli package is 2.9), so the tests cannot point it at the " +
                  "AWS stand-in: install the aws CLI v2 from AWS (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html) or v1 " +
                  "(pip install awscli)";
        return $"aws CLI: 'aws --version' said '{versionLine}'; {AwsCliFix}";
    }

    private static string EngineMissing(BuildContext b, string why) =>
        $"Docker engine: none answers at DOCKER_HOST={b.Environment(Settings.EnvVars.DockerHost) ?? "(unset: the default socket)"} ({why}); " +
        "start one (`sudo bash .ci/run` does, or `dockerd --host unix:///tmp/d.sock --bridge=none --iptables=false &`) " +
        "and export DOCKER_HOST=unix:///tmp/d.sock";

    /// <summary>Null when the engine answers within 20 s; else what docker said.</summary>
    private static string? EngineProblem(BuildContext b, string docker)
    {
        try
        {
            var result = b.Runner.Run(new CommandLine("docker", docker).Add("version", "--format", "{{.Server.Version}}"),
                new ProcessOptions { AllowFailure = true, Timeout = TimeSpan.FromSeconds(20) });
            return result.Succeeded ? null : ProcessRunner.Tail(result.StandardError, 1);
        }
        catch (CommandTimeoutException) { return "no answer within 20 s"; }
    }
}
