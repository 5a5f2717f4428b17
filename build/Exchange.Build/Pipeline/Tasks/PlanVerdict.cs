using System.Text.Json.Nodes;
using Exchange.Build.Text;
using Exchange.Build.Tools;
using Exchange.Contracts;

namespace Exchange.Build.Pipeline.Tasks;

public static partial class Plan
{
    /// <summary>Where a DeployDev run would stop: before its first step (<see cref="Task"/> null: the settings) or in a step; each reason a line.</summary>
    public sealed record Stop(string? Task, IReadOnlyList<string> Because)
    {
        public string Where => Task is null ? "before its first step" : $"in {Task}";
    }

    /// <summary>A target that would not work on this machine, and why.</summary>
    public sealed record NotHere(string Target, string Because);

    /// <summary>
    /// Plan's verdict: the targets that work without an account (and the options some still need), those this machine
    /// cannot run, and every place a DeployDev run with these settings would stop, the first one first.
    /// </summary>
    public sealed record Verdict(IReadOnlyList<string> Works, IReadOnlyList<string> WorksWithOptions, IReadOnlyList<NotHere> NotHereList,
        IReadOnlyList<Stop> Stops)
    {
        public Stop? FirstStop => Stops.Count == 0 ? null : Stops[0];

        public IEnumerable<string> Lines()
        {
            yield return "Verdict, with these settings:";
            var works = $"Works without an account: {string.Join(", ", Works)}" +
                        (WorksWithOptions.Count == 0 ? "." : $"; given their options: {string.Join(", ", WorksWithOptions)}.");
            foreach (var line in ShellWrap.Prose(works, "  ", "    ")) yield return line;
            foreach (var n in NotHereList)
                foreach (var line in ShellWrap.Prose($"Not on this machine: {n.Target} ({n.Because}).", "  ", "    "))
                    yield return line;
            if (Stops.Count == 0)
            {
                foreach (var line in ShellWrap.Prose("DeployDev: nothing Plan can see would stop it. What only AWS knows, it cannot check: your " +
                                                     "credentials (the account guard asks first) and the IAM policy (--target=Permissions).", "  ", "    "))
                    yield return line;
                yield break;
            }
            for (var i = 0; i < Stops.Count; i++)
            {
                var stop = Stops[i];
                var head = i == 0 ? $"DeployDev would stop {stop.Where}" : $"After that, it would stop {stop.Where}";
                var reasons = stop.Task is null ? $"{head}, on the settings ({stop.Because.Count}, reported together):" : $"{head}: {stop.Because[0]}";
                foreach (var line in ShellWrap.Prose(reasons, "  ", "    ")) yield return line;
                foreach (var reason in stop.Task is null ? stop.Because : stop.Because.Skip(1))
                    foreach (var line in ShellWrap.Prose("- " + reason.Trim().TrimStart('-', ' '), "    ", "      ")) yield return line;
            }
        }
    }

    /// <summary>
    /// The verdict: a real DeployDev first checks the settings its steps need (all problems at once), then runs its steps,
    /// so the first stop is a settings problem when there is one, else the first step that failed in the replay. Every
    /// later stop is listed too, so each missing tool and checkout is named.
    /// </summary>
    internal static Verdict Judge(BuildContext b, Recording recording)
    {
        var deployDev = Targets.Order(TaskNames.DeployDev).Select(t => t.Name).ToArray();
        var stops = new List<Stop>();
        var settings = b.Settings.ProblemsFor(deployDev);
        settings.AddRange(b.Tools.BrokenOverrides(BuildContext.OverridableTools(deployDev)));
        if (settings.Count > 0) stops.Add(new Stop(null, settings));
        foreach (var step in recording.Steps.Where(s => s.StoppedBecause is not null))
            stops.Add(new Stop(step.Task, recording.Show(step.StoppedBecause!).Split('\n', StringSplitOptions.RemoveEmptyEntries)));

        var broken = BrokenTools(b, recording.ToolChecks);
        var works = new List<string>();
        var withOptions = new List<string>();
        var notHere = new List<NotHere>();
        // The targets whose whole run needs no account; Doctor always runs (it reports what is missing).
        foreach (var target in Targets.All.Where(t => t.Action is not null || t.DependsOn.Count > 0))
        {
            var order = Targets.Order(target.Name);
            if (order.Any(t => t.NeedsAccount)) continue;
            var missing = Targets.ToolsOfRun(target.Name).Where(broken.ContainsKey).Select(k => broken[k]).Distinct().ToArray();
            var options = order.SelectMany(t => t.RequiredOptions).ToList();
            if (order.Any(t => t.Reaches.HasFlag(Reach.Sources)))
                options.AddRange([$"--{Settings.ArgumentNames.EngineDir}", $"--{Settings.ArgumentNames.BackendDir}"]);
            if (target.Name != TaskNames.Doctor && missing.Length > 0) notHere.Add(new NotHere(target.Name, string.Join("; ", missing)));
            else if (b.Settings.ProblemsFor(order.Select(t => t.Name).ToArray()).Count > 0)
                withOptions.Add($"{target.Name} ({string.Join(", ", options.Distinct())})");
            else works.Add(target.Name);
        }
        notHere = notHere.GroupBy(n => n.Because).Select(g => new NotHere(string.Join(", ", g.Select(n => n.Target)), g.Key)).ToList();
        return new Verdict(works, withOptions, notHere, stops);
    }

