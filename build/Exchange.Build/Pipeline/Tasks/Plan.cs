using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Exchange.Build.Cost;
using Exchange.Build.Images;
using Exchange.Build.Logging;
using Exchange.Build.Processes;
using ProcessRunner = Exchange.Build.Processes.ProcessRunner;
using Exchange.Build.Settings;
using Exchange.Build.Text;
using Exchange.Build.Tools;
using Exchange.Contracts;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>
/// Prints every command DeployDev would run with the current settings. It runs DeployDev's own tasks, in the order
/// the graph runs them and through the registry's own actions and skips, against <see cref="PlanWorld"/>: a recording
/// runner that answers as an empty account does. So Plan is, by construction, what DeployDev executes. Nothing is
/// written outside a scratch folder and no AWS call is made. Values only AWS or the user knows show as
/// &lt;placeholders&gt;; lines starting with # say what a command gets on stdin and where DeployDev would stop. It ends
/// with a verdict: what works without an account, and where DeployDev would stop with these settings and why.
/// </summary>
public static partial class Plan
{
    /// <summary>One of DeployDev's tasks as Plan replays it: why it is skipped (its criteria), else what it does.</summary>
    public sealed record Step(string Task, string? SkippedBecause, Action<BuildContext> Run);

    /// <summary>What one step did in the plan world: its commands, or why it was skipped, or why DeployDev would stop there.</summary>
    public sealed record StepRecord(string Task, string? SkippedBecause, IReadOnlyList<PlannedCall> Calls, string? StoppedBecause);

    /// <summary>What the plan world's folders and placeholders stand for in the printed commands, and what Doctor found there.</summary>
    public sealed record Recording(IReadOnlyList<StepRecord> Steps, IReadOnlyList<(string Found, string Shown)> Shown,
        IReadOnlyList<ToolCheck>? ToolChecks = null)
    {
        /// <summary>The command as DeployDev runs it, each argument shown (and quoted for a shell) as <see cref="Show"/> says.</summary>
        public string Render(CommandLine command, Redactor redactor)
        {
            var shown = new CommandLine(command.Tool, command.Executable);
            foreach (var argument in command.Arguments)
                if (argument.IsSecret) shown.AddSecret(argument.Value);
                else shown.Add(Show(argument.Value));
            return shown.RenderSafe(redactor);
        }

        public string Show(string text) => Verification.CheckerJob.RunName().Replace(TemporaryFile().Replace(TemporaryLayer().Replace(
            Shown.Aggregate(text, (t, s) => t.Replace(s.Found, s.Shown, StringComparison.Ordinal)), "<temporary kustomize layer>"), ".<random>.tmp"),
            $"{ConnectivityCheck.ImageName}-<run>");
    }

    /// <summary>The pseudo-step that holds what a run does once its steps are done (the tunnel is closed).</summary>
    public const string EndOfRun = "(end of the run)";

    /// <summary>DeployDev's steps as Plan replays them: the registry's actions in graph order, each with its skip reason under these settings.</summary>
    public static IReadOnlyList<Step> DeployDevSteps(PipelineSettings settings) =>
        Targets.Order(TaskNames.DeployDev).Where(t => t.Action is not null)
            .Select(t => new Step(t.Name, t.SkippedBecause(settings), t.Action!)).ToArray();

    /// <summary>The Plan target: DeployDev's steps replayed in the plan world, printed, and judged.</summary>
    public static void Run(BuildContext b)
    {
        var steps = DeployDevSteps(b.Settings);
        b.Log.Information($"Replaying DeployDev's {steps.Count} steps against the answers of an empty account (nothing reaches AWS) ...");
        var recording = Record(b, steps);
        var commands = Print(b, recording);
        if (b.Settings.UpgradeTo is { } to) PrintUpgrade(b, to);
        var resources = Resources(b);
        var verdict = Judge(b, recording);
        b.Closing.AddRange(verdict.Lines());
        var stop = verdict.FirstStop;
        b.Report.Add(TaskNames.Plan, StepOutcome.Checked, $"{commands} commands in {recording.Steps.Count} steps" +
                                                          (stop is null ? "" : $"; DeployDev would stop {stop.Where}"));
        b.Document = Document(b, recording, resources, verdict);
    }

