using Exchange.Build.Pipeline;
using Exchange.Build.Pipeline.Tasks;
using Exchange.Build.Processes;
using Exchange.Build.Settings;
using Exchange.Build.Tools;

namespace Exchange.Build.Tests;

/// <summary>The target registry is the one declaration of every target: what the tasks really do, the README and the options follow it.</summary>
public sealed class RegistryTests
{
    [Fact]
    public void No_run_of_any_target_calls_AWS_before_the_account_guard_has_checked_the_credentials()
    {
        foreach (var (run, recording) in EveryRun())
        {
            var unguarded = UntilTheFirstStop(recording).SelectMany(s => s.Calls)
                .Where(c => CallsAws(c.Command) && !c.Guarded && !IsTheGuard(c.Command)).ToArray();
            Assert.True(unguarded.Length == 0,
                $"{run} calls AWS before the account guard ran: {string.Join("; ", unguarded.Select(c => $"{c.Task}: {c.Command.RenderSafe()}"))}. " +
                "Declare the target as touching AWS in Targets.cs (.Touches(Reach.Aws)).");
        }
    }

    [Fact]
    public void Every_overridable_tool_a_run_really_runs_is_declared_by_one_of_its_targets()
    {
        foreach (var (run, recording) in EveryRun())
        {
            var declared = BuildContext.OverridableTools(recording.Steps.Select(s => s.Task)).Select(k => ToolResolver.Specs[k].Command).ToHashSet();
            var ran = UntilTheFirstStop(recording).Where(s => !Targets.Get(s.Task).ReportsTools)
                .SelectMany(s => s.Calls).Select(c => c.Command.Tool).Where(t => t is "aws" or "cdk" or "docker" or "kubectl").ToHashSet();
            ran.ExceptWith(declared);
            Assert.True(ran.Count == 0, $"{run} runs {string.Join(", ", ran)} without declaring it (.Runs(...) in Targets.cs): a broken " +
                                        "override of it would not be caught before the first step.");
        }
    }

    /// <summary>
    /// Each target's run, with its dependencies and --exclusive, replayed in the plan world (an empty account; the tasks'
    /// own code, with every command recorded and whether the account guard had run by then).
    /// </summary>
    private static IEnumerable<(string Run, Plan.Recording Recording)> EveryRun()
    {
        using var dir = new TempDir();
        var local = new LocalReads();
        var settings = new Dictionary<string, string>
        {
            ["artifacts"] = dir.Combine("artifacts"), ["image-tag"] = "t1", ["base-assembly"] = dir.Path, ["confirm"] = "true",
        };
        foreach (var target in Targets.All)
            foreach (var exclusive in new[] { false, true })
            {
                var order = Targets.Order(target.Name, exclusive);
                var b = Contexts.Build(new RecordingRunner(), settings, tasks: order.Select(t => t.Name).ToArray());
                // Plan's own replay runs in a world of its own (and reads only this machine): not replayed inside this one.
                var steps = order.Where(t => t.Action is not null && t.Name != TaskNames.Plan).Select(t => new Plan.Step(t.Name, null, t.Action!)).ToArray();
                yield return ($"{target.Name}{(exclusive ? " --exclusive" : "")}", Plan.Record(b, steps, world => world, local));
            }
    }

    /// <summary>The steps a real run executes: up to the first that fails (Plan goes on after it; a run does not).</summary>
    private static IEnumerable<Plan.StepRecord> UntilTheFirstStop(Plan.Recording recording) =>
        recording.Steps.TakeWhile((_, i) => i == 0 || recording.Steps[i - 1].StoppedBecause is null);

    /// <summary>A command that reaches AWS: every aws call, and cdk's that deploy, diff, destroy or bootstrap (synth does not).</summary>
    private static bool CallsAws(CommandLine command) =>
        command.Tool == "aws" ? !PlanWorld.IsVersionProbe(command)
        : command.Tool == "cdk" && command.Values.FirstOrDefault() is "deploy" or "diff" or "destroy" or "bootstrap";

