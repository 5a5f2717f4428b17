using Cake.Core;
using Exchange.Build.Aws;
using Exchange.Build.Images;
using Exchange.Build.Logging;
using Exchange.Build.Pipeline;
using Exchange.Build.Processes;
using Exchange.Build.Settings;
using Exchange.Build.Tools;
using Exchange.Contracts;
using System.Runtime.InteropServices;

namespace Exchange.Build;

/// <summary>
/// The typed state of one run, created once in Setup: settings, the redacting log, the tool
/// wrappers, and what earlier tasks (or earlier runs, through the artefacts) found out.
/// </summary>
public sealed class BuildContext
{
    private CallerIdentity? _identity;
    private DeploymentOutputs? _outputs;
    private bool _checked;

    public BuildContext(PipelineSettings settings, IBuildLog sink, Func<string, string?> environment,
        IReadOnlyCollection<string> tasksToRun, IProcessRunner? runner = null, Operations.IClock? clock = null,
        bool lenientTools = false)
    {
        Clock = clock ?? Operations.SystemClock.Instance;
        Settings = settings;
        TasksToRun = tasksToRun;
        Environment = environment;
        Log = new RedactingLog(sink, Redactor);
        Runner = runner ?? new ProcessRunner(Redactor, Log, Interruption.Token);
        Tools = new ToolResolver(environment, settings.RepoRoot, () => CurrentTask, lenientTools);
        Aws = new AwsCli(Runner, Tools, Redactor, settings.Region, Log, Clock, () => CurrentTask, Interruption.Token);
        Waits = new Operations.Waiter(Log, Clock, Interruption.Token);
        Cdk = new CdkCli(Runner, Tools);
        Docker = new DockerCli(Runner, Tools);
        // Cleanup at the end of a run must work after an interruption too (the tunnel's session is terminated then).
        var cleanup = new AwsCli(runner ?? new ProcessRunner(Redactor, Log), Tools, Redactor, settings.Region, Log, Clock, () => CurrentTask);
        Tunnel = new ClusterTunnel(settings.ClusterPath, settings.Environment.Of<EksConfig>().PublicAccessCidrs, Aws, cleanup, Runner, Tools, Log, Waits,
            Clock, Interruption.Token, () => new TunnelTarget(Outputs[Contracts.Outputs.JumpInstanceId],
                TunnelTarget.HostOf(Outputs[Contracts.Outputs.EksClusterEndpoint])), settings.WaitTimeout);
        Kubectl = new KubectlCli(Runner, Tools, Tunnel);
        Tagger = new ImageTagger(Runner, Tools);
    }

    public PipelineSettings Settings { get; }
    /// <summary>The environment variables as this run saw them (for tool resolution only).</summary>
    public Func<string, string?> Environment { get; }
    public IReadOnlyCollection<string> TasksToRun { get; }
    public Redactor Redactor { get; } = new();
    public IBuildLog Log { get; }
    public IProcessRunner Runner { get; }
    public Operations.IClock Clock { get; }
    /// <summary>Cancelled when the run is interrupted (SIGINT/SIGTERM): sleeps end and child processes are stopped.</summary>
    public CancellationTokenSource Interruption { get; } = new();
    /// <summary>Every wait for an AWS or cluster state goes through this (progress, classification, deadline).</summary>
    public Operations.Waiter Waits { get; }
    public ToolResolver Tools { get; }
    public AwsCli Aws { get; }

    /// <summary>The shared run artefacts in the artifacts bucket (fetched when missing here, shared when written).</summary>
    public ArtifactStore Artifacts => new(Aws, Names, Settings.Account, Settings.Region, Log);
    public CdkCli Cdk { get; }
    public DockerCli Docker { get; }
    public KubectlCli Kubectl { get; }
    /// <summary>The way to the cluster's API for this run (the SSM tunnel, opened when first needed, or the public endpoint).</summary>
    public ClusterTunnel Tunnel { get; }
    public ImageTagger Tagger { get; }
    public StepReport Report { get; } = new();
    public string? CurrentTask { get; private set; }
    /// <summary>Set once Synth has made sure the cloud assembly matches this run's sources and context.</summary>
    public bool AssemblyChecked { get; set; }
    public EnvironmentNames Names => Settings.Names;

    /// <summary>The time the sleep schedule is read at: now, or EXCHANGE_NOW when set (tests; "what would happen at ...").</summary>
    public DateTimeOffset Now() => Settings.FixedNow ?? DateTimeOffset.UtcNow;

