using System.Diagnostics;
using Exchange.Build.Pipeline;
using Exchange.Build.Settings;
using Exchange.Build.Text;
using Exchange.Build.Tools;

namespace Exchange.Build.Cli;

/// <summary>--help, --help --target=NAME, --version, --description and --tree: all from the target and option registries.</summary>
public static class Help
{
    private static readonly (TargetGroup Group, string Title)[] Groups =
    [
        (TargetGroup.Offline, "Offline: no AWS account, no credentials"),
        (TargetGroup.DeployDev, "DeployDev and its steps: need --account and AWS credentials"),
        (TargetGroup.Day2, "Day 2: operate the deployed environment (need --account)"),
    ];

    /// <summary>./build.sh --help: the targets by group, one line each, the common options with their defaults, and three examples.</summary>
    public static IEnumerable<string> Overview(int width)
    {
        yield return "Stands up, operates and tears down the exchange's AWS dev environment.";
        yield return "Usage: ./build.sh [--target=NAME] [options]      (README.md has the whole story)";
        var nameWidth = Targets.All.Max(t => t.Name.Length);
        foreach (var (group, title) in Groups)
        {
            yield return "";
            yield return title + ":";
            foreach (var target in Targets.In(group))
                foreach (var line in ShellWrap.Prose(target.Summary, $"  {target.Name.PadRight(nameWidth)}  ", new string(' ', nameWidth + 4), width))
                    yield return line;
        }
        yield return "";
        yield return "Options (--name=VALUE or --name VALUE; every target's own: ./build.sh --help --target=NAME):";
        var shown = Options.Shown.Select(Options.Get).ToArray();
        var usageWidth = shown.Max(o => o.Usage.Length);
        foreach (var option in shown)
            foreach (var line in ShellWrap.Prose(Explain(option), $"  {option.Usage.PadRight(usageWidth)}  ",
                         new string(' ', usageWidth + 4), width))
                yield return line;
        yield return "";
        yield return "Examples:";
        var commandWidth = Examples.Max(e => e.Command.Length);
        foreach (var (command, what) in Examples)
            foreach (var line in ShellWrap.Prose("# " + what, $"  {command.PadRight(commandWidth)}  ", new string(' ', commandWidth + 4) + "# ", width))
                yield return line;
    }

    private static readonly (string Command, string What)[] Examples =
    [
        ("./build.sh", "Synth, Render and Plan: what DeployDev would do; no AWS account needed"),
        ("./build.sh --target=DeployDev --account=123456789012", "everything, from an empty account to running pods"),
        ("./build.sh --help --target=Pause", "what Pause does, needs and reads"),
    ];

