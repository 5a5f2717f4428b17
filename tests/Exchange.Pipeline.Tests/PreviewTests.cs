using System.Text.Json.Nodes;
using Exchange.Contracts;
using Exchange.Fakes.State;

namespace Exchange.Pipeline.Tests;

/// <summary>
/// Previews next to the deployed dev environment (one shared deployed world): two side by side with their own namespace, quota,
/// database user, slot and route; the cap; an idempotent redeploy; an interrupted destroy finished by a rerun; destroying one leaves the
/// other and the main namespace alone; a second destroy finds nothing left; the sweep removes an expired one and an orphaned route.
/// </summary>
public sealed class PreviewTests : IDisposable
{
    private static PipelineWorld world => PipelineWorld.Shared;
    private readonly PipelineRun _run = new(world);

    private Dictionary<string, KubeObjectState> Objects() => FakeState.Read(_run.Toolbox.StateDir).KubeObjects;

    /// <summary>The preview routes on the shared load balancer's listener: path pattern -> (priority, target group port).</summary>
    private Dictionary<string, (string Priority, int Port)> Routes()
    {
        lock (_run.Cloud)
            return _run.Cloud.Listeners.Values.SelectMany(l => l["Rules"]!.AsArray()).ToDictionary(
                r => r!["Conditions"]![0]!["PathPatternConfig"]!["Values"]![0]!.GetValue<string>(),
                r => (r!["Priority"]!.GetValue<string>(),
                      _run.Cloud.TargetGroups[r["Actions"]![0]!["TargetGroupArn"]!.GetValue<string>()]["Port"]!.GetValue<int>()));
    }

