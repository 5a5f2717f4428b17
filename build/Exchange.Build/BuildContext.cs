using Cake.Core;
using Exchange.Build.Aws;
using Exchange.Build.Images;
using Exchange.Build.Logging;
using Exchange.Build.Pipeline;
using Exchange.Build.Processes;
using Exchange.Build.Settings;
using Exchange.Build.Tools;
using Exchange.Contracts;

namespace Exchange.Build;

/// <summary>
/// The typed state of one run, created once in Setup: settings, the redacting log, the tool
/// wrappers, and what earlier tasks (or earlier runs, through the artefacts) found out.
/// </summary>
public sealed class BuildContext
{
    private CallerIdentity? _identity;
    private DeploymentOutputs? _outputs;

    public BuildContext(PipelineSettings settings, IBuildLog sink, Func<string, string?> environment,
        IReadOnlyCollection<string> tasksToRun, IProcessRunner? runner = null)
    {
        Settings = settings;
        TasksToRun = tasksToRun;
        Environment = environment;
        Log = new RedactingLog(sink, Redactor);
        Runner = runner ?? new ProcessRunner(Redactor, Log);
        Tools = new ToolResolver(environment, settings.RepoRoot, () => CurrentTask);
        Aws = new AwsCli(Runner, Tools, Redactor, settings.Region);
        Cdk = new CdkCli(Runner, Tools);
        Docker = new DockerCli(Runner, Tools);
        Kubectl = new KubectlCli(Runner, Tools);
        Tagger = new ImageTagger(Runner, Tools);
    }

    public PipelineSettings Settings { get; }
    /// <summary>The environment variables as this run saw them (for tool resolution only).</summary>
    public Func<string, string?> Environment { get; }
    public IReadOnlyCollection<string> TasksToRun { get; }
    public Redactor Redactor { get; } = new();
    public IBuildLog Log { get; }
    public IProcessRunner Runner { get; }
    public ToolResolver Tools { get; }
    public AwsCli Aws { get; }
    public CdkCli Cdk { get; }
    public DockerCli Docker { get; }
    public KubectlCli Kubectl { get; }
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
        settings.ValidateFor(tasks);
        var build = new BuildContext(settings, new CakeBuildLog(context.Log), inputs.Environment, tasks);
        foreach (var line in settings.Describe()) build.Log.Information(line);
        return build;
    }

    /// <summary>The folder holding Exchange.slnx, found upwards from where Cake runs (build/).</summary>
    public static string RepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Exchange.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"No Exchange.slnx above {start}: run build.sh from the repository.");
    }

    public void BeginTask(string task)
    {
        CurrentTask = task;
        if (TaskNames.TouchAws.Contains(task)) EnsureAccount();
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
