using Exchange.Build.Processes;

namespace Exchange.Build.Tools;

/// <summary>
/// The AWS CDK CLI (pinned in infra/package.json). Synth runs the C# app in infra/; every other
/// command works on the synthesized cloud assembly (<c>--app &lt;cdk.out&gt;</c>), so what is deployed
/// is exactly what was synthesized and checked. Notices and telemetry are off: they phone home.
/// </summary>
public sealed class CdkCli(IProcessRunner runner, ToolResolver tools, Action? changedAws = null, Action? beforeChange = null)
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

    /// <summary>An explicit environment: cdk bootstraps it without synthesizing the app (so Bootstrap need not wait for Synth).</summary>
    public CommandLine BootstrapCommand(string account, string region) => Command("bootstrap", $"aws://{account}/{region}", "--no-notices");

    /// <summary><c>cdk deploy</c> of every stack, or of <paramref name="stack"/> alone (<c>--exclusively</c>: not its dependencies).</summary>
    public CommandLine DeployCommand(string assemblyDir, string outputsFile, int concurrency, bool ci, string? stack = null) =>
        DeployCommand(assemblyDir, outputsFile, concurrency, ci, stack is null ? [] : [stack]);

    /// <summary><c>cdk deploy</c> of every stack (none given), or of <paramref name="stacks"/> only (<c>--exclusively</c>: not their dependencies).</summary>
    public CommandLine DeployCommand(string assemblyDir, string outputsFile, int concurrency, bool ci, IReadOnlyList<string> stacks)
    {
        var command = Command("deploy", "--app", assemblyDir).Add(stacks.Count == 0 ? ["--all"] : [.. stacks, "--exclusively"])
            .Add("--require-approval", "never",
            "--outputs-file", outputsFile, "--concurrency", concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--progress", "events", "--no-notices");
        return command.AddIf(ci, "--ci");
    }

    /// <summary>
    /// One stack's change set, created through the bootstrap roles and left for the caller to execute (the Upgrade target executes it
    /// and waits with progress): only <paramref name="stack"/>, none of the stacks it depends on.
    /// </summary>
    public CommandLine PrepareChangeSetCommand(string assemblyDir, string stack, string changeSet, bool ci) =>
        Command("deploy", "--app", assemblyDir, stack, "--exclusively", "--method", "prepare-change-set", "--change-set-name", changeSet,
            "--require-approval", "never", "--progress", "events", "--no-notices").AddIf(ci, "--ci");

    public CommandLine DiffCommand(string assemblyDir) => Command("diff", "--app", assemblyDir, "--all", "--no-notices");

    public CommandLine DestroyCommand(string assemblyDir, string stack) =>
        Command("destroy", "--app", assemblyDir, stack, "--force", "--no-notices");

    /// <summary>The cdk commands that change stacks: before one runs, the record of the deployed assembly is invalidated.</summary>
    private static readonly string[] Changing = ["deploy", "destroy"];

    /// <summary>
    /// Runs cdk; a deploy or destroy first lets <paramref name="beforeChange"/> invalidate the record of the deployed assembly
    /// (<see cref="Operations.DeployedAssembly"/>); afterwards what the run knew of AWS is forgotten (<paramref name="changedAws"/>):
    /// cdk may have changed it.
    /// </summary>
    public ProcessResult Run(CommandLine command, string workingDirectory, Action<string>? onLine = null, string? hint = null,
        CancellationToken stop = default)
    {
        if (command.Arguments.Count > 0 && Changing.Contains(command.Arguments[0].Value, StringComparer.Ordinal)) beforeChange?.Invoke();
        try
        {
            return runner.Run(command, new ProcessOptions
            {
                WorkingDirectory = workingDirectory,
                Environment = Environment,
                OnOutputLine = onLine,
                OnErrorLine = onLine, // cdk reports progress on stderr
                FailureHint = hint,
                Stop = stop,
            });
        }
        finally
        {
            changedAws?.Invoke();
        }
    }
}
