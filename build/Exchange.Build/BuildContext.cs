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
        bool lenientTools = false, IActivity? activity = null)
    {
        Clock = clock ?? Operations.SystemClock.Instance;
        Settings = settings;
        TasksToRun = tasksToRun;
        Environment = environment;
        Activity = activity ?? NoActivity.Instance;
        Log = new RedactingLog(sink, Redactor);
        Runner = runner ?? new ProcessRunner(Redactor, Log, Interruption.Token, Activity, NoteCleanup);
        CleanupRunner = runner ?? new ProcessRunner(Redactor, Log, default, Activity);
        Tools = new ToolResolver(environment, settings.RepoRoot, () => CurrentTask, lenientTools);
        Aws = new AwsCli(Runner, Tools, Redactor, settings.Region, Log, Clock, () => CurrentTask, Interruption.Token);
        Waits = new Operations.Waiter(Log, Clock, Interruption.Token, Activity);
        Deployed = new Operations.DeployedAssembly(this);
        Cdk = new CdkCli(Runner, Tools, Aws.ForgetReads, Deployed.Invalidate);
        Docker = new DockerCli(Runner, Tools);
        // Cleanup at the end of a run must work after an interruption too (the tunnel's session is terminated then).
        var cleanup = new AwsCli(CleanupRunner, Tools, Redactor, settings.Region, Log, Clock, () => CurrentTask);
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
    /// <summary>What is under way, for the heartbeat (a child process, a wait).</summary>
    public IActivity Activity { get; }
    public Redactor Redactor { get; } = new();
    public IBuildLog Log { get; }
    public IProcessRunner Runner { get; }
    /// <summary>
    /// Runs what must happen even after an interruption (deleting a Job this run created): the same runner, but one that a
    /// Ctrl-C does not stop. Only for short commands with a timeout of their own.
    /// </summary>
    public IProcessRunner CleanupRunner { get; }
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
    public bool RunTouchesAws => Targets.AnyTouchesAws(TasksToRun);

    /// <summary>The JSON document of the run's target (--json prints it on stdout): Status, Cost, Plan, Doctor, Permissions set it.</summary>
    public System.Text.Json.Nodes.JsonObject? Document { get; set; }

    /// <summary>Doctor's findings, once it has run (Plan's verdict reads them).</summary>
    public IReadOnlyList<Pipeline.Tasks.ToolCheck>? ToolChecks { get; set; }

    /// <summary>
    /// Set on the context Plan replays DeployDev in: the checks before the first step do not stop the replay (Plan reports
    /// them in its verdict, from the real settings), so every step still shows what it would do.
    /// </summary>
    public bool Replaying { get; init; }

    /// <summary>Lines the run ends with, after the summary (Plan's verdict).</summary>
    public List<string> Closing { get; } = [];

    private readonly List<string> _cleanups = [];

    /// <summary>What an interrupted run cleaned up (a stopped child, a removed docker login), in order.</summary>
    public IReadOnlyList<string> Cleanups { get { lock (_cleanups) return _cleanups.ToArray(); } }

    /// <summary>Records a cleanup that an interruption caused (ignored when the run was not interrupted).</summary>
    public void NoteCleanup(string what)
    {
        if (!Interruption.IsCancellationRequested) return;
        lock (_cleanups) _cleanups.Add(what);
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
    /// The exit code of the run once the target has run (<paramref name="failed"/> when a step threw): an interrupted run
    /// ends with <see cref="InterruptionExitCode"/>, whether the interrupted step failed (the usual case) or finished anyway;
    /// any other run with 1 when a step failed, else 0.
    /// </summary>
    public int ExitCode(bool failed) => InterruptionExitCode ?? (failed ? 1 : 0);

    /// <summary>At the end of the run (also after a failure or an interruption): closes what the run opened (the tunnel).</summary>
    public void CloseServices()
    {
        Tunnel.Close();
        foreach (var closed in Tunnel.Closed) NoteCleanup(closed);
    }

    /// <summary>What to tell the user at the end of an interrupted run: the cleanup that happened, and how to go on.</summary>
    public IEnumerable<string> InterruptionSummary(string target)
    {
        if (InterruptedBy is null) yield break;
        var cleanups = Cleanups;
        yield return $"Interrupted ({InterruptedBy}) during {InterruptedTask ?? "setup"}: " +
                     (cleanups.Count == 0 ? "nothing needed cleaning up" : string.Join(", ", cleanups.Distinct())) +
                     "; every file in the artifacts folder is either complete or untouched.";
        if (InterruptedTask is not null && Targets.Find(InterruptedTask) is { Changes: true })
            yield return $"Resume with: ./build.sh --target={InterruptedTask} --exclusive (with the same options)" +
                         (string.Equals(InterruptedTask, target, StringComparison.OrdinalIgnoreCase) ? "." : $", then --target={target}.");
        else
            yield return $"{InterruptedTask ?? "It"} changes nothing: run ./build.sh --target={target} again (with the same options).";
    }

    /// <summary>The folder holding Exchange.slnx, found upwards from where Cake runs (build/).</summary>
    public static string RepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Exchange.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"No Exchange.slnx above {start}: run build.sh from the repository.");
    }

    /// <summary>
    /// The tools whose override variable (CDK_PATH, AWS_PATH, DOCKER_PATH, KUBECTL_PATH) is checked before the first step of
    /// a run of <paramref name="tasks"/>: the overridable tools the registry says they run (Doctor reports its own).
    /// </summary>
    public static IEnumerable<ToolKind> OverridableTools(IEnumerable<string> tasks) =>
        tasks.Select(Targets.Find).OfType<Target>().Where(t => !t.ReportsTools).SelectMany(t => t.Tools)
            .Where(k => ToolResolver.Specs[k].OverrideVariable is not null).Distinct();

    /// <summary>
    /// Every problem that stops the run before its first step (settings the targets need, tool overrides that point
    /// nowhere), all at once. Not in a dry run, which must work without an account or source checkouts.
    /// </summary>
    public List<string> ProblemsBeforeFirstTask()
    {
        var problems = Settings.ProblemsFor(TasksToRun);
        problems.AddRange(Tools.BrokenOverrides(OverridableTools(TasksToRun)));
        return problems;
    }

    /// <summary>Before the first task: <see cref="ProblemsBeforeFirstTask"/> as one error, then the pinned CDK CLI when a task needs it.</summary>
    public void CheckBeforeFirstTask()
    {
        if (_checked) return;
        _checked = true;
        if (!Replaying && ProblemsBeforeFirstTask() is { Count: > 0 } problems) throw new SettingsException(problems);
        // The pinned CDK CLI is installed when a task needs it (Doctor only reports it, with the fix).
        if (Environment(EnvVars.CdkPath) is not { Length: > 0 } && OverridableTools(TasksToRun).Contains(ToolKind.Cdk))
            NpmPackages.EnsureInstalled(this, Settings.InfraDir, "the pinned CDK CLI");
    }

    /// <summary>
    /// Starts a task: the checks before the first one, then the account guard for a target that calls AWS (one that
    /// checks AWS only with an account, Doctor, runs the guard itself, after the checks that need no AWS).
    /// </summary>
    public void BeginTask(string task)
    {
        CheckBeforeFirstTask();
        CurrentTask = task;
        if (Targets.Find(task) is { TouchesAws: true, AccountOptional: false }) EnsureAccount();
    }

    /// <summary>Whether the account guard has checked this run's credentials against the configured account.</summary>
    public bool AccountVerified => _identity is not null;

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

    private Operations.EnvironmentState? _known;

    /// <summary>
    /// The environment as this run found it before deploying anything (<see cref="Operations.EnvironmentState.Known"/>), read once: Bootstrap
    /// asks it whether a deploy is due, DeployInfra what it deploys onto.
    /// </summary>
    public Operations.EnvironmentState KnownState => _known ??= Operations.EnvironmentState.Known(this);

    /// <summary>Which assembly the stacks were last deployed from (whether cdk deploy is due), and its record.</summary>
    public Operations.DeployedAssembly Deployed { get; }

    /// <summary>The work under way beside the current step's own (Plan marks its commands so); set only while Plan replays a run.</summary>
    public string? Alongside { get; set; }

    /// <summary>What DeployInfra pushed while the stacks deployed (PushImages then only shares and reports it), or null when it did not.</summary>
    public IReadOnlyList<string>? EarlyPush { get; set; }

    /// <summary>The -c values of this run's synth, worked out once (they cost AWS calls, and their warnings are said once).</summary>
    public IReadOnlyDictionary<string, string>? SynthContext { get; set; }

    /// <summary>Forget cached outputs (after a deploy rewrote the file).</summary>
    public void ReloadOutputs() => _outputs = null;

    /// <summary>The kubeconfig context of this environment's cluster (its ARN, as update-kubeconfig names it).</summary>
    public string ClusterContext => Outputs[Contracts.Outputs.EksClusterArn];
}

public sealed class WrongAccountException(string expected, CallerIdentity actual)
    : Exception($"Refusing to continue: your AWS credentials are for account {actual.Account} ({actual.Arn}), " +
                $"but this environment is configured for account {expected}. Switch profile (AWS_PROFILE) or pass the right --account.");
