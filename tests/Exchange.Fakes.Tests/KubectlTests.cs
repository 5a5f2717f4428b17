using System.Security.Cryptography;
using System.Text;

namespace Exchange.Fakes.Tests;

public sealed class KubectlTests : IDisposable
{
    private const string Password = "pa55-Word-that-must-never-touch-disk";

    private static readonly string Manifests = $$"""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: exchange-dev
        ---
        apiVersion: v1
        kind: Secret
        metadata:
          name: db-credentials
          namespace: exchange-dev
        type: Opaque
        data:
          MYSQL_PASSWORD: {{Convert.ToBase64String(Encoding.UTF8.GetBytes(Password))}}
        stringData:
          MYSQL_HOST: exchange-dev-mysql.abc123.ap-northeast-2.rds.amazonaws.com
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: shard-1
          namespace: exchange-dev
        spec:
          replicas: 1
          selector: { matchLabels: { app: shard-1 } }
          template:
            metadata: { labels: { app: shard-1 } }
            spec:
              containers: [{ name: engine, image: "127.0.0.1:5999/exchange/matching-engine-shard:abc123" }]
        """;

    private readonly Sandbox sandbox = new();

    [Fact]
    public void Applying_the_same_manifests_twice_reports_unchanged()
    {
        sandbox.UseCluster();

        var first = Sandbox.Ok(sandbox.Kubectl(["apply", "-f", "-"], Manifests));
        var second = Sandbox.Ok(sandbox.Kubectl(["apply", "-f", "-"], Manifests));

        Assert.Equal("namespace/exchange-dev created\nsecret/db-credentials created\nstatefulset.apps/shard-1 created\n", first.Stdout);
        Assert.Equal("namespace/exchange-dev unchanged\nsecret/db-credentials unchanged\nstatefulset.apps/shard-1 unchanged\n", second.Stdout);
        Assert.Equal(0, sandbox.Kubectl(["diff", "-f", "-"], Manifests).Exit);
    }