    /// <summary>The tools this machine lacks, each with why: Doctor's findings, and for the tools it does not check, whether they are installed.</summary>
    private static Dictionary<ToolKind, string> BrokenTools(BuildContext b, IReadOnlyList<ToolCheck>? checks)
    {
        var broken = new Dictionary<ToolKind, string>();
        foreach (var check in checks ?? [])
            if (check.Blocks)
                broken[check.Tool] = check.Status == ToolStatus.NoEngine ? "no Docker engine answers" : $"{ToolResolver.Specs[check.Tool].Command} is missing";
        foreach (var kind in Enum.GetValues<ToolKind>().Where(k => !broken.ContainsKey(k) && checks?.Any(c => c.Tool == k) != true))
            if (b.Tools.TryResolve(kind) is null) broken[kind] = $"{ToolResolver.Specs[kind].Command} is not installed";
        return broken;
    }

    /// <summary>Plan as one JSON document (--json): the steps and their commands, the resources to add, and the verdict.</summary>
    private static JsonObject Document(BuildContext b, Recording recording, IReadOnlyList<StackResources>? resources, Verdict verdict)
    {
        JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)v).ToArray());
        JsonObject StopNode(Stop s) => new() { ["at"] = s.Task ?? "settings", ["because"] = Strings(s.Because) };
        return new JsonObject
        {
            ["environment"] = b.Settings.Environment.EnvName,
            ["region"] = b.Settings.Region,
            ["eksEndpoint"] = EksEndpointAccess.Describe(b.Settings.Environment.Of<EksConfig>().PublicAccessCidrs),
            ["steps"] = new JsonArray(recording.Steps.Select(step => (JsonNode)new JsonObject
            {
                ["task"] = step.Task,
                ["skipped"] = step.SkippedBecause,
                ["commands"] = Strings(step.Calls.Where(c => !PlanWorld.IsVersionProbe(c.Command) && c.Command.Tool != "git")
                    .Select(c => recording.Render(c.Command, b.Redactor))),
                ["stopsHere"] = step.StoppedBecause is null ? null : recording.Show(step.StoppedBecause),
            }).ToArray()),
            ["resources"] = resources is null ? null : new JsonObject
            {
                ["toAdd"] = resources.Sum(r => r.ToAdd),
                ["stacks"] = new JsonArray(resources.Select(r => (JsonNode)new JsonObject { ["stack"] = r.Stack, ["toAdd"] = r.ToAdd }).ToArray()),
            },
            ["verdict"] = new JsonObject
            {
                ["worksWithoutAccount"] = Strings(verdict.Works),
                ["worksGivenOptions"] = Strings(verdict.WorksWithOptions),
                ["notOnThisMachine"] = new JsonArray(verdict.NotHereList.Select(n => (JsonNode)new JsonObject
                    { ["target"] = n.Target, ["because"] = n.Because }).ToArray()),
                ["deployDevStops"] = verdict.FirstStop is { } first ? StopNode(first) : null,
                ["laterStops"] = new JsonArray(verdict.Stops.Skip(1).Select(s => (JsonNode)StopNode(s)).ToArray()),
            },
        };
    }
}
