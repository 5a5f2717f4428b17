using Exchange.Contracts;

namespace Exchange.Pipeline.Tests;

/// <summary>Day 2: Status, Pause, Resume, Diff and DestroyDev from a deployed environment, asserting the exact calls and their order.</summary>
public sealed class OperationsTests : IDisposable
{
    private static PipelineWorld world => PipelineWorld.Shared;
    private readonly PipelineRun _run = new(world);

    private void Deployed() => _run.Deployed();

    private Dictionary<string, System.Text.Json.Nodes.JsonObject> Schedules()
    {
        lock (_run.Cloud) return _run.Cloud.Schedules.ToDictionary(s => s.Key, s => (System.Text.Json.Nodes.JsonObject)s.Value.DeepClone());
    }

    private List<string> CallsSince(int index) => _run.Calls.Skip(index).Select(c => c.CommandLine).ToList();

    /// <summary>The node group's name as CloudFormation generated it, from the Eks stack's outputs.</summary>
    private string Nodegroup()
    {
        var outputs = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(_run.Artifacts, "cdk-outputs.json")))!;
        var name = (string)outputs["Exchange-dev-Eks"]!["NodegroupName"]!;
        Assert.NotEqual("exchange-dev-spot-nodes", name); // generated, not fixed
        return name;
    }

    [Fact]
    public void Pause_scales_to_zero_stops_Redpanda_and_RDS_reads_the_state_back_and_Resume_undoes_it()
    {
        Deployed();
        var before = _run.Calls.Count;

        var pause = _run.Build("--target=Pause");

        Assert.True(pause.ExitCode == 0, pause.ToString());
        var calls = CallsSince(before);
        CallOrder.Assert(calls,
            $"aws eks update-nodegroup-config --cluster-name exchange-dev --nodegroup-name {Nodegroup()} --scaling-config minSize=0,maxSize=4,desiredSize=0",
            "aws ec2 stop-instances --instance-ids",
            "aws rds stop-db-instance --db-instance-identifier exchange-dev-mysql",
            "aws eks describe-nodegroup",
            "aws ec2 describe-instances",
            "aws rds describe-db-instances");
        Assert.Contains("RDS restarts itself on", pause.Text);
        Assert.Matches(@"Paused, this environment costs ~\$\d+\.\d\d/month", pause.Output);
        Assert.Contains("control plane, Kubernetes 1.35", pause.Text); // still billing while paused

        var status = _run.Build("--target=Status", "--json");
        Assert.Contains("Environment 'dev' is PAUSED.", status.Text); // the log, on stderr
        using (var json = System.Text.Json.JsonDocument.Parse(status.Stdout)) // the document, alone on stdout
        {
            var root = json.RootElement;
            Assert.True(root.GetProperty("ok").GetBoolean());
            Assert.Equal("paused", root.GetProperty("phase").GetString());
            Assert.Equal(0, root.GetProperty("nodegroup").GetProperty("desired").GetInt32());
            Assert.Equal("stopped", root.GetProperty("database").GetString());
            Assert.Equal(7, root.GetProperty("stacks").GetArrayLength());
            var documented = world.ReadmeJsonKeys("Status");
            var keys = root.EnumerateObject().Select(p => p.Name).Where(k => k is not ("target" or "ok")).ToHashSet();
            Assert.Subset(documented, keys);
            Assert.Subset(keys.Append("topics").ToHashSet(), documented); // topics only while Redpanda runs
        }

        before = _run.Calls.Count;
        var again = _run.Build("--target=Pause");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("already paused", again.Text);
        Assert.DoesNotContain(CallsSince(before),
            c => c.Contains("stop-", StringComparison.Ordinal) || c.Contains("update-nodegroup-config", StringComparison.Ordinal));

        before = _run.Calls.Count;
        var resume = _run.Build("--target=Resume");
        Assert.True(resume.ExitCode == 0, resume.ToString());
        CallOrder.Assert(CallsSince(before),
            "aws ec2 start-instances --instance-ids",
            "aws rds start-db-instance --db-instance-identifier exchange-dev-mysql",
            $"aws eks update-nodegroup-config --cluster-name exchange-dev --nodegroup-name {Nodegroup()} --scaling-config minSize=1,maxSize=4,desiredSize=2",
            "kubectl get nodes -o json",
            "kubectl rollout status");
        Assert.Contains("Environment 'dev' is RUNNING.", _run.Build("--target=Status").Text);
    }

    [Fact]
    public void Resume_until_postpones_the_daily_sleeps_adds_one_time_sleeps_Status_shows_it_and_Pause_cancels_it()
    {
        Deployed();
        _run.Env["EXCHANGE_NOW"] = "2026-12-01T10:00:00Z"; // Tuesday 19:00 in Seoul, an hour before the daily sleep
        var before = _run.Calls.Count;

        var resume = _run.Build("--target=Resume", "--until=22:00");

        Assert.True(resume.ExitCode == 0, resume.ToString());
        Assert.Contains("Awake until 2026-12-01 22:00 Asia/Seoul (2026-12-01 13:00 UTC); skipping the sleep at 2026-12-01 20:00 Asia/Seoul", resume.Text);
        var calls = CallsSince(before);
        foreach (var target in new[] { "nodes", "kafka", "database" })
        {
            Assert.Contains(calls, c => c.StartsWith("aws scheduler update-schedule --cli-input-json", StringComparison.Ordinal)
                                        && c.Contains($"\"Name\":\"exchange-dev-sleep-{target}\"", StringComparison.Ordinal)
                                        && c.Contains("\"StartDate\":\"2026-12-01T13:00:00Z\"", StringComparison.Ordinal));
            Assert.Contains(calls, c => c.StartsWith("aws scheduler create-schedule --cli-input-json", StringComparison.Ordinal)
                                        && c.Contains($"\"Name\":\"exchange-dev-sleep-{target}-until\"", StringComparison.Ordinal)
                                        && c.Contains("at(2026-12-01T22:00:00)", StringComparison.Ordinal));
        }
        var schedules = Schedules();
        var once = schedules["exchange-dev-sleep-database-until"];
        // the same universal target, input and role
        Assert.Equal(schedules["exchange-dev-sleep-database"]["Target"]!.ToJsonString(), once["Target"]!.ToJsonString());
        Assert.Contains("rds:stopDBInstance", once["Target"]!.ToJsonString());

        var status = _run.Build("--target=Status");
        Assert.Contains("on demand    awake until 2026-12-01 22:00 Asia/Seoul", status.Text);
        Assert.Contains("so           awake by the schedule", status.Text);
        Assert.Contains("next         sleeps at 2026-12-01 20:00 Asia/Seoul", status.Text);

        var again = _run.Build("--target=Resume", "--until=23:00"); // idempotent: updates, never a second schedule
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(6, Schedules().Count);

        before = _run.Calls.Count;
        var pause = _run.Build("--target=Pause");
        Assert.True(pause.ExitCode == 0, pause.ToString());
        Assert.Contains("Cancelled the wake-on-demand", pause.Text);
        Assert.Contains(CallsSince(before),
            c => c == "aws scheduler delete-schedule --name exchange-dev-sleep-nodes-until --region ap-northeast-2 --output json");
        var after = Schedules();
        Assert.Equal(["exchange-dev-sleep-database", "exchange-dev-sleep-kafka", "exchange-dev-sleep-nodes"], after.Keys.Order());
        Assert.All(after.Values, s => Assert.Null(s["StartDate"]));
        Assert.Contains("so           asleep by hand", _run.Build("--target=Status").Text);
    }

    [Fact]
    public void FollowSchedule_at_night_leaves_a_shallow_sleep_to_the_in_AWS_schedules_and_in_the_morning_resumes()
    {
        Deployed();
        Assert.True(_run.Build("--target=Pause").ExitCode == 0);
        _run.Env["EXCHANGE_NOW"] = "2026-12-01T14:00:00Z"; // 23:00 in Seoul
        var before = _run.Calls.Count;

        var night = _run.Build("--target=FollowSchedule");

        Assert.True(night.ExitCode == 0, night.ToString());
        Assert.Contains("the in-AWS schedules do the shallow sleep", night.Text);
        Assert.DoesNotContain(CallsSince(before),
            c => c.Contains("start-", StringComparison.Ordinal) || c.Contains("update-nodegroup-config", StringComparison.Ordinal));

        _run.Env["EXCHANGE_NOW"] = "2026-12-01T23:05:00Z"; // Wednesday 08:05 in Seoul
        var morning = _run.Build("--target=FollowSchedule");

        Assert.True(morning.ExitCode == 0, morning.ToString());
        Assert.Contains("woken by the schedule", morning.Text);
        Assert.Contains("Environment 'dev' is RUNNING.", _run.Build("--target=Status").Text);
    }

    [Fact]
    public void A_pause_that_did_not_take_fails_and_says_it_is_still_billing()
    {
        Deployed();
        _run.Faults.Stall("eks:UpdateNodegroupConfig");

        var pause = _run.Build("--target=Pause", "--wait-timeout=2s");

        Assert.NotEqual(0, pause.ExitCode);
        Assert.Contains($"The pause did not take within 2s: node group {Nodegroup()} still wants desired 2", pause.Text);
        Assert.Contains("It is still billing", pause.Text);
    }

    [Fact]
    public void A_deep_pause_removes_the_EKS_stack_and_Resume_brings_the_workloads_back()
    {
        Deployed();
        var before = _run.Calls.Count;

        var pause = _run.Build("--target=Pause", "--deep");

        Assert.True(pause.ExitCode == 0, pause.ToString());
        // EKS recreates the control-plane log group while the cluster is deleted: swept, or Resume could not create the stack.
        CallOrder.Assert(CallsSince(before), "aws rds stop-db-instance", "kubectl delete namespace exchange-dev", "cdk destroy --app",
            "aws logs describe-log-groups --log-group-name-prefix /aws/eks/exchange-dev/",
            "aws logs delete-log-group --log-group-name /aws/eks/exchange-dev/cluster");
        Assert.Contains(_run.Calls, c => c.CommandLine.StartsWith("cdk destroy", StringComparison.Ordinal) && c.Args.Contains("Exchange-dev-Eks"));
        Assert.DoesNotContain(_run.Calls, c => c.CommandLine.StartsWith("cdk destroy", StringComparison.Ordinal) && c.Args.Contains("Exchange-dev-Rds"));
        Assert.Contains("Environment 'dev' is DEEP-PAUSED.", _run.Build("--target=Status").Text);

        before = _run.Calls.Count;
        var resume = _run.Build("--target=Resume");
        Assert.True(resume.ExitCode == 0, resume.ToString());
        // The data stores start first: CloudFormation cannot update a stopped database.
        CallOrder.Assert(CallsSince(before), "aws ec2 start-instances", "aws rds start-db-instance", "cdk deploy --app",
            "aws autoscaling attach-load-balancer-target-groups", "aws eks update-kubeconfig", "kubectl apply -f -", "kubectl apply -f -",
            "kubectl rollout status");
        Assert.Contains("statefulset.apps/matching-engine-shard-1 created", resume.Text);
        // The recreated stack's new node group (a new Auto Scaling group) is in the new load balancer's target groups again: the
        // backend's and every preview slot's.
        lock (_run.Cloud)
            Assert.Single(_run.Cloud.AutoScalingGroups.Values, g => g["TargetGroupARNs"]!.AsArray().Count == 1 + Previews.MaxSlots);
    }

    [Fact]
    public void DestroyDev_refuses_without_confirmation_and_under_the_wrong_account()
    {
        Deployed();
        var before = _run.Calls.Count;

        var unconfirmed = _run.Build("--target=DestroyDev");
        Assert.NotEqual(0, unconfirmed.ExitCode);
        Assert.Contains("Rerun with --confirm", unconfirmed.Text);
        Assert.Equal(before, _run.Calls.Count); // --confirm is checked before anything touches AWS

        _run.SignInAs("999988887777", "arn:aws:sts::999988887777:assumed-role/Developer/jane");
        var wrongAccount = _run.Build("--target=DestroyDev", "--confirm");
        Assert.NotEqual(0, wrongAccount.ExitCode);
        Assert.Contains("your AWS credentials are for account 999988887777", wrongAccount.Text);

        var refused = CallsSince(before);
        Assert.Equal(1, refused.Count(c => c.StartsWith("aws sts get-caller-identity", StringComparison.Ordinal)));
        Assert.All(refused, c => Assert.StartsWith("aws sts get-caller-identity", c)); // nothing was listed, drained or destroyed
    }

    [Fact]
    public void DestroyDev_runs_in_the_documented_order_sweeps_leftovers_and_a_redeploy_works()
    {
        Deployed();
        _run.LeftoverLogGroup("/aws/eks/exchange-dev/extra");
        var before = _run.Calls.Count;

        var destroy = _run.Build("--target=DestroyDev", "--confirm");

        Assert.True(destroy.ExitCode == 0, destroy.ToString());
        var calls = CallsSince(before);
        CallOrder.Assert(calls,
            [
                "kubectl delete namespace exchange-dev",
                "aws resourcegroupstaggingapi get-resources --tag-filters Key=kubernetes.io/cluster/exchange-dev",
                .. StackKinds.DestroyOrder.Select(_ => "cdk destroy --app"),
                "aws logs describe-log-groups --log-group-name-prefix /aws/eks/exchange-dev/",
                "aws logs delete-log-group --log-group-name /aws/eks/exchange-dev/",
                // The leftover check: the load balancers Kubernetes made, and the one the Eks stack made (gone with it).
                "aws resourcegroupstaggingapi get-resources --tag-filters Key=kubernetes.io/cluster/exchange-dev",
                "aws resourcegroupstaggingapi get-resources --tag-filters Key=Environment,Values=dev Key=Project,Values=exchange",
            ]);
        var destroyed = _run.Calls.Skip(before).Where(c => c.CommandLine.StartsWith("cdk destroy", StringComparison.Ordinal))
            .Select(c => c.Args.Single(a => a.StartsWith("Exchange-dev-", StringComparison.Ordinal))).ToList();
        Assert.Equal(StackKinds.DestroyOrder.Select(Environments.Dev.Names.Stack), destroyed);
        Assert.Equal("Exchange-dev-Eks", destroyed[0]); // the cluster goes first (its load balancers hold the VPC) ...
        Assert.Equal("Exchange-dev-Vpc", destroyed[^1]); // ... the network last
        // The buckets are emptied before their stack goes (no auto-delete Lambda): the artefacts this deploy shared are in one.
        var storage = calls.FindIndex(c =>
            c.StartsWith("cdk destroy", StringComparison.Ordinal) && c.Contains("Exchange-dev-Storage", StringComparison.Ordinal));
        var artifacts = Environments.Dev.Names.Bucket(EnvironmentNames.ArtifactsPurpose, PipelineRun.Account, PipelineRun.Region);
        var emptied = calls.FindIndex(c => c.StartsWith($"aws s3api delete-objects --bucket {artifacts}", StringComparison.Ordinal));
        Assert.True(emptied >= 0 && emptied < storage, string.Join("\n", calls));
        Assert.Contains(calls, c => c.StartsWith(
            "aws secretsmanager delete-secret --secret-id exchange-dev-db-credentials --force-delete-without-recovery", StringComparison.Ordinal));
        Assert.Contains("Nothing of 'dev' is left", destroy.Text);
        Assert.Contains(calls, c => c.StartsWith("aws ecr describe-repositories --repository-names exchange/matching-engine-shard", StringComparison.Ordinal));

        var redeploy = _run.Build("--target=DeployDev");
        Assert.True(redeploy.ExitCode == 0, redeploy.ToString());
    }

    [Fact]
    public void Diff_after_a_deploy_finds_no_differences()
    {
        Deployed();

        var diff = _run.Build("--target=Diff");

        Assert.True(diff.ExitCode == 0, diff.ToString());
        Assert.Contains("0 stack(s) differ; manifests: no differences", diff.Text);
    }

    [Fact]
    public void Status_shows_every_stack_its_outputs_and_the_topics()
    {
        Deployed();

        var status = _run.Build("--target=Status");

        Assert.True(status.ExitCode == 0, status.ToString());
        foreach (var stack in StackKinds.DeployOrder.Select(Environments.Dev.Names.Stack))
            Assert.Matches($@"{stack}\s+(CREATE|UPDATE)_COMPLETE", status.Output);
        Assert.Contains("(export dev-RdsEndpoint)", status.Text);
        var flat = System.Text.RegularExpressions.Regex.Replace(status.Output, @"\s+", " ");
        Assert.Matches(@"Backend: http://\S+\.elb\.amazonaws\.com admits nobody from outside", flat);
        Assert.Contains("kubectl port-forward --namespace exchange-dev svc/future-backend", flat);
        Assert.Contains("matching-engine-shard-3-output", status.Text);
        Assert.Contains("Environment 'dev' is RUNNING.", status.Text);
    }

    public void Dispose() => _run.Dispose();
}