    [Fact]
    public void Secret_values_never_touch_the_state_directory_but_the_log_proves_they_went_through()
    {
        sandbox.UseCluster();

        Sandbox.Ok(sandbox.Kubectl(["apply", "-f", "-"], Manifests));

        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(Password));
        foreach (var file in Directory.EnumerateFiles(sandbox.StateDir, "*", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain(Password, text);
            Assert.DoesNotContain(base64, text);
        }
        var secret = Assert.Single(sandbox.Calls.Last().Secrets!);
        Assert.Equal(["MYSQL_HOST", "MYSQL_PASSWORD"], secret.Keys);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Password))), secret.ValueSha256["MYSQL_PASSWORD"]);
        Assert.NotNull(sandbox.Calls.Last().Stdin);
        // The recording shim logged the real aws call before it, arguments and all.
        Assert.Equal("aws eks update-kubeconfig --name exchange-dev", sandbox.Calls.First().CommandLine);
    }

    [Fact]
    public void A_namespaced_object_needs_its_namespace()
    {
        sandbox.UseCluster();

        var result = sandbox.Kubectl(["apply", "-f", "-"], Manifests[Manifests.IndexOf("apiVersion: apps/v1", StringComparison.Ordinal)..]);

        Assert.Equal(1, result.Exit);
        Assert.Equal("Error from server (NotFound): error when creating \"STDIN\": namespaces \"exchange-dev\" not found\n", result.Stderr);
    }

    [Fact]
    public void Rollouts_complete_with_nodes_and_time_out_when_the_node_group_is_paused()
    {
        sandbox.UseCluster();
        Sandbox.Ok(sandbox.Kubectl(["apply", "-f", "-"], Manifests));

        var running = sandbox.Kubectl(["rollout", "status", "statefulset/shard-1", "-n", "exchange-dev", "--timeout=60s"]);
        Sandbox.Ok(sandbox.Aws("eks", "update-nodegroup-config", "--cluster-name", Sandbox.Cluster, "--nodegroup-name",
            Sandbox.Nodegroup, "--scaling-config", "minSize=0,maxSize=4,desiredSize=0"));
        var paused = sandbox.Kubectl(["rollout", "status", "statefulset/shard-1", "-n", "exchange-dev", "--timeout=60s"]);

        Assert.Equal("partitioned roll out complete: 1 new pods have been updated...\n", Sandbox.Ok(running).Stdout);
        Assert.Equal(1, paused.Exit);
        Assert.Equal("error: timed out waiting for the condition\n", paused.Stderr);
    }

    private const string CheckerJob = """
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: exchange-checker-20261201-080000-a1b2
          namespace: exchange-dev
          labels: { app.kubernetes.io/name: exchange-checker }
        spec:
          backoffLimit: 0
          template:
            metadata: { labels: { app.kubernetes.io/name: exchange-checker } }
            spec:
              restartPolicy: Never
              containers: [{ name: checker, image: "127.0.0.1:5999/exchange/exchange-checker:git-0123456789ab" }]
        """;

    [Fact]
    public void A_checker_Job_completes_prints_the_checkers_lines_and_a_selector_deletes_it()
    {
        sandbox.UseCluster();
        Sandbox.Ok(sandbox.Kubectl(["apply", "-f", "-"], Manifests[..Manifests.IndexOf("---", StringComparison.Ordinal)] + "---\n" + CheckerJob));

        var job = Sandbox.Ok(sandbox.Kubectl(["get", "job", "exchange-checker-20261201-080000-a1b2", "-n", "exchange-dev", "-o", "json"]));
        var logs = Sandbox.Ok(sandbox.Kubectl(["logs", "job/exchange-checker-20261201-080000-a1b2", "-n", "exchange-dev"]));
        var pods = Sandbox.Ok(sandbox.Kubectl(["get", "pods", "-n", "exchange-dev", "-l", "job-name=exchange-checker-20261201-080000-a1b2"]));
        var deleted = Sandbox.Ok(sandbox.Kubectl(
            ["delete", "job", "-l", "app.kubernetes.io/name=exchange-checker", "-n", "exchange-dev", "--ignore-not-found"]));

        Assert.Contains("\"type\": \"Complete\"", job.Stdout);
        Assert.Contains("\"succeeded\": 1", job.Stdout);
        var report = Exchange.Contracts.CheckReport.Parse(logs.Stdout);
        Assert.Equal(Exchange.Contracts.ConnectivityCheck.Checks, report.Checks.Where(c => c.Passed).Select(c => c.Check));
        Assert.True(report.Result!.Passed);
        Assert.Matches(@"exchange-checker-20261201-080000-a1b2-[0-9a-f]{5} +0/1 +Succeeded", pods.Stdout);
        Assert.Equal("job.batch \"exchange-checker-20261201-080000-a1b2\" deleted\n", deleted.Stdout);
        Assert.DoesNotContain(sandbox.State.KubeObjects.Values, o => o.Kind == "Job");
    }

    [Fact]
    public void FAKE_CHECK_FAIL_makes_the_checker_Job_fail_that_check_with_that_message()
    {
        sandbox.UseCluster();
        Sandbox.Ok(sandbox.Kubectl(["apply", "-f", "-"], Manifests[..Manifests.IndexOf("---", StringComparison.Ordinal)] + "---\n" + CheckerJob));
        var fail = new Dictionary<string, string> { ["FAKE_CHECK_FAIL"] = "kafka:2 of 6 shard topics are missing" };

        var job = Sandbox.Ok(sandbox.Kubectl(["get", "job", "exchange-checker-20261201-080000-a1b2", "-n", "exchange-dev", "-o", "json"], environment: fail));
        var logs = Sandbox.Ok(sandbox.Kubectl(["logs", "job/exchange-checker-20261201-080000-a1b2", "-n", "exchange-dev"], environment: fail));

        Assert.Contains("\"reason\": \"BackoffLimitExceeded\"", job.Stdout);
        var report = Exchange.Contracts.CheckReport.Parse(logs.Stdout);
        Assert.False(report.Of("kafka")!.Passed);
        Assert.Equal("kafka: 2 of 6 shard topics are missing", report.Result!.Message);
    }

    [Fact]
    public void A_cluster_the_AWS_stand_in_does_not_know_is_not_reachable()
    {
        sandbox.UseCluster();
        sandbox.Cloud.Clusters.Remove(Sandbox.Cluster); // its stack was destroyed

        var result = sandbox.Kubectl(["get", "pods", "-n", "exchange-dev"]);

        Assert.Equal(1, result.Exit);
        Assert.Contains("Unable to connect to the server: dial tcp: lookup " +
                        "0123456789abcdef0123456789abcdef.gr7.ap-northeast-2.eks.amazonaws.com", result.Stderr);
    }

    [Fact]
    public void Commands_the_pipeline_does_not_issue_are_refused_by_name()
    {
        sandbox.UseCluster();

        var result = sandbox.Kubectl(["scale", "statefulset/shard-1", "--replicas=0", "-n", "exchange-dev"]);

        Assert.Equal(97, result.Exit);
        Assert.Contains("'kubectl scale' is not simulated (supported: apply, diff, get, rollout, delete, logs", result.Stderr);
    }

    [Fact]
    public void Without_a_kubeconfig_calls_fail_like_kubectl_without_a_server()
    {
        var result = sandbox.Kubectl(["get", "pods", "-n", "exchange-dev"]);

        Assert.Equal(1, result.Exit);
        Assert.EndsWith("The connection to the server localhost:8080 was refused - did you specify the right host or port?\n", result.Stderr);
    }

    public void Dispose() => sandbox.Dispose();
}
