using System.Globalization;
using System.Text.Json.Nodes;

namespace Exchange.AwsStandIn;

/// <summary>
/// The fastest a first deploy of a cloud assembly can be in the timed world: each stack takes the critical path of its
/// resources (<see cref="ResourceTiming.CriticalPath"/>, the figures the timed stand-in uses), and starts when the stacks it
/// depends on are done. The stacks' dependencies are the assembly's (the CDK app adds them from the stack registry), and
/// an optional stack before all of them (the bootstrap stack, CDKToolkit) comes first.
/// </summary>
public static class CriticalPath
{
    public sealed record Stack(string Name, double Minutes, IReadOnlyList<string> DependsOn)
    {
        public double Start { get; set; }
        public double Finish => Start + Minutes;
        public string? WaitsFor { get; set; }
    }

    /// <summary>The stacks of the assembly (manifest.json), with the <paramref name="first"/> stack (name, template) before all.</summary>
    public static IReadOnlyList<Stack> Of(string assemblyDir, (string Name, string TemplateFile)? first = null,
        IReadOnlyDictionary<string, string>? firstParameters = null)
    {
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(assemblyDir, "manifest.json")))!["artifacts"]!.AsObject();
        var stacks = manifest.Where(a => a.Value?["type"]?.ToString() == "aws:cloudformation:stack").ToDictionary(a => a.Key, a => a.Value!);
        var result = new List<Stack>();
        if (first is { } f)
            result.Add(new Stack(f.Name, Minutes(CloudFormation.ParseTemplate(File.ReadAllText(f.TemplateFile)), firstParameters), []));
        foreach (var (id, artifact) in stacks)
        {
            var template = CloudFormation.ParseTemplate(File.ReadAllText(Path.Combine(assemblyDir, artifact["properties"]!["templateFile"]!.ToString())));
            var dependsOn = (artifact["dependencies"] as JsonArray ?? []).Select(d => d!.ToString()).Where(stacks.ContainsKey)
                .Select(d => stacks[d]!["properties"]?["stackName"]?.ToString() ?? d).ToList();
            if (first is { } before) dependsOn.Add(before.Name);
            result.Add(new Stack(artifact["properties"]?["stackName"]?.ToString() ?? id, Minutes(template), dependsOn));
        }
        var byName = result.ToDictionary(s => s.Name);
        var done = new HashSet<string>();
        void Place(Stack s)
        {
            if (!done.Add(s.Name)) return;
            foreach (var d in s.DependsOn) Place(byName[d]);
            var last = s.DependsOn.Select(d => byName[d]).OrderByDescending(d => d.Finish).FirstOrDefault();
            (s.Start, s.WaitsFor) = (last?.Finish ?? 0, last?.Name);
        }
        foreach (var s in result) Place(s);
        return result.OrderBy(s => s.Start).ThenBy(s => s.Finish).ToArray();
    }

    /// <summary>The chain that ends last, first stack first.</summary>
    public static IReadOnlyList<Stack> Chain(IReadOnlyList<Stack> stacks)
    {
        var byName = stacks.ToDictionary(s => s.Name);
        var chain = new List<Stack>();
        for (var s = stacks.MaxBy(s => s.Finish); s is not null; s = s.WaitsFor is { } w ? byName[w] : null) chain.Insert(0, s);
        return chain;
    }

    /// <summary>The stack's resources that its conditions create with these parameters (the others at their defaults).</summary>
    private static double Minutes(JsonObject template, IReadOnlyDictionary<string, string>? parameters = null)
    {
        var defaults = (template["Parameters"] as JsonObject ?? [])
            .ToDictionary(p => p.Key, p => parameters?.GetValueOrDefault(p.Key) ?? p.Value?["Default"]?.ToString() ?? "");
        var context = new StackContext(new Cloud(), "critical-path", "critical-path", template, defaults);
        var active = (template["Resources"] as JsonObject ?? []).Where(r => r.Value is JsonObject o && context.IsActive(o)).Select(r => r.Key).ToArray();
        return ResourceTiming.CriticalPath(template, active, deleting: false);
    }

    /// <summary>
    /// critical-path --assembly DIR [--time-scale S] [--first NAME=TEMPLATE [--first-parameters K=V,...]] [--timeline FILE --since EPOCH]:
    /// the table, then `critical_path_seconds=N`; with a timeline (the stand-in's GET /_standin/timeline), what the deploy did against it.
    /// </summary>
    public static int Run(IReadOnlyDictionary<string, string> options)
    {
        if (!options.TryGetValue("assembly", out var assembly) || !File.Exists(Path.Combine(assembly, "manifest.json")))
        {
            Console.Error.WriteLine("critical-path needs --assembly DIR, a synthesized cloud assembly (./build.sh --target=Synth writes " +
                                    "artifacts/<env>/cdk.out).");
            return 2;
        }
        var scale = double.Parse(options.GetValueOrDefault("time-scale", "1"), CultureInfo.InvariantCulture);
        (string, string)? first = options.GetValueOrDefault("first") is { } f && f.Split('=', 2) is [var name, var file] ? (name, file) : null;
        var firstParameters = (options.GetValueOrDefault("first-parameters") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
        var stacks = Of(assembly, first, firstParameters);
        var timing = new ResourceTiming(scale);
        string S(double minutes) => timing.Scaled(minutes).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        var unit = $"(1 AWS minute = {scale.ToString(CultureInfo.InvariantCulture)} s)";
        Console.WriteLine($"{"stack",-24} {"AWS min",8} {"start s",8} {"end s",8}  waits for   {unit}");
        foreach (var s in stacks)
            Console.WriteLine($"{s.Name,-24} {s.Minutes.ToString("0.0", CultureInfo.InvariantCulture),8} {S(s.Start),8} {S(s.Finish),8}  {s.WaitsFor ?? "-"}");
        var chain = Chain(stacks);
        Console.WriteLine($"critical path: {string.Join(" -> ", chain.Select(s => s.Name))} = " +
                          $"{chain[^1].Finish.ToString("0.0", CultureInfo.InvariantCulture)} AWS min");
        Console.WriteLine($"critical_path_seconds={S(chain[^1].Finish)}");
        if (options.GetValueOrDefault("timeline") is { } timelineFile)
            Actual(stacks, File.ReadAllText(timelineFile), DateTimeOffset.FromUnixTimeMilliseconds(
                (long)(double.Parse(options.GetValueOrDefault("since", "0"), CultureInfo.InvariantCulture) * 1000)));
        return 0;
    }

    /// <summary>
    /// What the stand-in's timeline (GET /_standin/timeline) says happened, in seconds since <paramref name="since"/>: each stack
    /// operation's begin and end, and what it waited for: the dependency done last before it began, and the gap after it.
    /// </summary>
    public static void Actual(IReadOnlyList<Stack> stacks, string timelineJson, DateTimeOffset since)
    {
        var byName = stacks.ToDictionary(s => s.Name);
        var timeline = JsonNode.Parse(timelineJson)!.AsArray().Select(t => (
            Stack: t!["Stack"]!.ToString(), Operation: t["Operation"]!.ToString(), Minutes: t["AwsMinutes"]!.GetValue<double>(),
            Began: DateTimeOffset.Parse(t["Began"]!.ToString(), CultureInfo.InvariantCulture),
            Due: DateTimeOffset.Parse(t["Due"]!.ToString(), CultureInfo.InvariantCulture))).ToList();
        string At(DateTimeOffset t) => (t - since).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        Console.WriteLine($"{"stack (as deployed)",-24} {"op",-7} {"AWS min",7} {"began s",8} {"done s",8}  waited for");
        foreach (var t in timeline)
        {
            var dependencies = byName.TryGetValue(t.Stack, out var s) ? s.DependsOn : [];
            var last = timeline.Where(o => dependencies.Contains(o.Stack) && o.Due <= t.Began).OrderByDescending(o => o.Due).FirstOrDefault();
            var waited = last.Stack is null
                ? "nothing before it in CloudFormation"
                : $"{last.Stack} (done {((t.Began - last.Due).TotalSeconds).ToString("0.0", CultureInfo.InvariantCulture)} s before)";
            var minutes = t.Minutes.ToString("0.0", CultureInfo.InvariantCulture);
            Console.WriteLine($"{t.Stack,-24} {t.Operation,-7} {minutes,7} {At(t.Began),8} {At(t.Due),8}  {waited}");
        }
    }
}
