using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Exchange.Pipeline.Tests;

/// <summary>The GitHub Actions workflow is valid YAML and only calls targets that exist.</summary>
public sealed partial class WorkflowTests : IDisposable
{
    private static PipelineWorld world => PipelineWorld.Shared;
    private readonly PipelineRun _run = new(world);

    [Fact]
    public void The_workflow_is_valid_YAML_and_names_only_existing_targets()
    {
        var file = Path.Combine(world.RepoRoot, ".github", "workflows", "exchange-dev.yml");
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(file)));
        var root = (YamlMappingNode)yaml.Documents.Single().RootNode;
        var jobs = (YamlMappingNode)root.Children[new YamlScalarNode("jobs")];
        var runs = jobs.Children.Values.Cast<YamlMappingNode>()
            .SelectMany(j => ((YamlSequenceNode)j.Children[new YamlScalarNode("steps")]).Children.Cast<YamlMappingNode>())
            .Where(s => s.Children.ContainsKey(new YamlScalarNode("run")))
            .Select(s => ((YamlScalarNode)s.Children[new YamlScalarNode("run")]).Value!)
            .ToArray();

        var description = _run.BuildRaw("--description").Output;
        var targets = TargetOption().Matches(string.Join("\n", runs)).Select(m => m.Groups[1].Value).Distinct().ToArray();

        Assert.Contains("DeployDev", targets);
        Assert.Contains("Synth", targets);
        Assert.Contains("Permissions", targets); // the deploy role's policy comes from the target, not from a hand-written list
        foreach (var target in targets)
            Assert.Matches($@"(?m)^[ \t]*{target}[ \t]+\S", description);
        Assert.Contains(runs, r => r.Contains("bash .ci/run"));
        // main: a version raised in the configuration is applied in AWS's order before DeployDev (which refuses version skew).
        var deploy = Runs(Job(root, "deploy-dev")).ToList();
        Assert.True(deploy.FindIndex(r => r.Contains("--target=Upgrade", StringComparison.Ordinal))
                    is var upgrade and >= 0 && upgrade < deploy.FindIndex(r => r.Contains("--target=DeployDev", StringComparison.Ordinal)),
            string.Join("\n", deploy));
        Assert.Equal("write", ((YamlScalarNode)((YamlMappingNode)((YamlMappingNode)jobs.Children[new YamlScalarNode("deploy-dev")])
            .Children[new YamlScalarNode("permissions")]).Children[new YamlScalarNode("id-token")]).Value);
    }

    [Fact]
    public void The_workflow_wakes_on_exactly_the_cron_entries_the_sleep_schedule_derives_and_runs_FollowSchedule_then()
    {
        var root = Workflow();
        var on = (YamlMappingNode)root.Children[new YamlScalarNode("on")];
        var crons = ((YamlSequenceNode)on.Children[new YamlScalarNode("schedule")]).Children.Cast<YamlMappingNode>()
            .Select(e => ((YamlScalarNode)e.Children[new YamlScalarNode("cron")]).Value!).Order().ToArray();
        var schedule = Exchange.Contracts.Environments.Dev.Sleep!;

        Assert.Equal(schedule.WorkflowWakeCrons.Concat(schedule.WorkflowSleepCrons).Order(), crons);
        Assert.Contains("0 23 * * 0-4", crons); // 08:00 Asia/Seoul, Monday to Friday
        var job = Job(root, "follow-schedule");
        Assert.Equal("github.event_name == 'schedule'", Scalar(job, "if"));
        Assert.Contains(Runs(job), r => r.Contains("--target=FollowSchedule", StringComparison.Ordinal));
        foreach (var other in new[] { "test", "synth-and-render" })
            Assert.Equal("github.event_name != 'schedule' && github.event.action != 'closed'", Scalar(Job(root, other), "if"));
    }

    [Fact]
    public void Pull_requests_get_the_cost_difference_against_their_base_with_a_threshold()
    {
        var job = Job(Workflow(), "cost");
        var runs = Runs(job);

        Assert.Equal("github.event_name == 'pull_request' && github.event.action != 'closed'", Scalar(job, "if"));
        Assert.Contains(runs, r => r.Contains("--target=CostDiff", StringComparison.Ordinal)
                                   && r.Contains("--base-assembly=base/artifacts/dev/cdk.out", StringComparison.Ordinal)
                                   && r.Contains("--cost-threshold=", StringComparison.Ordinal));
        var checkouts = ((YamlSequenceNode)job.Children[new YamlScalarNode("steps")]).Children.Cast<YamlMappingNode>()
            .Where(s => s.Children.TryGetValue(new YamlScalarNode("with"), out var with)
                        && ((YamlMappingNode)with).Children.ContainsKey(new YamlScalarNode("ref")))
            .Select(s => Scalar((YamlMappingNode)s.Children[new YamlScalarNode("with")], "ref"));
        Assert.Equal(["${{ github.event.pull_request.base.sha }}"], checkouts);
    }

    [Fact]
    public void Pull_requests_from_the_repository_get_a_preview_on_open_and_push_and_lose_it_on_close_one_group_per_pull_request()
    {
        var root = Workflow();
        var on = (YamlMappingNode)root.Children[new YamlScalarNode("on")];
        var types = ((YamlSequenceNode)((YamlMappingNode)on.Children[new YamlScalarNode("pull_request")]).Children[new YamlScalarNode("types")])
            .Children.Select(t => ((YamlScalarNode)t).Value!).ToArray();
        Assert.Equal(["opened", "synchronize", "reopened", "closed"], types);

        var deploy = Job(root, "preview");
        var destroy = Job(root, "preview-destroy");
        Assert.Contains(Runs(deploy), r => r.Contains("--target=DeployPreview", StringComparison.Ordinal)
                                           && r.Contains("--pr=${{ github.event.pull_request.number }}", StringComparison.Ordinal));
        Assert.Contains(Runs(destroy), r => r.Contains("--target=DestroyPreview", StringComparison.Ordinal)
                                            && r.Contains("--pr=${{ github.event.pull_request.number }}", StringComparison.Ordinal));
        Assert.Contains("github.event.action != 'closed'", Scalar(deploy, "if")!);
        Assert.Contains("github.event.action == 'closed'", Scalar(destroy, "if")!);
        foreach (var job in new[] { deploy, destroy })
        {
            Assert.Contains("github.event.pull_request.head.repo.full_name == github.repository", Scalar(job, "if")!); // no forks
            var concurrency = (YamlMappingNode)job.Children[new YamlScalarNode("concurrency")];
            Assert.Equal("exchange-dev-preview-${{ github.event.pull_request.number }}", Scalar(concurrency, "group"));
        }
    }

    private YamlMappingNode Workflow()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(world.RepoRoot, ".github", "workflows", "exchange-dev.yml"))));
        return (YamlMappingNode)yaml.Documents.Single().RootNode;
    }

    private static YamlMappingNode Job(YamlMappingNode root, string name) =>
        (YamlMappingNode)((YamlMappingNode)root.Children[new YamlScalarNode("jobs")]).Children[new YamlScalarNode(name)];

    private static string? Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node.Children[new YamlScalarNode(key)]).Value;

    private static string[] Runs(YamlMappingNode job) =>
        ((YamlSequenceNode)job.Children[new YamlScalarNode("steps")]).Children.Cast<YamlMappingNode>()
            .Where(s => s.Children.ContainsKey(new YamlScalarNode("run")))
            .Select(s => ((YamlScalarNode)s.Children[new YamlScalarNode("run")]).Value!)
            .ToArray();

    [GeneratedRegex(@"--target=(\w+)")] private static partial Regex TargetOption();

    public void Dispose() => _run.Dispose();
}
