using Exchange.Build.Settings;
using Exchange.Build.Tools;

namespace Exchange.Build.Pipeline;

/// <summary>The three groups <c>--help</c> and the README list targets in.</summary>
public enum TargetGroup
{
    /// <summary>Needs no AWS account and no credentials.</summary>
    Offline,
    /// <summary>DeployDev and its steps: from an empty account to running pods.</summary>
    DeployDev,
    /// <summary>Operating the deployed environment.</summary>
    Day2,
}

/// <summary>What a target reaches beyond this checkout's own files.</summary>
[Flags]
public enum Reach
{
    Nothing = 0,
    /// <summary>Calls AWS with credentials: the account guard runs before its first call.</summary>
    Aws = 1,
    /// <summary>Talks to the cluster's API endpoint (kubectl).</summary>
    Cluster = 2,
    /// <summary>Builds images from the engine and backend source checkouts: they must exist (unless --skip-images).</summary>
    Sources = 4,
}

/// <summary>A reason a target is skipped in a run (a <c>--skip-*</c> switch): the step is listed, not run.</summary>
public sealed record Skip(Func<PipelineSettings, bool> When, string Reason);

/// <summary>
/// Everything about one target, declared once in <see cref="Targets"/>: what it does, what it depends on, when it is
/// skipped, what it reaches, the options it reads, the tools it runs and whether it changes anything. The account
/// guard, the checks before the first step, --help, Plan's verdict and the README's target table derive from it.
/// </summary>
public sealed class Target
{
    private readonly List<string> _dependsOn = [];
    private readonly List<Skip> _skips = [];
    private readonly List<string> _options = [];
    private readonly List<ToolKind> _tools = [];
    private readonly List<(string Option, Func<PipelineSettings, string?> Problem)> _requires = [];

    private Target(string name, TargetGroup group, string summary)
    {
        Name = name;
        Group = group;
        Summary = summary;
        Description = summary;
    }

    public string Name { get; }
    public TargetGroup Group { get; }
    /// <summary>One line: --help and --description.</summary>
    public string Summary { get; }
    /// <summary>The README's target table and <c>--help --target=NAME</c> (the summary unless said otherwise).</summary>
    public string Description { get; private set; }
    /// <summary>The targets that run before it, in this order (Cake's graph order).</summary>
    public IReadOnlyList<string> DependsOn => _dependsOn;
    public IReadOnlyList<Skip> Skips => _skips;
    public Reach Reaches { get; private set; }
    /// <summary>Calls AWS only when an account is configured (Doctor), and says it skipped AWS otherwise.</summary>
    public bool AccountOptional { get; private set; }
    /// <summary>The options (<see cref="ArgumentNames"/>) it reads besides the common ones (<see cref="Options.Common"/>).</summary>
    public IReadOnlyList<string> Options => _options;
    /// <summary>The programs it runs; an override variable (CDK_PATH, ...) of one of them is checked before the first step.</summary>
    public IReadOnlyList<ToolKind> Tools => _tools;
    /// <summary>Checks and reports its tools itself (Doctor's table), so a broken override does not stop the run before it.</summary>
    public bool ReportsTools { get; private set; }
    /// <summary>Changes AWS, the cluster, kubeconfig or local images: an interrupted run suggests resuming it with --exclusive.</summary>
    public bool Changes { get; private set; }
    /// <summary>Prints one JSON document on stdout with --json.</summary>
    public bool Json { get; private set; }
    public string? ExampleArguments { get; private set; }
    /// <summary>How its work overlaps an earlier step's (PushImages's push runs beside DeployInfra's cdk deploy), for --tree; or null.</summary>
    public string? Beside { get; private set; }
    /// <summary>The work (null for a target that only groups others, such as DeployDev).</summary>
    public Action<BuildContext>? Action { get; private set; }

    /// <summary>What is wrong with the settings for this target (checked before the first step), each with what to do.</summary>
    public IEnumerable<string> Problems(PipelineSettings settings) => _requires.Select(r => r.Problem(settings)).OfType<string>();

    /// <summary>The options it cannot run without (--base-assembly for CostDiff), as <c>--name</c>.</summary>
    public IReadOnlyList<string> RequiredOptions => _requires.Select(r => "--" + r.Option).ToArray();

    /// <summary>The reason it is skipped with these settings, or null when it runs.</summary>
    public string? SkippedBecause(PipelineSettings settings) => _skips.FirstOrDefault(s => s.When(settings))?.Reason;

    public bool TouchesAws => Reaches.HasFlag(Reach.Aws);
    /// <summary>Needs an account before it runs (AWS targets, except those that check AWS only when one is configured).</summary>
    public bool NeedsAccount => TouchesAws && !AccountOptional;

    /// <summary>The example --help shows: the target and whatever a run of it cannot do without.</summary>
    public string Example
    {
        get
        {
            var needsAccount = Targets.Order(Name).Any(t => t.NeedsAccount) && ExampleArguments?.Contains("--account", StringComparison.Ordinal) != true;
            return $"./build.sh --target={Name}" + (needsAccount ? " --account=123456789012" : "") + (ExampleArguments is null ? "" : " " + ExampleArguments);
        }
    }

    // The declaration vocabulary, used only by the registry.
    internal static Target Declare(string name, TargetGroup group, string summary) => new(name, group, summary);

    internal Target Describe(string description) { Description = description; return this; }
    internal Target After(params string[] dependencies) { _dependsOn.AddRange(dependencies); return this; }
    internal Target SkippedWhen(Func<PipelineSettings, bool> when, string reason) { _skips.Add(new Skip(when, reason)); return this; }
    internal Target Touches(Reach reach) { Reaches = reach; return this; }
    internal Target TouchesAwsWhenAccountGiven() { Reaches |= Reach.Aws; AccountOptional = true; return this; }
    internal Target Reads(params string[] options) { _options.AddRange(options); return this; }
    internal Target Runs(params ToolKind[] tools) { _tools.AddRange(tools); return this; }
    internal Target ChecksItsOwnTools() { ReportsTools = true; return this; }
    internal Target ChangesThings() { Changes = true; return this; }
    internal Target PrintsJson() { Json = true; return this; }
    /// <summary>A requirement on <paramref name="option"/>: <paramref name="problem"/> says what is wrong (null when nothing is).</summary>
    internal Target Requires(string option, Func<PipelineSettings, string?> problem) { _requires.Add((option, problem)); return this; }
    internal Target ExampleWith(string arguments) { ExampleArguments = arguments; return this; }
    internal Target RunsBeside(string how) { Beside = how; return this; }
    internal Target Does(Action<BuildContext> action) { Action = action; return this; }

    public override string ToString() => Name;
}
