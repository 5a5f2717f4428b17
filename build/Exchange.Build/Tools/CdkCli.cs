using Exchange.Build.Processes;

namespace Exchange.Build.Tools;

/// <summary>
/// The AWS CDK CLI (pinned in infra/package.json). Synth runs the C# app in infra/; every other
/// command works on the synthesized cloud assembly (<c>--app &lt;cdk.out&gt;</c>), so what is deployed
/// is exactly what was synthesized and checked. Notices and telemetry are off: they phone home.
/// </summary>
public sealed class CdkCli(IProcessRunner runner, ToolResolver tools)
{
    public static readonly IReadOnlyDictionary<string, string?> Environment = new Dictionary<string, string?>
    {
        ["CDK_DISABLE_CLI_TELEMETRY"] = "true",
        ["JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"] = "1",
        ["JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION"] = "1",
    };

    private CommandLine Command(params string[] args) =>
        new CommandLine("cdk", tools.Resolve(ToolKind.Cdk)).Add(args).Needs(Aws.IamPermissions.For("cdk " + args[0]));

    public CommandLine VersionCommand() => Command("--version");

    public CommandLine SynthCommand(string outputDir, IReadOnlyDictionary<string, string> context)
    {
        var command = Command("synth", "--output", outputDir, "--quiet", "--no-notices");
        foreach (var (key, value) in context) command.Add("-c", $"{key}={value}");
        return command;
    }

    public CommandLine BootstrapCommand(string account, string region, string assemblyDir) =>
        Command("bootstrap", $"aws://{account}/{region}", "--app", assemblyDir, "--no-notices");

    /// <summary><c>cdk deploy</c> of every stack, or of <paramref name="stack"/> alone (<c>--exclusively</c>: not its dependencies).</summary>
    public CommandLine DeployCommand(string assemblyDir, string outputsFile, int concurrency, bool ci, string? stack = null)
    {
        var command = Command("deploy", "--app", assemblyDir).Add(stack is null ? ["--all"] : [stack, "--exclusively"]).Add("--require-approval", "never",
            "--outputs-file", outputsFile, "--concurrency", concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--progress", "events", "--no-notices");
        return command.AddIf(ci, "--ci");
    }

    public CommandLine DiffCommand(string assemblyDir) => Command("diff", "--app", assemblyDir, "--all", "--no-notices");

    public CommandLine DestroyCommand(string assemblyDir, string stack) =>
        Command("destroy", "--app", assemblyDir, stack, "--force", "--no-notices");

    public ProcessResult Run(CommandLine command, string workingDirectory, Action<string>? onLine = null, string? hint = null) =>
        runner.Run(command, new ProcessOptions
        {
            WorkingDirectory = workingDirectory,
            Environment = Environment,
            OnOutputLine = onLine,
            OnErrorLine = onLine, // cdk reports progress on stderr
            FailureHint = hint,
        });
}
