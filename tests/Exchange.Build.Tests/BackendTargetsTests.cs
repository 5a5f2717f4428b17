using System.Text.Json;
using Exchange.Build.Logging;
using Exchange.Build.Pipeline;
using Exchange.Build.Pipeline.Tasks;
using Exchange.Build.Verification;
using Exchange.Build.Processes;
using Exchange.Contracts;

namespace Exchange.Build.Tests;

/// <summary>
/// The backend's load balancer as the pipeline handles it, against a scripted AWS: attaching the node group's Auto Scaling group to the
/// target group (once, and without a call on an unchanged rerun), Verify's reading of the targets' health, and what Status and the
/// summary say about where the backend is.
/// </summary>
public sealed class BackendTargetsTests : IDisposable
{
    private const string TargetGroup = "arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:targetgroup/Excha-Backe-1/0123456789abcdef";
    private const string Group = "eks-SpotNodegroup-1a2b3c-0000";
    private static readonly string[] Slots = ["arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:targetgroup/Excha-Previ-1/1",
        "arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:targetgroup/Excha-Previ-2/2"];
    private readonly TempDir _dir = new();
    private readonly MemoryLog _log = new();
    private readonly FakeClock _clock = new();
    private readonly List<string> _attached = [];

    public void Dispose() => _dir.Dispose();

    private static ProcessResult Ok(object json) => new(0, JsonSerializer.Serialize(json), "", TimeSpan.Zero);