    /// <summary>True when this run talks to AWS (so synth may ask who is deploying).</summary>
    public bool RunTouchesAws => TasksToRun.Any(TaskNames.TouchAws.Contains);

    public static BuildContext From(ISetupContext context)
    {
        var inputs = new CakeInputs(context);
        if (inputs.Unknown() is { Count: > 0 } unknown)
            throw new SettingsException([$"Unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}. " +
                                         $"Options: {string.Join(", ", ArgumentNames.All.Order(StringComparer.Ordinal).Select(a => "--" + a))} " +
                                         "(and Cake's own: --exclusive, --dryrun, --tree, --description, --verbosity). See README.md#configuration."]);
        var settings = PipelineSettings.From(inputs, RepositoryRoot(context.Environment.WorkingDirectory.FullPath));
        var tasks = context.TasksToExecute.Select(t => t.Name).ToArray();
        var build = new BuildContext(settings, new CakeBuildLog(context.Log), inputs.Environment, tasks);
        build.HandleInterruptions();
        foreach (var line in settings.Describe()) build.Log.Information(line);
        return build;
    }

    private readonly List<PosixSignalRegistration> _signals = [];

    /// <summary>The signals that interrupt a run, each with the number the shell adds to 128 for a process it ended.</summary>
    private static readonly Dictionary<PosixSignal, int> SignalNumbers = new() { [PosixSignal.SIGINT] = 2, [PosixSignal.SIGTERM] = 15 };

    /// <summary>The signal that interrupted the run (SIGINT, SIGTERM), and the task it interrupted.</summary>
    public string? InterruptedBy { get; private set; }
    public string? InterruptedTask { get; private set; }
    /// <summary>What an interrupted run exits with, the shell's convention: 128 + the signal's number (130 for SIGINT, 143 for SIGTERM).</summary>
    public int? InterruptionExitCode { get; private set; }