    private string Output(StackOutput output) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(_run.Artifacts, "cdk-outputs.json")))![Environments.Dev.Names.Stack(output.Stack)]![output.Key]!
            .GetValue<string>();

    private string BackendUrl => Output(Outputs.BackendUrl);

    [Fact]
    public void Two_previews_deploy_beside_the_environment_the_cap_refuses_a_third_and_destroying_one_leaves_the_rest_intact()
    {
        _run.Deployed();
        var mainBefore = Objects().Where(o => o.Key.StartsWith("exchange-dev/", StringComparison.Ordinal))
            .ToDictionary(o => o.Key, o => o.Value.Sha256);

        var first = _run.Build("--target=DeployPreview", "--pr=7", "--preview-cap=2");
        Assert.True(first.ExitCode == 0, first.ToString());
        var objects = Objects();
        Assert.Contains("exchange-dev-pr-7/ResourceQuota/preview-quota", objects.Keys);
        Assert.Contains("exchange-dev-pr-7/LimitRange/preview-limits", objects.Keys);
        Assert.Contains("exchange-dev-pr-7/Deployment/future-backend", objects.Keys);
        foreach (var secret in KubernetesSecrets.All) // the main namespace's names and keys: the workloads run unchanged
            Assert.Equal(objects[$"exchange-dev/Secret/{secret.Name}"].SecretKeys, objects[$"exchange-dev-pr-7/Secret/{secret.Name}"].SecretKeys);
        Assert.NotEqual(objects["exchange-dev/Secret/db-credentials"].Sha256, objects["exchange-dev-pr-7/Secret/db-credentials"].Sha256);
        Assert.DoesNotContain(objects.Keys, k => k.Contains("/Secret/preview-provision-", StringComparison.Ordinal));
        Assert.DoesNotContain(objects.Values, o => o.Kind == "Job");
        Assert.Contains($"Preview pr-7: {BackendUrl}/pr-7/", first.Text);
        Assert.Equal(new Dictionary<string, (string, int)> { ["/pr-7/*"] = ("101", Previews.NodePort(1)) }, Routes());
        Assert.DoesNotContain(_run.DbPassword, first.Output);

        var again = _run.Build("--target=DeployPreview", "--pr=7", "--preview-cap=2");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(again.Output, @"DeployPreview +unchanged"), again.ToString());

        var refused = _run.Build("--target=DeployPreview", "--preview=alice");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("DeployPreview refuses preview alice: 1 preview(s) exist and the cap is 1", refused.Text);
        Assert.Contains("pr-7", refused.Text);
        Assert.DoesNotContain("exchange-dev-alice/ResourceQuota/preview-quota", Objects().Keys);

        var second = _run.Build("--target=DeployPreview", "--preview=alice", "--preview-cap=2");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains($"Preview alice: {BackendUrl}/alice/", second.Text);
        Assert.Equal(new Dictionary<string, (string, int)> { ["/pr-7/*"] = ("101", Previews.NodePort(1)), ["/alice/*"] = ("102", Previews.NodePort(2)) },
            Routes());

        // A destroy interrupted after the route went (the drop Job fails) leaves the namespace with its record; the rerun finishes it.
        _run.Env["FAKE_CHECK_FAIL"] = $"{ConnectivityCheck.Mysql}:Lost connection to MySQL server during query";
        var interrupted = _run.Build("--target=DestroyPreview", "--pr=7");
        _run.Env.Remove("FAKE_CHECK_FAIL");
        Assert.NotEqual(0, interrupted.ExitCode);
        Assert.Contains("Preview pr-7's stores could not be removed: mysql: Lost connection to MySQL server during query", interrupted.Text);
        Assert.Contains("Rerun: ./build.sh --target=DestroyPreview --pr=7", interrupted.Text);
        Assert.DoesNotContain("/pr-7/*", Routes().Keys);
        Assert.Contains("exchange-dev-pr-7/ResourceQuota/preview-quota", Objects().Keys);
        var destroyed = _run.Build("--target=DestroyPreview", "--pr=7");
        Assert.True(destroyed.ExitCode == 0, destroyed.ToString());
        objects = Objects();
        Assert.DoesNotContain(objects.Keys, k => k.StartsWith("exchange-dev-pr-7/", StringComparison.Ordinal));
        Assert.Contains("exchange-dev-alice/Deployment/future-backend", objects.Keys);
        Assert.Equal(["/alice/*"], Routes().Keys);
        foreach (var (key, json) in mainBefore.Where(m => !m.Key.Contains("/ConfigMap/exchange-checker", StringComparison.Ordinal)))
            Assert.True(objects.TryGetValue(key, out var now) && now.Sha256 == json, $"{key} of the main namespace changed");

        var twice = _run.Build("--target=DestroyPreview", "--pr=7");
        Assert.True(twice.ExitCode == 0, twice.ToString());
        Assert.Contains("preview pr-7: nothing left to remove", twice.Output);

        // A route whose preview is gone (its namespace deleted by hand) is an orphan for the sweep; so is alice, four days on (3 days
        // after her last deploy), removed as DestroyPreview does.
        var listener = Output(Outputs.BackendListenerArn);
        lock (_run.Cloud)
            _run.Cloud.Listeners[listener]["Rules"]!.AsArray().Add(new JsonObject
            {
                ["RuleArn"] = listener.Replace(":listener/", ":listener-rule/") + "/0123456789abcdef", ["Priority"] = $"{Previews.RulePriority(5)}",
                ["IsDefault"] = false,
                ["Conditions"] = JsonNode.Parse("""[{"Field":"path-pattern","PathPatternConfig":{"Values":["/pr-99/*"]}}]"""),
                ["Actions"] = new JsonArray(new JsonObject
                {
                    ["Type"] = "forward", ["TargetGroupArn"] = Output(Outputs.BackendPreviewTargetGroupArns).Split(',')[4], ["Order"] = 1,
                }),
            });
        _run.Env["EXCHANGE_NOW"] = DateTimeOffset.UtcNow.AddDays(4).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var sweep = _run.Build("--target=SweepPreviews");
        Assert.True(sweep.ExitCode == 0, sweep.ToString());
        Assert.Contains("removed 2 preview(s): alice, pr-99 (route)", sweep.Text);
        Assert.Empty(Routes());
        Assert.DoesNotContain(Objects().Keys, k => k.StartsWith("exchange-dev-alice/", StringComparison.Ordinal));
        Assert.Contains("exchange-dev/Deployment/future-backend", Objects().Keys);
    }

    [Theory]
    [InlineData("--pr=0123", "'0123' is not a pull request number")]
    [InlineData("--preview=Alice_1", "'Alice_1' cannot name a preview: lower-case letters, digits and single hyphens")]
    [InlineData("--preview=dev", "'dev' cannot name a preview: it would collide with the environment's own names")]
    public void A_name_that_cannot_be_a_namespace_database_or_topic_prefix_is_refused_before_anything_runs(string argument, string message)
    {
        var run = _run.Build("--target=DeployPreview", argument);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Text);
        Assert.Empty(_run.CloudCalls);
    }

    public void Dispose() => _run.Dispose();
}
