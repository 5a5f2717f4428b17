using System.Text.RegularExpressions;
using Cake.Core;
using Cake.Core.Configuration;
using Cake.Core.Diagnostics;
using IFileSystem = Cake.Core.IO.IFileSystem;
using IGlobber = Cake.Core.IO.IGlobber;
using IRegistry = Cake.Core.IO.IRegistry;
using Cake.Core.Tooling;
using Exchange.Build.Images;
using Exchange.Build.Logging;
using Exchange.Build.Processes;
using ProcessRunner = Exchange.Build.Processes.ProcessRunner;
using Exchange.Build.Text;
using Exchange.Contracts;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>
/// Prints every command DeployDev would run with the current settings. It runs DeployDev's own tasks, in the order
/// Cake runs them and through Cake's own task actions and criteria, against <see cref="PlanWorld"/>: a recording
/// runner that answers as an empty account does. So Plan is, by construction, what DeployDev executes. Nothing is
/// written outside a scratch folder and no AWS call is made. Values only AWS or the user knows show as
/// &lt;placeholders&gt;; lines starting with # say what a command gets on stdin and where DeployDev would stop.
/// </summary>
public static partial class Plan
{
    /// <summary>One of DeployDev's tasks as Plan replays it: why it is skipped (its criteria), else what it does.</summary>
    public sealed record Step(string Task, string? SkippedBecause, Action<BuildContext> Run);

    /// <summary>What one step did in the plan world: its commands, or why it was skipped, or why DeployDev would stop there.</summary>
    public sealed record StepRecord(string Task, string? SkippedBecause, IReadOnlyList<PlannedCall> Calls, string? StoppedBecause);

    /// <summary>What the plan world's folders and placeholders stand for in the printed commands.</summary>
    public sealed record Recording(IReadOnlyList<StepRecord> Steps, IReadOnlyList<(string Found, string Shown)> Shown)
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

        public string Show(string text) => TemporaryFile().Replace(TemporaryLayer().Replace(
            Shown.Aggregate(text, (t, s) => t.Replace(s.Found, s.Shown, StringComparison.Ordinal)), "<temporary layer over the overlay>"), ".<random>.tmp");
    }

    /// <summary>The Plan target: DeployDev's tasks from Cake's graph, each run through Cake's own actions with the plan world's context.</summary>
    public static void Run(BuildContext b, ICakeContext cake, IReadOnlyList<ICakeTaskInfo> tasks)
    {
        var byName = tasks.OfType<CakeTask>().ToDictionary(t => t.Name, StringComparer.OrdinalIgnoreCase);
        var steps = TaskGraph.Order(tasks, TaskNames.DeployDev).Select(name => byName[name]).Where(t => t.Actions.Count > 0)
            .Select(t => new Step(t.Name, t.Criterias.FirstOrDefault(c => !c.Predicate(cake))?.Message,
                plan => t.Execute(new PlanCakeContext(cake, plan)).GetAwaiter().GetResult()))
            .ToArray();
        Print(b, Record(b, steps));
    }

    /// <summary>Runs <paramref name="steps"/> in the plan world: settings as given, but folders in a scratch directory and an account placeholder.</summary>
    public static Recording Record(BuildContext b, IReadOnlyList<Step> steps) => Record(b, steps, world => world);

    /// <summary>
    /// As <see cref="Record(BuildContext, IReadOnlyList{Step})"/>, with the plan world's answers passed through
    /// <paramref name="around"/> (tests: what if AWS refused this).
    /// </summary>
    internal static Recording Record(BuildContext b, IReadOnlyList<Step> steps, Func<IProcessRunner, IProcessRunner> around)
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
            var world = new PlanWorld(new ProcessRunner(b.Redactor, log, b.Interruption.Token), () => plan?.CurrentTask,
                s.Names, settings.Account, s.Region);
            plan = new BuildContext(settings, log, b.Environment, steps.Select(x => x.Task).ToArray(), around(world), b.Clock, lenientTools: true);

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
            // A tag derived from a placeholder checkout means nothing: show it as <tag>.
            foreach (var image in ImageManifest.Load(settings.ImagesFile).Images.Values)
                if (shown.Any(x => x.Shown.StartsWith('<') && image.SourceDir == x.Found)) shown.Add((image.Tag, "<tag>"));
            return new Recording(records, shown.OrderByDescending(x => x.Found.Length).ToArray());
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static void Print(BuildContext b, Recording recording)
    {
        var s = b.Settings;
        b.Log.Information($"EKS API endpoint: {EksEndpointAccess.Describe(s.Environment.Of<EksConfig>().PublicAccessCidrs)}");
        var eks = s.Environment.Of<EksConfig>();
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
            foreach (var call in shownCalls[false])
            {
                if (call.Stdin is not null) lines.Add($"# on stdin: {recording.Show(call.Stdin)}");
                lines.Add(recording.Render(call.Command, b.Redactor));
                commands++;
            }
            if (step.StoppedBecause is not null) lines.Add($"# DeployDev would stop here: {recording.Show(step.StoppedBecause.Split('\n')[0])}");
            foreach (var line in lines)
                foreach (var wrapped in line.StartsWith('#') ? ShellWrap.Prose(line, "    ", "    #   ") : ShellWrap.Command(line, "    "))
                    b.Log.Information(wrapped);
        }
        b.Log.Information("  A rerun skips what is already done: an up-to-date synth, the bootstrap, images already built or pushed.");
        var stops = recording.Steps.Where(r => r.StoppedBecause is not null).Select(r => r.Task).ToArray();
        if (stops.Length > 0) b.Log.Warning($"With these settings DeployDev would stop in {string.Join(", ", stops)} (see above).");
        b.Report.Add(TaskNames.Plan, StepOutcome.Checked, $"{commands} commands in {recording.Steps.Count} steps" +
                                                          (stops.Length > 0 ? $"; would stop in {stops[0]}" : ""));
    }

    /// <summary>The throw-away kustomize layer ApplyK8s renders through (a fresh temporary folder each run).</summary>
    [GeneratedRegex(@"\S*exchange-layer-[0-9a-f]{32}")] private static partial Regex TemporaryLayer();

    /// <summary>The temporary file an atomic write goes to first (cdk's outputs file).</summary>
    [GeneratedRegex(@"\.[0-9a-f]{32}\.tmp\b")] private static partial Regex TemporaryFile();

    /// <summary>Cake's context for a task replayed by Plan: everything as in the real run, except that the task's data is the plan world's.</summary>
    private sealed class PlanCakeContext(ICakeContext real, BuildContext plan) : ICakeContext, ICakeDataResolver
    {
        public IFileSystem FileSystem => real.FileSystem;
        public ICakeEnvironment Environment => real.Environment;
        public IGlobber Globber => real.Globber;
        public ICakeLog Log => real.Log;
        public ICakeArguments Arguments => real.Arguments;
        public Cake.Core.IO.IProcessRunner ProcessRunner => real.ProcessRunner;
        public IRegistry Registry => real.Registry;
        public IToolLocator Tools => real.Tools;
        public ICakeDataResolver Data => this;
        public ICakeConfiguration Configuration => real.Configuration;
        public IToolInstaller ToolInstaller => real.ToolInstaller;
        public IServiceProvider ServiceProvider => real.ServiceProvider;

        public TData Get<TData>() where TData : class =>
            plan as TData ?? throw new InvalidOperationException($"Plan replays tasks whose data is {nameof(BuildContext)}, not {typeof(TData).Name}.");
    }
}
