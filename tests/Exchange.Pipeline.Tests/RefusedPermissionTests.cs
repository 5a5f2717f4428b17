using System.Diagnostics;

namespace Exchange.Pipeline.Tests;

/// <summary>A permission IAM refuses ends the step at once, names the action, and nothing after it runs.</summary>
[Collection(PipelineCollection.Name)]
public sealed class RefusedPermissionTests(PipelineWorld world) : IDisposable
{
    private readonly PipelineRun _run = new(world);

    [Fact]
    public void A_refused_tag_GetResources_fails_DestroyDev_within_seconds_naming_the_action_and_destroys_no_stack()
    {
        var deploy = _run.Build("--target=DeployDev");
        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        _run.Env["FAKE_FAIL"] = "aws resourcegroupstaggingapi get-resources";
        var before = _run.Calls.Count;
        var clock = Stopwatch.StartNew();

        var destroy = _run.Build("--target=DestroyDev", "--confirm", "--wait-timeout=20m");

        clock.Stop();
        Assert.NotEqual(0, destroy.ExitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), $"DestroyDev took {clock.Elapsed} to fail");
        Assert.Contains("IAM action: tag:GetResources", destroy.Output);
        Assert.Contains("--target=Permissions", destroy.Output);
        Assert.Contains("./build.sh --target=DestroyDev --exclusive", destroy.Output);
        Assert.DoesNotContain("waiting for the load balancers", destroy.Output);
        var calls = _run.Calls.Skip(before).Select(c => c.CommandLine).ToList();
        Assert.Single(calls, c => c.StartsWith("aws resourcegroupstaggingapi get-resources", StringComparison.Ordinal));
        Assert.DoesNotContain(calls, c => c.StartsWith("cdk destroy", StringComparison.Ordinal));
        Console.WriteLine($"DestroyDev with tag:GetResources refused failed after {clock.Elapsed.TotalSeconds:F1}s");
    }

    public void Dispose() => _run.Dispose();
}