    /// <summary>With --to: the steps of Upgrade from the configured versions, in the order it runs them, with their commands.</summary>
    private static void PrintUpgrade(BuildContext b, string to)
    {
        // The commands are built by the Upgrade task's own wrappers; nothing runs (a lenient context: missing tools show by name).
        var plan = new BuildContext(b.Settings, new MemoryLog(), b.Environment, [TaskNames.Plan], new NothingRuns(), b.Clock, lenientTools: true);
        var eks = b.Settings.Environment.Of<EksConfig>();
        IReadOnlyList<(string Title, IReadOnlyList<string> Lines)> steps;
        try { steps = Upgrade.Preview(plan, to); }
        catch (Operations.UpgradeRefusedException e)
        {
            b.Log.Warning($"Upgrade --to={to} would stop: {e.Message}");
            return;
        }
        if (steps.Count == 0)
        {
            b.Log.Information($"Upgrade --to={to} from the configured versions ({Operations.EksVersions.Configured(eks)}): nothing to do but check that " +
                              "the add-ons suit it. (A real run decides from what the cluster runs.)");
            return;
        }
        b.Log.Information($"Upgrade --to={to} would run, in order, from the configured versions ({Operations.EksVersions.Configured(eks)}); a real run " +
                          "starts from what the cluster runs:");
        var n = 0;
        foreach (var (title, lines) in steps)
        {
            b.Log.Information($"  {++n}. {title}");
            foreach (var line in lines)
                foreach (var wrapped in line.StartsWith('#') ? ShellWrap.Prose(line, "    ", "    #   ") : ShellWrap.Command(line, "    "))
                    b.Log.Information(wrapped);
        }
    }

    /// <summary>A runner for contexts that only build commands.</summary>
    private sealed class NothingRuns : IProcessRunner
    {
        public ProcessResult Run(CommandLine command, ProcessOptions? options = null) =>
            throw new InvalidOperationException($"Plan runs nothing: '{command.RenderSafe()}'.");
    }

    /// <summary>Runs <paramref name="steps"/> in the plan world: settings as given, but folders in a scratch directory and an account placeholder.</summary>
    public static Recording Record(BuildContext b, IReadOnlyList<Step> steps) => Record(b, steps, world => world);

