using System.Text.RegularExpressions;
using Exchange.Build.Verification;
using Exchange.Contracts;
using Exchange.Fakes.State;

namespace Exchange.Pipeline.Tests;

/// <summary>
/// Verify after a DeployDev: the connectivity check Job runs through the kubectl stand-in (which prints the checker's lines, or
/// the failure FAKE_CHECK_FAIL asks for), then every item of the design document's checklist gets a line with its result.
/// </summary>
public sealed class VerifyTests : IDisposable
{
    private static PipelineWorld world => PipelineWorld.Shared;
    private readonly PipelineRun _run = new(world);

    private IEnumerable<KubeObjectState> Jobs() => FakeState.Read(_run.Toolbox.StateDir).KubeObjects.Values.Where(o => o.Kind == "Job");

    [Fact]
    public void Verify_alone_runs_the_check_in_the_cluster_names_every_checklist_item_with_its_result_and_Status_shows_it()
    {
        _run.Deployed();
        var before = _run.Calls.Count;

        // --exclusive, and no source checkouts: Verify needs only what DeployDev left (outputs, images.json).
        var verify = _run.BuildRaw("--target=Verify", "--exclusive", $"--account={PipelineRun.Account}");

        Assert.True(verify.ExitCode == 0, verify.ToString());
        foreach (var item in Checklist.Items)
            Assert.Matches($@"\n  ok +{Regex.Escape(item.Name)}: \S", verify.Output);
        Assert.Contains("checker | check mysql ok ", verify.Output); // the Job's own output, shown
        Assert.Contains("auth plugin caching_sha2_password", verify.Output);
        var unwrapped = Regex.Replace(verify.Output, "\n {14}", " "); // an item's line continues indented under its name
        Assert.Matches(@"the images in ECR are what the pods run: matching-engine-shard:src-[0-9a-f]{12} sha256:[0-9a-f]{12}… in 3 pod\(s\)",
            unwrapped);
        Assert.Contains($"all {Checklist.Items.Count} checklist items passed", verify.Output);
        var calls = _run.Calls.Skip(before).Select(c => c.CommandLine).ToList();
        var job = Regex.Match(string.Join("\n", calls), @"kubectl get job (exchange-checker-\S+)").Groups[1].Value;
        CallOrder.Assert(calls,
            "kubectl rollout status",
            "kubectl delete job --selector app.kubernetes.io/name=exchange-checker --namespace exchange-dev --ignore-not-found",
            "kubectl apply -f -",
            $"kubectl get job {job} --namespace exchange-dev -o json",
            $"kubectl logs job/{job} --namespace exchange-dev",
            $"kubectl delete job {job} --namespace exchange-dev --ignore-not-found");
        Assert.Empty(Jobs());
        Assert.True(FakeState.Read(_run.Toolbox.StateDir).KubeObjects.ContainsKey($"exchange-dev/ConfigMap/{CheckerConfigMap.Definition.Name}"));
        Assert.DoesNotContain(_run.DbPassword, verify.Output);

        var status = _run.Build("--target=Status");

        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Matches($@"Verify:\n  last run     \d{{4}}-\d\d-\d\d \d\d:\d\d UTC \(\d+s ago\): passed, {Checklist.Items.Count} of {Checklist.Items.Count} " +
                       "checklist items ok", status.Output);
        Assert.Contains("  ok           the RDS connection works: db-credentials: SELECT 1 ok", status.Output);
    }

    [Fact]
    public void A_failing_check_fails_Verify_with_the_checkers_own_message_and_the_Job_is_deleted()
    {
        _run.Deployed();
        const string message = "no answer from exchange-dev-redis.abc.apn2.cache.amazonaws.com:6379 within 10 s. Likely cause: a security group";
        _run.Env["FAKE_CHECK_FAIL"] = $"{ConnectivityCheck.Redis}:{message}";

        var verify = _run.BuildRaw("--target=Verify", "--exclusive", $"--account={PipelineRun.Account}");

        Assert.NotEqual(0, verify.ExitCode);
        Assert.Contains($"The connectivity check failed: redis: {message}", verify.Text);
        Assert.Matches($@"\n  FAILED +the Redis connection works: {Regex.Escape(message[..40])}", verify.Output);
        Assert.Matches(@"\n  ok +the RDS connection works: ", verify.Output);
        Assert.Contains("--target=Verify --exclusive", verify.Output);
        Assert.Contains(_run.Calls, c => Regex.IsMatch(c.CommandLine, @"^kubectl delete job exchange-checker-\d{8}-\d{6}-[0-9a-f]{4} "));
        Assert.Empty(Jobs());
        Assert.Contains("\"Passed\": false", File.ReadAllText(Path.Combine(_run.Artifacts, "verify.json")));
    }

    public void Dispose() => _run.Dispose();
}
