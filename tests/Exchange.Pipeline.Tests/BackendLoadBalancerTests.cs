using Exchange.AwsStandIn;

namespace Exchange.Pipeline.Tests;

/// <summary>The backend's load balancer in a deployed environment: Verify reads its target health, and names the cause when none is healthy.</summary>
public sealed class BackendLoadBalancerTests : IDisposable
{
    private static PipelineWorld world => PipelineWorld.Shared;
    private readonly PipelineRun _run = new(world);

    [Fact]
    public void Verify_fails_naming_the_security_group_and_the_network_policy_when_every_health_check_times_out()
    {
        _run.Deployed();
        _run.Cloud.TargetHealth = (_, _) => new TargetHealthState("unhealthy", "Target.Timeout", "Request timed out");

        var verify = _run.Build("--target=Verify", "--exclusive", "--verify-timeout=5s");
        var output = System.Text.RegularExpressions.Regex.Replace(verify.Output, @"\s+", " ");

        Assert.NotEqual(0, verify.ExitCode);
        Assert.True(output.Contains("FAILED the backend's load balancer has a healthy target: no healthy target (2 unhealthy (Target.Timeout))",
            StringComparison.Ordinal), output);
        Assert.Contains("the cluster security group does not admit 30080 from the load balancer's group", output);
        Assert.Contains("the NetworkPolicy future-backend-ingress does not admit the public subnets", output);
        Assert.Contains("then rerun: ./build.sh --target=Verify --exclusive", output);
        Assert.Contains(_run.StandIn.Requests, r => r.Action == "elasticloadbalancing:DescribeTargetHealth" && r.Status == 200);
    }

    public void Dispose() => _run.Dispose();
}