    /// <summary>The guard's own question: whose credentials are these.</summary>
    private static bool IsTheGuard(CommandLine command) => command.Tool == "aws" && command.Values.Take(2).SequenceEqual(["sts", "get-caller-identity"]);

    [Fact]
    public void The_README_target_table_is_the_registry()
    {
        var readme = File.ReadAllText(Path.Combine(Contexts.RepoRoot, "README.md"));
        var section = readme[readme.IndexOf("\n## Targets\n", StringComparison.Ordinal)..];
        var table = section.Split('\n').SkipWhile(l => !l.StartsWith("| target", StringComparison.Ordinal)).TakeWhile(l => l.StartsWith('|')).ToArray();

        var expected = Targets.ReadmeTable().ToArray();

        Assert.True(expected.SequenceEqual(table),
            "README.md's Targets table differs from the registry (build/Exchange.Build/Pipeline/Targets.cs). It should read:\n" +
            string.Join("\n", expected) + "\n\nDifferences:\n" +
            string.Join("\n", expected.Except(table).Select(l => "+ " + l).Concat(table.Except(expected).Select(l => "- " + l))));
    }

    [Fact]
    public void Every_option_has_one_declaration_with_help_and_a_row_in_the_README()
    {
        var readme = File.ReadAllText(Path.Combine(Contexts.RepoRoot, "README.md"));
        var configuration = readme[readme.IndexOf("\n## Configuration\n", StringComparison.Ordinal)..
            readme.IndexOf("\n## How it works", StringComparison.Ordinal)];

        Assert.Equal(ArgumentNames.All.Order(StringComparer.Ordinal), Options.All.Select(o => o.Name).Order(StringComparer.Ordinal));
        Assert.All(Options.All, o => Assert.False(string.IsNullOrWhiteSpace(o.Help), o.Name));
        Assert.All(Options.All, o => Assert.Contains($"`--{o.Name}", configuration));
        Assert.All(Targets.All.SelectMany(t => t.Options), o => Assert.Contains(o, ArgumentNames.All));
    }

    [Fact]
    public void Every_target_has_a_name_constant_a_summary_that_fits_one_help_line_and_dependencies_that_exist()
    {
        var constants = typeof(TaskNames).GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).Order().ToArray();

        Assert.Equal(constants, Targets.All.Select(t => t.Name).Order());
        Assert.All(Targets.All, t => Assert.True(t.Summary.Length <= 120 - 18, $"{t.Name}'s summary is {t.Summary.Length} long"));
        Assert.All(Targets.All.SelectMany(t => t.DependsOn), d => Assert.NotNull(Targets.Find(d)));
        Assert.All(Targets.All.Where(t => t.Action is null), t => Assert.NotEmpty(t.DependsOn)); // a target does something or groups others
    }

    [Fact]
    public void The_account_guard_the_source_check_and_the_override_check_follow_the_declarations()
    {
        var noAccount = Contexts.Settings(new() { ["engine-dir"] = "/nonexistent/engine", ["backend-dir"] = "/nonexistent/backend" });

        foreach (var target in Targets.All)
        {
            var order = Targets.Order(target.Name, exclusive: true).Select(t => t.Name).ToArray();
            var problems = noAccount.ProblemsFor(order);
            Assert.Equal(target.NeedsAccount, problems.Any(p => p.StartsWith("No AWS account", StringComparison.Ordinal)));
            Assert.Equal(target.Reaches.HasFlag(Reach.Sources), problems.Any(p => p.Contains("/nonexistent/engine", StringComparison.Ordinal)));
        }
        Assert.Contains(ToolKind.Cdk, BuildContext.OverridableTools([TaskNames.Synth]));
        Assert.DoesNotContain(ToolKind.Aws, BuildContext.OverridableTools([TaskNames.Doctor])); // Doctor reports a broken AWS_PATH in its table
    }
}
