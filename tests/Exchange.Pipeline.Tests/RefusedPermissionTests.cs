using System.Diagnostics;
using System.Text.Json;

namespace Exchange.Pipeline.Tests;

/// <summary>A permission IAM refuses ends the step at once, names the action, and nothing after it runs; the generated
/// policy covers every call a whole lifecycle makes.</summary>
[Collection(PipelineCollection.Name)]
public sealed class RefusedPermissionTests(PipelineWorld world) : IDisposable
{
    private readonly PipelineRun _run = new(world);

    [Fact]
    public void A_refused_tag_GetResources_fails_DestroyDev_within_seconds_naming_the_action_before_anything_is_deleted()
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
        Assert.DoesNotContain(calls, c => c.StartsWith("cdk destroy", StringComparison.Ordinal) || c.StartsWith("kubectl delete", StringComparison.Ordinal));
        Console.WriteLine($"DestroyDev with tag:GetResources refused failed after {clock.Elapsed.TotalSeconds:F1}s");
    }

    [Fact]
    public void A_refused_permission_in_Status_or_Pause_ends_that_step_quickly_naming_the_action_and_nothing_after_it_runs()
    {
        var deploy = _run.Build("--target=DeployDev");
        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        foreach (var (target, refused, action, notAfter) in new[]
                 {
                     ("Status", "aws ssm send-command", "ssm:SendCommand", "kubectl get nodes"),
                     ("Pause", "aws eks update-nodegroup-config", "eks:UpdateNodegroupConfig", "aws ec2 stop-instances"),
                 })
        {
            _run.Env["FAKE_FAIL"] = refused;
            var before = _run.Calls.Count;
            var clock = Stopwatch.StartNew();

            var result = _run.Build($"--target={target}");

            Assert.NotEqual(0, result.ExitCode);
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), $"{target} took {clock.Elapsed}");
            Assert.Contains($"IAM action: {action}", result.Output);
            Assert.Contains($"./build.sh --target={target} --exclusive", result.Output);
            var calls = _run.Calls.Skip(before).Select(c => c.CommandLine).ToList();
            var refusedAt = calls.FindIndex(c => c.StartsWith(refused, StringComparison.Ordinal));
            Assert.True(refusedAt >= 0, string.Join("\n", calls));
            Assert.DoesNotContain(calls.Skip(refusedAt), c => c.StartsWith(notAfter, StringComparison.Ordinal));
        }
    }

    /// <summary>
    /// The IAM action of an aws CLI call, worked out here independently of the pipeline's own table: the service's
    /// IAM prefix and the operation in PascalCase, except the two CLI conveniences that call another API.
    /// </summary>
    private static string? IamActionOf(IReadOnlyList<string> args)
    {
        if (args.Count < 2 || args[0].StartsWith('-')) return null;
        var (service, operation) = (args[0], args[1]);
        if ((service, operation) is ("eks", "get-token")) return null; // a presigned sts:GetCallerIdentity: needs no permission
        var prefix = service == "resourcegroupstaggingapi" ? "tag" : service;
        var api = (service, operation) switch
        {
            ("ecr", "get-login-password") => "GetAuthorizationToken",
            ("eks", "update-kubeconfig") => "DescribeCluster",
            _ => string.Concat(operation.Split('-').Select(w => char.ToUpperInvariant(w[0]) + w[1..])),
        };
        return $"{prefix}:{api}";
    }

    [Fact]
    public void Every_aws_call_of_a_whole_lifecycle_is_an_action_the_generated_policy_allows()
    {
        foreach (var args in new[] { ["--target=DeployDev"], ["--target=Status"], ["--target=Diff"], ["--target=Pause"], ["--target=Resume"],
                     ["--target=Pause", "--deep"], ["--target=Resume"], new[] { "--target=DestroyDev", "--confirm" } })
        {
            var result = _run.Build(args);
            Assert.True(result.ExitCode == 0, $"{string.Join(' ', args)}: {result}");
        }
        var permissions = _run.Build("--target=Permissions");
        Assert.True(permissions.ExitCode == 0, permissions.ToString());
        using var policy = JsonDocument.Parse(File.ReadAllText(Path.Combine(_run.Artifacts, "deploy-policy.json")));
        var allowed = policy.RootElement.GetProperty("Statement").EnumerateArray()
            .SelectMany(s => s.GetProperty("Action").EnumerateArray().Select(a => a.GetString()!))
            .ToHashSet(StringComparer.OrdinalIgnoreCase); // IAM compares action names case-insensitively

        var needed = _run.Calls.Where(c => c.Tool == "aws").Select(c => IamActionOf(c.Args)).OfType<string>().Distinct().ToArray();

        Assert.True(needed.Length >= 15, string.Join(", ", needed));
        Assert.All(needed, action => Assert.Contains(action, allowed));
        Assert.Contains("tag:GetResources", needed);
    }

    public void Dispose() => _run.Dispose();
}