    /// <summary>
    /// As <see cref="Record(BuildContext, IReadOnlyList{Step})"/>, with the plan world's answers passed through
    /// <paramref name="around"/> (tests: what if AWS refused this).
    /// </summary>
    internal static Recording Record(BuildContext b, IReadOnlyList<Step> steps, Func<IProcessRunner, IProcessRunner> around, IProcessRunner? local = null)
    {
        var s = b.Settings;
        var scratch = Directory.CreateTempSubdirectory("exchange-plan-").FullName;
        try
        {
            var shown = new List<(string Found, string Shown)>();
            string Source(string dir, string dockerfile, string placeholder)
            {
                if (File.Exists(dockerfile)) return dir;
                var stand = Path.Combine(scratch, placeholder.Trim('<', '>'));
                Directory.CreateDirectory(stand);
                File.WriteAllText(Path.Combine(stand, Path.GetFileName(dockerfile)), "FROM scratch\n");
                shown.Add((stand, placeholder));
                return stand;
            }
            var settings = s with
            {
                ArtifactsDir = Path.Combine(scratch, "artifacts"),
                CdkOutDir = Path.Combine(scratch, "cdk.out"),
                Account = s.Account ?? PlanWorld.PlaceholderAccount,
                EngineDir = Source(s.EngineDir, s.EngineDockerfile, "<engine-dir>"),
                BackendDir = Source(s.BackendDir, s.BackendDockerfile, "<backend-dir>"),
            };
            // The local state is this machine's: with an up-to-date cloud assembly, Synth is skipped here as it would be in DeployDev.
            Directory.CreateDirectory(settings.CdkOutDir);
            foreach (var file in new[] { "manifest.json", Synth.FingerprintFile }.Where(f => File.Exists(Path.Combine(s.CdkOutDir, f))))
                File.Copy(Path.Combine(s.CdkOutDir, file), Path.Combine(settings.CdkOutDir, file));
            shown.Add((settings.CdkOutDir, s.CdkOutDir));
            shown.Add((settings.ArtifactsDir, s.ArtifactsDir));
            if (s.Account is null) shown.Add((PlanWorld.PlaceholderAccount, "<account>"));

            var log = new MemoryLog();
            BuildContext? plan = null;
            var world = new PlanWorld(local ?? new ProcessRunner(b.Redactor, log, b.Interruption.Token, b.Activity, b.NoteCleanup), () => plan?.CurrentTask,
                s.Names, settings.Account, s.Region, s.Environment.Of<EksConfig>().NodeDesiredSize, () => plan?.AccountVerified == true,
                () => plan?.Alongside);
            plan = new BuildContext(settings, log, b.Environment, steps.Select(x => x.Task).ToArray(), around(world), b.Clock, lenientTools: true,
                b.Activity) { Replaying = true };

            var records = new List<StepRecord>();
            foreach (var step in steps)
            {
                if (step.SkippedBecause is not null)
                {
                    records.Add(new StepRecord(step.Task, step.SkippedBecause, [], null));
                    continue;
                }
                var before = world.Calls.Count;
                string? stopped = null;
                try
                {
                    plan.BeginTask(step.Task);
                    step.Run(plan);
                }
                catch (Exception e) when (e is not RunInterruptedException)
                {
                    stopped = e.Message;
                }
                records.Add(new StepRecord(step.Task, null, world.Calls.Skip(before).ToArray(), stopped));
            }
            var closing = world.Calls.Count;
            plan.CloseServices(); // what the end of a run does: the tunnel's session is terminated
            if (world.Calls.Count > closing) records.Add(new StepRecord(EndOfRun, null, world.Calls.Skip(closing).ToArray(), null));
            // The tunnel's local port is chosen per run.
            foreach (var call in world.Calls.Where(c => c.Command.Tool == "aws" && c.Command.Values.Contains("start-session")))
            {
                var port = call.Command.Values.Single(v => v.Contains("localPortNumber=")).Split("localPortNumber=")[1];
                shown.Add(($"localPortNumber={port}", "localPortNumber=<free port>"));
                shown.Add(($"https://127.0.0.1:{port}", "https://127.0.0.1:<free port>"));
            }
            // A tag derived from a placeholder checkout means nothing: show it as <tag>.
            foreach (var image in ImageManifest.Load(settings.ImagesFile).Images.Values)
                if (shown.Any(x => x.Shown.StartsWith('<') && image.SourceDir == x.Found)) shown.Add((image.Tag, "<tag>"));
            return new Recording(records, shown.OrderByDescending(x => x.Found.Length).ToArray(), plan.ToolChecks);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>Prints the replayed steps and their commands; returns how many commands it showed.</summary>
    private static int Print(BuildContext b, Recording recording)
    {
        var s = b.Settings;
        var eks = s.Environment.Of<EksConfig>();
        var cidrs = eks.PublicAccessCidrs;
        b.Log.Information($"EKS API endpoint: {EksEndpointAccess.Describe(cidrs)}");
        b.Log.Information($"kubectl reaches it {Settings.ClusterPaths.Describe(s.ClusterPath, cidrs)}" +
                          (s.ClusterPath == Settings.ClusterPath.Tunnel
                              ? ", opened by the first step that needs the cluster and closed when the run ends" : ""));
        b.Log.Information(eks.BackendLoadBalancer
            ? $"Backend: {BackendAccess.UrlPlaceholder}, {BackendAccess.Describe(eks.BackendPublicCidrs)}"
            : $"Backend: {BackendAccess.Describe([], enabled: false)}");
        b.Log.Information($"DeployDev would run, in order ({s.Environment.EnvName}, {s.Region}), as it does the first time, into an empty account:");
        var commands = 0;
        foreach (var step in recording.Steps)
        {
            b.Log.Information($"  {step.Task}");
            var lines = new List<string>();
            if (step.SkippedBecause is not null) lines.Add($"# skipped: {step.SkippedBecause}");
            // Version checks and git reads are summed up in one line each; every other command is shown.
            var probes = step.Calls.Where(c => PlanWorld.IsVersionProbe(c.Command)).Select(c => c.Command.Tool).Order(StringComparer.Ordinal).ToArray();
            if (probes.Length > 0) lines.Add($"# reads the versions of {string.Join(", ", probes)}");
            var shownCalls = step.Calls.Where(c => !PlanWorld.IsVersionProbe(c.Command)).ToLookup(c => c.Command.Tool == "git");
            var git = shownCalls[true].Count();
            if (git > 0) lines.Add($"# derives the image tags from the sources: {git} git read{(git == 1 ? "" : "s")} (commit, status, ignored files)");
            string? alongside = null;
            foreach (var call in shownCalls[false])
            {
                // Work that runs beside the step's own (the image push during cdk deploy) is listed where it starts, marked so.
                if (call.Alongside != alongside)
                    lines.Add(call.Alongside is { } work ? $"# {work}, beside what follows it:" : $"# while that runs ({alongside}):");
                alongside = call.Alongside;
                if (call.Stdin is not null) lines.Add($"# on stdin: {recording.Show(call.Stdin)}");
                lines.Add(recording.Render(call.Command, b.Redactor));
                commands++;
            }
            if (step.StoppedBecause is not null)
            {
                var because = recording.Show(step.StoppedBecause).Split('\n', StringSplitOptions.RemoveEmptyEntries);
                lines.Add($"# DeployDev would stop here: {because[0]}");
                lines.AddRange(because.Skip(1).Select(l => "#   " + l.Trim()));
            }
            foreach (var line in lines)
                foreach (var wrapped in line.StartsWith('#') ? ShellWrap.Prose(line, "    ", "    #   ") : ShellWrap.Command(line, "    "))
                    b.Log.Information(wrapped);
        }
        b.Log.Information("  A rerun skips what is already done: an up-to-date synth, the bootstrap, images already built or pushed.");
        return commands;
    }

    /// <summary>How many resources each stack of the synthesized assembly would create in an empty account.</summary>
    public sealed record StackResources(string Stack, int ToAdd);

    /// <summary>
    /// Terraform's "N to add", from the synthesized templates: every resource of every stack is new in an empty account.
    /// Null (and said so) when there is no cloud assembly yet.
    /// </summary>
    private static IReadOnlyList<StackResources>? Resources(BuildContext b)
    {
        if (!File.Exists(Path.Combine(b.Settings.CdkOutDir, "manifest.json")))
        {
            b.Log.Information($"  No cloud assembly in {b.Settings.CdkOutDir} yet, so no resource count: run --target=Synth (or Default).");
            return null;
        }
        var stacks = CloudAssembly.Load(b.Settings.CdkOutDir).Stacks.Select(st => new StackResources(st.Name, st.Resources.Count)).ToArray();
        var width = stacks.Max(st => st.Stack.Length);
        b.Log.Information($"  DeployInfra would create, from the synthesized templates ({Path.GetRelativePath(b.Settings.RepoRoot, b.Settings.CdkOutDir)}):");
        foreach (var st in stacks) b.Log.Information($"    {st.Stack.PadRight(width)}  {st.ToAdd,4} to add");
        b.Log.Information($"    {stacks.Length} stacks: {stacks.Sum(st => st.ToAdd)} to add, 0 to change, 0 to destroy.");
        return stacks;
    }

    /// <summary>The throw-away kustomize layer ApplyK8s renders through (a fresh temporary folder each run).</summary>
    [GeneratedRegex(@"\S*exchange-layer-[0-9a-f]{32}")] private static partial Regex TemporaryLayer();

    /// <summary>The temporary file an atomic write goes to first (cdk's outputs file).</summary>
    [GeneratedRegex(@"\.[0-9a-f]{32}\.tmp\b")] private static partial Regex TemporaryFile();
}