    /// <summary>
    /// A deployed environment whose Eks stack outputs <paramref name="targetGroup"/>; the target health answers come from <paramref name="health"/>.
    /// </summary>
    private (BuildContext Build, RecordingRunner Runner) World(string targetGroup = TargetGroup, Func<int, object[]>? health = null,
        string cidrs = "private")
    {
        var polls = 0;
        var runner = new RecordingRunner(c => c.Values.ToArray() switch
        {
            ["eks", "describe-nodegroup", ..] => Ok(new { nodegroup = new { resources = new { autoScalingGroups = new[] { new { name = Group } } } } }),
            ["autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", Group, ..] =>
                Ok(new { AutoScalingGroups = new[] { new { AutoScalingGroupName = Group, TargetGroupARNs = _attached.ToArray() } } }),
            ["autoscaling", "attach-load-balancer-target-groups", "--auto-scaling-group-name", Group, "--target-group-arns", .. var arns] =>
                Attach(arns.TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal))),
            ["elbv2", "describe-target-health", "--target-group-arn", TargetGroup, ..] =>
                Ok(new { TargetHealthDescriptions = (health ?? (_ => [Target("i-1", "healthy")]))(polls++) }),
            _ => throw new InvalidOperationException($"unexpected call: {c.RenderSafe()}"),
        });
        var names = Environments.Dev.Names;
        var outputs = Outputs.All.GroupBy(o => names.Stack(o.Stack)).ToDictionary(g => g.Key, g => g.ToDictionary(o => o.Key, o => o.Key switch
        {
            "BackendTargetGroupArn" => targetGroup,
            "BackendPreviewTargetGroupArns" => targetGroup == BackendAccess.NoLoadBalancer ? targetGroup : string.Join(",", Slots),
            "BackendUrl" => targetGroup == BackendAccess.NoLoadBalancer ? targetGroup : "http://Excha-Backe-1.ap-northeast-2.elb.amazonaws.com",
            "BackendPublicCidrs" => cidrs,
            "ClusterName" => names.ClusterName,
            _ => "value-" + o.Key,
        }));
        _dir.Write("artifacts/cdk-outputs.json", JsonSerializer.Serialize(outputs));
        var settings = Contexts.Settings(new() { ["account"] = "111122223333", ["artifacts"] = _dir.Combine("artifacts") });
        var tools = new Dictionary<string, string> { ["AWS_PATH"] = "/bin/sh", ["KUBECTL_PATH"] = "/bin/sh" };
        return (new BuildContext(settings, _log, n => tools.GetValueOrDefault(n), [TaskNames.DeployInfra], runner, _clock), runner);

        ProcessResult Attach(IEnumerable<string> arns)
        {
            _attached.AddRange(arns);
            return Ok(new { });
        }
    }

    private static object Target(string id, string state, string? reason = null, string? description = null) =>
        new { Target = new { Id = id, Port = BackendAccess.NodePort }, TargetHealth = new { State = state, Reason = reason, Description = description } };

    private static string[] Calls(RecordingRunner runner) => runner.Calls.Select(c => string.Join(' ', c.Command.Values.Take(2))).ToArray();

    [Fact]
    public void After_a_deploy_that_changed_the_Eks_stack_the_node_groups_Auto_Scaling_group_joins_the_target_group_once()
    {
        var (b, runner) = World();

        var changed = BackendTargets.EnsureAttached(b, eksStackChanged: true);
        var again = BackendTargets.EnsureAttached(b, eksStackChanged: true);

        Assert.Equal([TargetGroup, .. Slots], _attached); // one call: the backend's and every preview slot's
        Assert.NotNull(changed);
        Assert.Null(again); // found attached: nothing to change
        Assert.Equal(["eks describe-nodegroup", "autoscaling describe-auto-scaling-groups", "autoscaling attach-load-balancer-target-groups",
            "eks describe-nodegroup", "autoscaling describe-auto-scaling-groups"], Calls(runner));
        Assert.Contains($"attached {Group} (node group value-NodegroupName) to its target group and 2 preview slot(s)'", _log.Text);
        Assert.True(File.Exists(b.Settings.BackendTargetsFile));
    }

    [Fact]
    public void A_group_attached_before_the_preview_slots_existed_gets_only_the_slots_target_groups()
    {
        var (b, runner) = World();
        _attached.Add(TargetGroup);

        BackendTargets.EnsureAttached(b, eksStackChanged: true);

        Assert.Equal([TargetGroup, .. Slots], _attached);
        Assert.Single(Calls(runner), c => c == "autoscaling attach-load-balancer-target-groups");
        Assert.Contains($"attached {Group} (node group value-NodegroupName) to 2 preview slot(s)' target groups", _log.Text);
    }

    [Fact]
    public void A_rerun_that_changed_nothing_in_the_Eks_stack_asks_aws_nothing_once_the_attachment_is_recorded()
    {
        var (b, runner) = World();
        BackendTargets.EnsureAttached(b, eksStackChanged: true);
        var before = runner.Calls.Count;

        var rerun = BackendTargets.EnsureAttached(b, eksStackChanged: false);

        Assert.Null(rerun);
        Assert.Equal(before, runner.Calls.Count);
        Assert.Contains("the Eks stack did not change since", _log.Text);
    }

    [Fact]
    public void A_record_of_another_target_group_or_none_at_all_means_checking_again_even_when_the_stack_did_not_change()
    {
        var (b, runner) = World();
        new BackendTargetsRecord("arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:targetgroup/old/1", "value-NodegroupName", [Group],
            _clock.UtcNow).Save(b.Settings.BackendTargetsFile);

        BackendTargets.EnsureAttached(b, eksStackChanged: false);
        File.Delete(b.Settings.BackendTargetsFile);
        BackendTargets.EnsureAttached(b, eksStackChanged: false);

        Assert.Equal([TargetGroup, .. Slots], _attached);
        Assert.Equal(2, Calls(runner).Count(c => c == "eks describe-nodegroup"));
    }

    [Fact]
    public void Without_a_load_balancer_nothing_is_attached_or_checked_and_the_summary_says_how_to_reach_the_backend()
    {
        var (b, runner) = World(targetGroup: BackendAccess.NoLoadBalancer);

        Assert.Null(BackendTargets.EnsureAttached(b, eksStackChanged: true));
        Assert.Equal(ItemResult.Passed("this environment has no load balancer (EksConfig.BackendLoadBalancer is false)"),
            BackendTargets.Health(new VerifyRun(b)));
        BackendTargets.Announce(b);

        Assert.Empty(runner.Calls);
        var note = Assert.Single(b.Report.Notes);
        Assert.Contains("no load balancer (EksConfig.BackendLoadBalancer is false)", note);
        Assert.Contains("kubectl port-forward --namespace exchange-dev svc/future-backend 8080:80", note);
    }

    [Fact]
    public void Verify_passes_with_a_healthy_target_and_explains_a_node_without_a_backend_pod()
    {
        var (b, _) = World(health: _ => [Target("i-1", "healthy"), Target("i-2", "unhealthy", "Target.Timeout", "Request timed out")]);

        var result = BackendTargets.Health(new VerifyRun(b));

        Assert.Equal(ItemOutcome.Passed, result.Outcome);
        Assert.StartsWith("1 of 2 target(s) healthy on NodePort 30080 (/health/ready;", result.Detail);
        Assert.Contains("target i-2 unhealthy (Target.Timeout: Request timed out)", _log.Text);
        Assert.Contains("externalTrafficPolicy Local", result.Detail);
    }

    [Fact]
    public void Verify_waits_while_the_first_health_checks_run()
    {
        var (b, _) = World(health: poll => poll < 2
            ? [Target("i-1", "initial", "Elb.InitialHealthChecking", "Initial health checks in progress")]
            : [Target("i-1", "healthy")]);

        Assert.StartsWith("1 of 1 target(s) healthy", BackendTargets.Health(new VerifyRun(b)).Detail);
        Assert.True(_clock.Slept > TimeSpan.Zero);
        Assert.Contains($"waiting for the backend's load balancer targets to pass the health check (NodePort {BackendAccess.NodePort}): " +
                        "1 initial (Elb.InitialHealthChecking)", _log.Text);
    }

    [Theory]
    [InlineData("Target.Timeout", "does not admit 30080 from the load balancer's group", "future-backend-ingress")]
    [InlineData("Target.ResponseCodeMismatch", "GET /health/ready with something other than 200 (Health checks failed with these codes: [503])",
        "readinessProbe")]
    [InlineData("Target.FailedHealthChecks", "Service future-backend is a NodePort on 30080", "ready")]
    public void Verify_fails_naming_the_likely_cause_once_every_target_stays_unhealthy(string reason, string cause, string alsoNamed)
    {
        var (b, _) = World(health: _ => [Target("i-1", "unhealthy", reason, "Health checks failed with these codes: [503]"),
            Target("i-2", "unhealthy", reason, "Health checks failed with these codes: [503]")]);

        var result = BackendTargets.Health(new VerifyRun(b));

        Assert.Equal(ItemOutcome.Failed, result.Outcome);
        Assert.StartsWith($"no healthy target (2 unhealthy ({reason}))", result.Detail);
        Assert.Contains(cause, result.Detail);
        Assert.Contains(alsoNamed, result.Detail);
        // It stops once the targets have stayed unhealthy for a few polls, not at the end of --verify-timeout.
        Assert.True(_clock.Slept < b.Settings.VerifyTimeout, $"waited {_clock.Slept}");
    }

    [Fact]
    public void Verify_with_no_registered_target_says_the_group_is_not_attached_and_makes_the_next_deploy_check_again()
    {
        var (b, _) = World(health: _ => []);
        new BackendTargetsRecord(TargetGroup, "value-NodegroupName", [Group], _clock.UtcNow).Save(b.Settings.BackendTargetsFile);

        var result = BackendTargets.Health(new VerifyRun(b));

        Assert.Equal(ItemOutcome.Failed, result.Outcome);
        Assert.Contains("no target registered", result.Detail);
        Assert.Contains("not attached to the target group", result.Detail);
        Assert.Contains("--target=DeployInfra --exclusive", result.Detail);
        Assert.False(File.Exists(b.Settings.BackendTargetsFile));
        Assert.True(_clock.Slept < b.Settings.VerifyTimeout, $"waited {_clock.Slept}"); // a few polls, not all of --verify-timeout
    }

    [Fact]
    public void DestroyDevs_leftover_check_names_a_load_balancer_of_this_environment_that_outlived_its_stack()
    {
        const string left = "arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:loadbalancer/app/Excha-Backe-1/0123456789abcdef";
        static ProcessResult NotFound(string code) => new(254, "", $"\nAn error occurred ({code}) when calling the operation: not found\n", TimeSpan.Zero);
        var runner = new RecordingRunner(c => c.Values.ToArray() switch
        {
            ["cloudformation", "describe-stacks", ..] => NotFound("ValidationError) ... Stack with id X does not exist (x"),
            ["logs", "describe-log-groups", ..] => Ok(new { logGroups = Array.Empty<object>() }),
            ["resourcegroupstaggingapi", "get-resources", "--tag-filters", "Key=Environment,Values=dev", "Key=Project,Values=exchange", ..] =>
                Ok(new { ResourceTagMappingList = new[] { new { ResourceARN = left } } }),
            ["resourcegroupstaggingapi", "get-resources", ..] => Ok(new { ResourceTagMappingList = Array.Empty<object>() }),
            ["ecr", "describe-repositories", ..] => NotFound("RepositoryNotFoundException"),
            ["secretsmanager", "describe-secret", ..] => NotFound("ResourceNotFoundException"),
            _ => throw new InvalidOperationException($"unexpected call: {c.RenderSafe()}"),
        });
        var b = Contexts.Build(runner, new() { ["account"] = "111122223333" }, tasks: TaskNames.DestroyDev);

        var leftBehind = DestroyDev.LeftBehind(b);

        Assert.Equal([$"load balancer {left} (the Eks stack's)"], leftBehind);
    }

    [Fact]
    public void The_summary_gives_the_url_and_who_may_call_it_or_how_to_reach_the_backend_when_nobody_may()
    {
        var (open, _) = World(cidrs: "203.0.113.0/24");
        BackendTargets.Announce(open);
        var (closed, _) = World();
        BackendTargets.Announce(closed);
        BackendTargets.Announce(closed); // once, however many steps ask

        Assert.Equal(["Backend: http://Excha-Backe-1.ap-northeast-2.elb.amazonaws.com (admits 203.0.113.0/24 only)"], open.Report.Notes);
        Assert.Equal(2, closed.Report.Notes.Count);
        Assert.StartsWith("Backend: http://Excha-Backe-1.ap-northeast-2.elb.amazonaws.com admits nobody from outside (no CIDRs configured): " +
                          "list them with --backend-public-cidrs=", closed.Report.Notes[0]);
        Assert.Contains("kubectl port-forward --namespace exchange-dev svc/future-backend 8080:80, then http://127.0.0.1:8080", closed.Report.Notes[1]);
        closed.Report.Add(TaskNames.ApplyK8s, StepOutcome.Unchanged, "unchanged");
        Assert.Contains(closed.Report.Summary(), l => l.StartsWith("Backend: http://", StringComparison.Ordinal));
    }
}
