using System.Diagnostics;
using System.Text.Json;

namespace Exchange.Pipeline.Tests;

/// <summary>A permission IAM refuses ends the step at once, names the action, and nothing after it runs; with the
/// generated policy enforced by the stand-in, a whole lifecycle runs.</summary>
public sealed class RefusedPermissionTests : IDisposable
{
    private static PipelineWorld world => PipelineWorld.Shared;
    private readonly PipelineRun _run = new(world);

    [Fact]
    public void A_refused_tag_GetResources_fails_DestroyDev_within_seconds_naming_the_action_before_anything_is_deleted()
    {
        _run.Deployed();
        _run.Faults.Deny("tag:GetResources");
        var before = _run.Calls.Count;
        var clock = Stopwatch.StartNew();

        var destroy = _run.Build("--target=DestroyDev", "--confirm", "--wait-timeout=20m");

        clock.Stop();
        Assert.NotEqual(0, destroy.ExitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), $"DestroyDev took {clock.Elapsed} to fail");
        Assert.Contains("IAM action: tag:GetResources", destroy.Text);
        Assert.Contains("--target=Permissions", destroy.Text);
        Assert.Contains("./build.sh --target=DestroyDev --exclusive", destroy.Text);
        Assert.DoesNotContain("waiting for the load balancers", destroy.Output);
        var calls = _run.Calls.Skip(before).Select(c => c.CommandLine).ToList();
        Assert.Single(calls, c => c.StartsWith("aws resourcegroupstaggingapi get-resources", StringComparison.Ordinal));
        Assert.DoesNotContain(calls, c => c.StartsWith("cdk destroy", StringComparison.Ordinal) || c.StartsWith("kubectl delete", StringComparison.Ordinal));
        Console.WriteLine($"DestroyDev with tag:GetResources refused failed after {clock.Elapsed.TotalSeconds:F1}s");
    }

    [Fact]
    public void A_refused_permission_in_Status_or_Pause_ends_that_step_quickly_naming_the_action_and_nothing_after_it_runs()
    {
        _run.Deployed();
        foreach (var (target, refused, action, notAfter) in new[]
                 {
                     ("Status", "aws ssm send-command", "ssm:SendCommand", "kubectl get nodes"),
                     ("Pause", "aws eks update-nodegroup-config", "eks:UpdateNodegroupConfig", "aws ec2 stop-instances"),
                 })
        {
            _run.Faults.Clear();
            _run.Faults.Deny(action);
            var before = _run.Calls.Count;
            var clock = Stopwatch.StartNew();

            var result = _run.Build($"--target={target}");

            Assert.NotEqual(0, result.ExitCode);
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), $"{target} took {clock.Elapsed}");
            Assert.Contains($"IAM action: {action}", result.Text);
            Assert.Contains($"./build.sh --target={target} --exclusive", result.Text);
            var calls = _run.Calls.Skip(before).Select(c => c.CommandLine).ToList();
            var refusedAt = calls.FindIndex(c => c.StartsWith(refused, StringComparison.Ordinal));
            Assert.True(refusedAt >= 0, string.Join("\n", calls));
            Assert.DoesNotContain(calls.Skip(refusedAt), c => c.StartsWith(notAfter, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Throttling_is_retried_with_backoff_and_the_step_succeeds()
    {
        _run.Deployed();
        // More throttles than the aws CLI's own attempts (AWS_MAX_ATTEMPTS=3): the pipeline's classification sees one and retries.
        _run.Faults.Throttle("cloudformation:DescribeStacks", times: 4);

        var status = _run.Build("--target=Status");

        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Matches(@"aws \| .*Throttling.* - retrying in \S+ \(attempt 2 of \d+\)", status.Output);
        Assert.Contains("Environment 'dev' is RUNNING.", status.Text);
        Assert.True(_run.StandIn.Requests.Count(r => r.Error == "Throttling") == 4, "every throttle reached a client");
    }

    [Fact]
    public void With_the_generated_policy_enforced_a_whole_lifecycle_runs_and_nothing_is_refused()
    {
        // cdk bootstrap creates IAM roles: an administrator runs it once per account, so it is not the deploy role's job.
        var bootstrap = _run.Build("--target=Bootstrap");
        Assert.True(bootstrap.ExitCode == 0, bootstrap.ToString());
        var permissions = _run.Build("--target=Permissions");
        Assert.True(permissions.ExitCode == 0, permissions.ToString());
        var document = File.ReadAllText(Path.Combine(_run.Artifacts, "deploy-policy.json"));
        _run.Faults.EnforcePolicy(document);
        var before = _run.StandIn.Requests.Count;

        // Resume --until's schedule calls and Pause --deep's removal and redeploy of the Eks stack pass the same policy in
        // Exchange.AwsStandIn.Tests' DeployPolicyTests (every aws call the pipeline builds; cdk deploy/destroy through the bootstrap
        // roles): not run again here, where each costs a minute of the suite.
        foreach (var args in new[] { ["--target=DeployDev"], ["--target=Status"], ["--target=Diff"], ["--target=Pause"], ["--target=Resume"],
                     new[] { "--target=DestroyDev", "--confirm" } })
        {
            var result = _run.Build(args);
            Assert.True(result.ExitCode == 0, $"{string.Join(' ', args)} under the generated policy: {result}");
        }

        var requests = _run.StandIn.Requests.Skip(before).ToList();
        Assert.DoesNotContain(requests, r => r.Error is "AccessDenied" or "AccessDeniedException" or "UnauthorizedOperation");
        var callerActions = requests.Where(r => !r.Caller.Contains(":assumed-role/cdk-", StringComparison.Ordinal)).Select(r => r.Action).Distinct().ToList();
        Assert.True(callerActions.Count >= 20, string.Join(", ", callerActions));
        Assert.Contains("tag:GetResources", callerActions);
        using var policy = JsonDocument.Parse(document);
        Assert.DoesNotContain(policy.RootElement.GetProperty("Statement").EnumerateArray()
            .SelectMany(st => st.GetProperty("Action").EnumerateArray()), a => a.GetString()!.Contains('*', StringComparison.Ordinal));
    }

    public void Dispose() => _run.Dispose();
}