    /// <summary>
    /// Ctrl-C (SIGINT) and SIGTERM no longer kill the run outright: the running child process is stopped,
    /// the step unwinds (removing its temporary docker login and kustomize layer), and the run ends saying how to
    /// resume. A second signal ends the process at once.
    /// </summary>
    public void HandleInterruptions()
    {
        foreach (var signal in SignalNumbers.Keys)
            _signals.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = InterruptedBy is null;
                Interrupt(context.Signal);
            }));
    }

    public void Interrupt(PosixSignal signal)
    {
        if (InterruptedBy is not null) return;
        var number = SignalNumbers.TryGetValue(signal, out var n) ? n
            : throw new ArgumentOutOfRangeException(nameof(signal), signal, $"Only {string.Join(" and ", SignalNumbers.Keys)} interrupt a run.");
        (InterruptedBy, InterruptedTask, InterruptionExitCode) = (signal.ToString(), CurrentTask, 128 + number);
        if (_interruptionEnds)
        {
            (InterruptedBy, InterruptionExitCode) = (null, null); // the normal end of a target that holds until Ctrl-C
            Log.Information($"{signal}: closing.");
        }
        else
            Log.Warning($"{InterruptedBy} received during {CurrentTask ?? "setup"}: stopping child processes and cleaning up (send it again to end at once).");
        Interruption.Cancel();
    }

    private bool _interruptionEnds;

    /// <summary>The current target holds until Ctrl-C (Tunnel): a signal ends it normally (exit 0, no resume hint).</summary>
    public void EndsOnInterruption() => _interruptionEnds = true;

    /// <summary>
    /// Called by the script once the target has run (<paramref name="failure"/> is what it threw, if anything): an
    /// interrupted run ends with <see cref="InterruptionExitCode"/>, whether the interrupted step failed (the usual
    /// case) or finished anyway; any other run ends as the target did.
    /// </summary>
    public void EndRun(Exception? failure)
    {
        if (InterruptionExitCode is not { } code) return;
        throw new CakeException(code, failure?.Message ?? $"Interrupted ({InterruptedBy}) during {InterruptedTask ?? "setup"}.", failure);
    }

    /// <summary>At the end of the run (Teardown, also after a failure or an interruption): closes what the run opened (the tunnel).</summary>
    public void CloseServices() => Tunnel.Close();

    /// <summary>What to tell the user at the end of an interrupted run.</summary>
    public IEnumerable<string> InterruptionSummary()
    {
        if (InterruptedBy is null) yield break;
        yield return $"Interrupted ({InterruptedBy}) during {InterruptedTask ?? "setup"}: child processes were stopped, temporary docker logins " +
                     "and kustomize layers removed; " + string.Concat(Tunnel.Closed.Select(c => c + "; ")) +
                     "every file in the artifacts folder is either complete or untouched.";
        if (InterruptedTask is not null)
            yield return $"Resume with: ./build.sh --target={InterruptedTask} --exclusive (with the same options), then run the target you wanted.";
    }

    /// <summary>The folder holding Exchange.slnx, found upwards from where Cake runs (build/).</summary>
    public static string RepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Exchange.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"No Exchange.slnx above {start}: run build.sh from the repository.");
    }

    /// <summary>
    /// Before the first task (not in Setup: a <c>--dryrun</c> runs Setup but no task, and must work
    /// without an account or source checkouts): every settings problem and broken tool override at once.
    /// </summary>
    public void CheckBeforeFirstTask()
    {
        if (_checked) return;
        _checked = true;
        var problems = Settings.ProblemsFor(TasksToRun);
        problems.AddRange(Tools.BrokenOverrides(TasksToRun.SelectMany(t => TaskNames.OverridableTools.GetValueOrDefault(t) ?? [])));
        if (problems.Count > 0) throw new SettingsException(problems);
        // The pinned CDK CLI is installed when a task needs it (Doctor only reports it, with the fix).
        if (Environment(EnvVars.CdkPath) is not { Length: > 0 }
            && TasksToRun.Any(t => (TaskNames.OverridableTools.GetValueOrDefault(t) ?? []).Contains(ToolKind.Cdk)))
            NpmPackages.EnsureInstalled(this, Settings.InfraDir, "the pinned CDK CLI");
    }

    public void BeginTask(string task)
    {
        CheckBeforeFirstTask();
        CurrentTask = task;
        if (TaskNames.TouchAws.Contains(task) && !(TaskNames.AwsOptional.Contains(task) && Settings.Account is null)) EnsureAccount();
    }

    /// <summary>The caller's identity, checked once per run against the configured account.</summary>
    public CallerIdentity EnsureAccount()
    {
        if (_identity is not null) return _identity;
        var expected = Settings.Account ?? throw new SettingsException(
            [$"Target '{CurrentTask}' talks to AWS but no account is configured: pass --{ArgumentNames.Account}=123456789012 or set {EnvVars.Account}."]);
        var identity = Aws.GetCallerIdentity();
        if (identity.Account != expected) throw new WrongAccountException(expected, identity);
        Log.Information($"AWS identity {identity.Arn} (account {identity.Account}, as configured)");
        return _identity = identity;
    }

    /// <summary>Stack outputs: this run's, else the last run's outputs file, else asked of CloudFormation.</summary>
    public DeploymentOutputs Outputs
    {
        get
        {
            if (_outputs is not null) return _outputs;
            if (RunTouchesAws) Artifacts.Fetch(Settings.OutputsFile);
            _outputs = DeploymentOutputs.Load(Names, Settings.OutputsFile);
            if (_outputs is not null)
            {
                Log.Verbose($"Stack outputs from {Settings.OutputsFile}");
                return _outputs;
            }
            Log.Information($"No {Settings.OutputsFile} yet: reading the stack outputs from CloudFormation.");
            var stacks = Names.AllStacks.Select(s => Aws.DescribeStack(s)
                ?? throw new InvalidOperationException($"Stack '{s}' does not exist. Deploy it first: --target=DeployInfra.")).ToArray();
            _outputs = DeploymentOutputs.FromStackDescriptions(Names, stacks);
            _outputs.Save(Settings.OutputsFile);
            return _outputs;
        }
    }

    /// <summary>Forget cached outputs (after a deploy rewrote the file).</summary>
    public void ReloadOutputs() => _outputs = null;

    /// <summary>The kubeconfig context of this environment's cluster (its ARN, as update-kubeconfig names it).</summary>
    public string ClusterContext => Outputs[Contracts.Outputs.EksClusterArn];
}

public sealed class WrongAccountException(string expected, CallerIdentity actual)
    : Exception($"Refusing to continue: your AWS credentials are for account {actual.Account} ({actual.Arn}), " +
                $"but this environment is configured for account {expected}. Switch profile (AWS_PROFILE) or pass the right --account.");