    /// <summary>./build.sh --help --target=NAME: what the target does, what it needs, its options and an example.</summary>
    public static IEnumerable<string> Of(Target target, int width)
    {
        var group = Groups.Single(g => g.Group == target.Group).Title.Split(':')[0];
        foreach (var line in ShellWrap.Prose($"{target.Name} ({group}): {target.Description.Replace("`", "")}", "", "  ", width)) yield return line;
        var order = Targets.Order(target.Name);
        var rows = new List<(string Label, string Text)>();
        var steps = order.Where(t => t.Action is not null).ToArray();
        if (order.Count > 1)
            rows.Add(("runs", string.Join(", ", steps.Select(t => t.Name)) + (target.Action is null ? "" : $" (--exclusive: {target.Name} alone)")));
        if (target.Skips.Count > 0) rows.Add(("skipped by", string.Join(", ", target.Skips.Select(s => s.Reason))));
        rows.Add(("needs", Needs(target, order)));
        var tools = Targets.ToolsOfRun(target.Name).Select(k => ToolResolver.Specs[k].Command).Order(StringComparer.Ordinal).ToArray();
        if (tools.Length > 0) rows.Add(("runs tools", string.Join(", ", tools)));
        rows.Add(("changes", order.Any(t => t.Changes)
            ? "AWS, the cluster or local images: an interrupted run says how to resume"
            : "nothing outside artifacts/<env> (safe to rerun or interrupt)"));
        var options = order.SelectMany(t => t.Options).Concat(target.RequiredOptions.Select(o => o[2..])).Distinct()
            .Where(o => o != ArgumentNames.Json || target.Json).Select(Options.Get).ToArray();
        var labelWidth = "skipped by".Length;
        foreach (var (label, text) in rows)
            foreach (var line in ShellWrap.Prose(text, $"  {label.PadRight(labelWidth)}  ", new string(' ', labelWidth + 4), width))
                yield return line;
        if (options.Length > 0)
        {
            yield return $"  {"options".PadRight(labelWidth)}  (and the common ones: ./build.sh --help)";
            var usageWidth = options.Max(o => o.Usage.Length);
            foreach (var option in options)
                foreach (var line in ShellWrap.Prose(Explain(option), $"    {option.Usage.PadRight(usageWidth)}  ",
                             new string(' ', usageWidth + 6), width))
                    yield return line;
        }
        yield return $"  {"example".PadRight(labelWidth)}  {target.Example}";
    }

    /// <summary>An option's help, with its default when it takes a value.</summary>
    private static string Explain(Option option) => option.IsSwitch ? option.Help : $"{option.Help}; default: {option.Default}";

    private static string Needs(Target target, IReadOnlyList<Target> order)
    {
        var needs = new List<string>();
        if (order.Any(t => t.NeedsAccount)) needs.Add("--account and AWS credentials for it");
        else if (order.Any(t => t.TouchesAws)) needs.Add("no account (with --account it also checks the AWS identity)");
        if (order.Any(t => t.Reaches.HasFlag(Reach.Cluster))) needs.Add("a route to the EKS API endpoint (kubectl)");
        if (order.Any(t => t.Reaches.HasFlag(Reach.Sources))) needs.Add("the engine and backend checkouts (--engine-dir, --backend-dir)");
        needs.AddRange(target.RequiredOptions.Where(o => o != "--" + ArgumentNames.Account));
        return needs.Count == 0 ? "no AWS account, no credentials" : string.Join("; ", needs);
    }

    /// <summary>./build.sh --description: every target and its summary, one line each.</summary>
    public static IEnumerable<string> Descriptions(int width)
    {
        var nameWidth = Targets.All.Max(t => t.Name.Length);
        foreach (var target in Targets.All)
            foreach (var line in ShellWrap.Prose(target.Summary, $"{target.Name.PadRight(nameWidth)}  ", new string(' ', nameWidth + 2), width))
                yield return line;
    }

    /// <summary>./build.sh --tree: the trees of <paramref name="targets"/>, a blank line between two.</summary>
    public static IEnumerable<string> Trees(IReadOnlyList<Target> targets, Func<string, IReadOnlyList<string>>? dependencies = null) =>
        targets.SelectMany((t, i) => (i == 0 ? [] : new[] { "" }).Concat(Tree(t, dependencies)));

    /// <summary>
    /// ./build.sh --tree --target=NAME: the target's dependencies as a tree (each target once; a repeat is marked), as
    /// <paramref name="dependencies"/> gives them (the tasks Cake holds; the registry's when null).
    /// </summary>
    public static IEnumerable<string> Tree(Target target, Func<string, IReadOnlyList<string>>? dependencies = null)
    {
        dependencies ??= name => Targets.Get(name).DependsOn;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        IEnumerable<string> Walk(string name, string indent, bool last, bool root)
        {
            var repeat = !seen.Add(name);
            var beside = Targets.Find(name)?.Beside is { } how && !repeat ? $" (runs {how})" : "";
            yield return root ? name : $"{indent}{(last ? "└─ " : "├─ ")}{name}{beside}{(repeat ? " (above)" : "")}";
            if (repeat) yield break;
            var deps = dependencies(name);
            var child = root ? "" : indent + (last ? "   " : "│  ");
            for (var i = 0; i < deps.Count; i++)
                foreach (var line in Walk(deps[i], child, i == deps.Count - 1, false)) yield return line;
        }
        return Walk(target.Name, "", true, true);
    }

    /// <summary>./build.sh --version: this project's version (git), Cake's, and the CDK CLI infra/package.json pins.</summary>
    public static IEnumerable<string> Version(string repoRoot)
    {
        yield return $"exchange-dev {ProjectVersion(repoRoot)}";
        var cake = typeof(Cake.Core.ICakeContext).Assembly.GetName().Version;
        yield return $"Cake {(cake is null ? "unknown" : $"{cake.Major}.{cake.Minor}.{cake.Build}")} (runs build/build.cake)";
        yield return $"AWS CDK CLI {Pipeline.Tasks.Doctor.PinnedCdk(Path.Combine(repoRoot, "infra")) ?? "unknown"} (pinned in infra/package.json)";
    }

    /// <summary>`git describe --tags --always --dirty`, or why there is none.</summary>
    private static string ProjectVersion(string repoRoot)
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", ["describe", "--tags", "--always", "--dirty"])
            {
                WorkingDirectory = repoRoot, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            })!;
            var version = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 && version.Length > 0 ? $"{version} (git describe)" : "unknown (not a git checkout)";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown (git is not installed)";
        }
    }
}
