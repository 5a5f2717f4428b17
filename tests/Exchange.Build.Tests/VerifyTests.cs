using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Exchange.Build.Images;
using Exchange.Build.Logging;
using Exchange.Build.Pipeline;
using Exchange.Build.Pipeline.Tasks;
using Exchange.Build.Processes;
using Exchange.Build.Verification;
using Exchange.Contracts;

namespace Exchange.Build.Tests;

/// <summary>
/// Verify's parts against a scripted cluster and AWS: the connectivity check Job's life (leftovers, apply, wait, logs, delete in
/// every case), the checklist's verdicts and the record Status shows.
/// </summary>
public sealed class VerifyTests : IDisposable
{
    private const string Account = "111122223333";
    private static readonly EnvironmentNames Names = Environments.Dev.Names;
    private static readonly string Registry = $"{Account}.dkr.ecr.ap-northeast-2.amazonaws.com";
    private static readonly string Context = $"arn:aws:eks:ap-northeast-2:{Account}:cluster/exchange-dev";
    private const string Digest = "sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
    private const string Password = "db-Pw-4f9e-never-shown";

    private readonly TempDir _dir = new();

    /// <summary>What the scripted cluster answers; each test changes what it needs.</summary>
    private sealed class Cluster
    {
        public string JobStatus = """{"status":{"succeeded":1,"conditions":[{"type":"Complete","status":"True"}]}}""";
        public string Logs = string.Join("\n", ConnectivityCheck.Checks.Select(c => new CheckLine(c, true, 12, $"{c} answered").ToString())
            .Append(new CheckResult(true, "mysql, redis, kafka answered (40 ms)").ToString()));
        public string NodeReady = "True";
        public string PodPhase = "Running";
        public string ImageId = Digest;
        public bool Unreachable;
    }

    private readonly Cluster _cluster = new();

    private RecordingRunner Runner() => new(c =>
    {
        var args = c.Values.ToArray();
        if (c.Tool == "aws") return args switch
        {
            ["ecr", "describe-images", ..] => Json(new { imageDetails = new[] { new { imageDigest = Digest } } }),
            ["secretsmanager", "get-secret-value", ..] =>
                Json(new { SecretString = JsonSerializer.Serialize(new { username = "admin", password = Password }) }),
            ["s3api", ..] => Json(new { }),
            ["elbv2", "describe-target-health", ..] => Json(new
            {
                TargetHealthDescriptions = new[] { new { Target = new { Id = "i-0a1b2c3d4e5f6071", Port = 30080 }, TargetHealth = new { State = "healthy" } } },
            }),
            _ => throw new InvalidOperationException("unscripted: aws " + string.Join(' ', args)),
        };
        if (args is ["kustomize", var dir]) return RealKubectl(dir);
        if (args is ["config", "current-context"]) return Ok(Context);
        if (_cluster.Unreachable && args[0] == "get")
            return new ProcessResult(1, "", "Unable to connect to the server: dial tcp 10.0.1.5:443: i/o timeout\n", TimeSpan.Zero);
        return args switch
        {
            ["rollout", ..] => Ok("successfully rolled out"),
            ["delete", "job", "--selector", ..] => Ok("job.batch \"exchange-checker-20261130-230000-ffff\" deleted"),
            ["delete", "job", var name, ..] => Ok($"job.batch \"{name}\" deleted"),
            ["apply", ..] => Ok("job.batch/x created\nconfigmap/exchange-checker created"),
            ["get", "job", ..] => Ok(_cluster.JobStatus),
            ["logs", ..] => Ok(_cluster.Logs),
            ["get", "nodes", ..] => Ok(NodesJson()),
            ["get", "pods", "--namespace", _, "-o", "json", ..] => Ok(PodsJson()),
            ["get", ..] => Ok("NAME READY STATUS"),
            _ => throw new InvalidOperationException("unscripted: kubectl " + string.Join(' ', args)),
        };
    });

    private string NodesJson() => JsonSerializer.Serialize(new
    {
        items = new[] { "ip-10-0-11-10", "ip-10-0-12-11" }.Select((n, i) => new
        {
            metadata = new { name = n },
            status = new { conditions = new[] { new { type = "Ready", status = i == 1 ? _cluster.NodeReady : "True", reason = "KubeletNotReady" } } },
        }),
    });

    private string PodsJson() => new JsonObject
    {
        ["items"] = new JsonArray(
            Pod("matching-engine-shard-1-0", "StatefulSet", Image(ContainerImages.MatchingEngine), _cluster.ImageId),
            Pod("future-backend-6d9f-abcde", "ReplicaSet", Image(ContainerImages.Backend), Digest),
            Pod("exchange-checker-20261201-080000-a1b2-x7k2p", "Job", Image(ContainerImages.Checker), Digest, phase: "Succeeded")),
    }.ToJsonString();

    private JsonObject Pod(string name, string owner, string image, string digest, string? phase = null) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name, ["ownerReferences"] = new JsonArray(new JsonObject { ["kind"] = owner, ["name"] = "o" }) },
        ["status"] = new JsonObject
        {
            ["phase"] = phase ?? (name.StartsWith("matching", StringComparison.Ordinal) ? _cluster.PodPhase : "Running"),
            ["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = "Ready",
                ["status"] = phase is null && (name.StartsWith("future", StringComparison.Ordinal) || _cluster.PodPhase == "Running") ? "True" : "False",
            }),
            ["containerStatuses"] = new JsonArray(new JsonObject { ["image"] = image, ["imageID"] = $"{image.Split(':')[0]}@{digest}" }),
        },
    };

    private static string Image(ContainerImage image) => $"{Registry}/{image.Repository(Names)}:git-0123456789ab";

    private static ProcessResult Ok(string output) => new(0, output + "\n", "", TimeSpan.Zero);
    private static ProcessResult Json(object value) => Ok(JsonSerializer.Serialize(value));

    private static ProcessResult RealKubectl(string dir)
    {
        var kubectl = new Tools.ToolResolver(n => Environment.GetEnvironmentVariable(n), Contexts.RepoRoot, () => null).Resolve(Tools.ToolKind.Kubectl);
        return new ProcessRunner(new Redactor(), new MemoryLog()).Run(new CommandLine("kubectl", kubectl).Add("kustomize", dir));
    }

    /// <summary>A run after DeployDev: the outputs, the pushed images and the applied manifests on this machine.</summary>
    private BuildContext Deployed(RecordingRunner runner, string timeout = "60s")
    {
        var outputs = Outputs.All.GroupBy(o => Names.Stack(o.Stack)).ToDictionary(g => g.Key, g => g.ToDictionary(o => o.Key, o => o.Key switch
        {
            "ClusterArn" => Context,
            _ when ContainerImages.All.FirstOrDefault(i => i.RepositoryUri == o) is { } image => $"{Registry}/{image.Repository(Names)}",
            _ => "value-" + o.Key,
        }));
        _dir.Write("cdk-outputs.json", JsonSerializer.Serialize(outputs));
        var manifest = new ImageManifest();
        foreach (var image in ContainerImages.All)
            manifest.Images[image.Name] = new ImageRecord
            {
                Name = image.Name, SourceDir = "/src", Dockerfile = "/src/Dockerfile", Tag = "git-0123456789ab", TagSource = "git commit",
                Repository = $"{Registry}/{image.Repository(Names)}", Digest = Digest,
            };
        manifest.Save(_dir.Combine("images.json"));
        _dir.Write("applied-manifests.yaml", "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: matching-engine-shard-1\n  namespace: exchange-dev\n");
        var env = new Dictionary<string, string> { ["AWS_PATH"] = "/bin/sh", ["KUBECTL_PATH"] = "/bin/sh" };
        // Listed CIDRs make kubectl go to the public endpoint directly: these tests script the cluster, not the SSM tunnel (ClusterTunnelTests).
        var settings = Contexts.Settings(new()
        {
            ["account"] = Account, ["artifacts"] = _dir.Path, ["verify-timeout"] = timeout, ["eks-public-cidrs"] = "203.0.113.0/24",
        }, env);
        return new BuildContext(settings, _log, n => env.GetValueOrDefault(n), [TaskNames.Verify], runner);
    }

    private readonly MemoryLog _log = new();

    private static List<string> Kubectl(RecordingRunner runner) =>
        runner.Calls.Where(c => c.Command.Tool == "kubectl" && c.Command.Values.First() != "config").Select(c => string.Join(' ', c.Command.Values)).ToList();

    [Fact]
    public void The_check_runs_as_a_Job_of_its_own_after_any_leftover_is_deleted_and_the_Job_is_deleted_when_it_passed()
    {
        var runner = Runner();
        var b = Deployed(runner);

        var report = CheckerJob.Run(b);

        Assert.True(report.Result!.Passed);
        Assert.Equal(ConnectivityCheck.Checks, report.Checks.Select(c => c.Check));
        var calls = Kubectl(runner);
        var name = CheckerJob.RunName().Match(string.Join("\n", calls)).Value;
        Assert.Matches(@"^exchange-checker-\d{8}-\d{6}-[0-9a-f]{4}$", name);
        Assert.Equal([
            "delete job --selector app.kubernetes.io/name=exchange-checker --namespace exchange-dev --ignore-not-found --context " + Context,
            "apply -f - --context " + Context,
            $"get job {name} --namespace exchange-dev -o json --context {Context}",
            $"logs job/{name} --namespace exchange-dev --context {Context}",
            $"delete job {name} --namespace exchange-dev --ignore-not-found --wait=false --context {Context}",
        ], calls.Where(c => !c.StartsWith("kustomize", StringComparison.Ordinal)));
        // What was applied: the Job of this run in the namespace with the pushed image, and what it expects, from the one definition.
        var applied = runner.Calls.Single(c => c.Command.Values.First() == "apply").Options.StandardInputText!;
        Assert.Contains($"name: {name}\n  namespace: exchange-dev", applied);
        Assert.Contains($"image: {Registry}/exchange/exchange-checker:git-0123456789ab", applied);
        Assert.Contains($"\"{CheckerConfigMap.KafkaTopics}\":\"{string.Join(',', Environments.Dev.KafkaTopics)}\"", applied);
        Assert.Contains($"\"{CheckerConfigMap.KafkaTopicPartitions}\":\"{Environments.Dev.Of<KafkaConfig>().Partitions}\"", applied);
    }

    [Fact]
    public void A_failed_check_fails_Verify_with_the_checkers_own_message_records_it_and_the_Job_is_still_deleted()
    {
        _cluster.JobStatus = """{"status":{"failed":1,"conditions":[{"type":"Failed","status":"True","reason":"BackoffLimitExceeded"}]}}""";
        _cluster.Logs = string.Join("\n",
            new CheckLine(ConnectivityCheck.Mysql, false, 5003, "no answer from db:3306 within 5 s").ToString(),
            new CheckLine(ConnectivityCheck.Redis, true, 4, "PONG").ToString(),
            new CheckLine(ConnectivityCheck.Kafka, true, 40, "6 topics").ToString(),
            new CheckResult(false, "mysql: no answer from db:3306 within 5 s. Likely cause: a security group or NetworkPolicy").ToString());
        var runner = Runner();
        var b = Deployed(runner);

        var error = Assert.Throws<VerifyFailedException>(() => Workloads.Verify(b));

        Assert.StartsWith("The connectivity check failed: mysql: no answer from db:3306 within 5 s. Likely cause: a security group", error.Message);
        Assert.Contains("1 of 8 checklist items did not pass", error.Message);
        Assert.Contains(Kubectl(runner), c => c.StartsWith("delete job exchange-checker-", StringComparison.Ordinal) && c.Contains("--wait=false"));
        var log = _log.Text;
        Assert.Contains("  FAILED      the RDS connection works: no answer from db:3306 within 5 s", log);
        Assert.Contains("  ok          the Redis connection works: PONG (4 ms, from inside the cluster)", log);
        var record = VerifyRecord.Load(b.Settings.VerifyFile)!;
        Assert.False(record.Passed);
        Assert.StartsWith("The connectivity check failed: mysql", record.Failure);
        Assert.Equal(Checklist.Items.Select(i => i.Name), record.Items.Select(i => i.Item));
    }

    [Fact]
    public void A_Job_that_never_finishes_gives_up_at_the_deadline_with_its_last_state_shows_its_pod_and_is_deleted()
    {
        _cluster.JobStatus = """{"status":{"active":1,"ready":0}}""";
        _cluster.Logs = "";
        var runner = Runner();
        var b = Deployed(runner, timeout: "1s");

        var error = Assert.Throws<CheckerJobException>(() => CheckerJob.Run(b));

        Assert.Contains("did not finish within 1s (--verify-timeout); it was pod starting (image pull, scheduling)", error.Message);
        var calls = Kubectl(runner);
        Assert.Contains(calls, c => c.StartsWith("get pods --namespace exchange-dev --selector job-name=exchange-checker-", StringComparison.Ordinal));
        Assert.Matches("^delete job exchange-checker-.* --wait=false", calls.Last());
    }

    [Fact]
    public void Ctrl_C_during_the_wait_stops_it_and_the_Job_is_deleted_by_a_process_the_interruption_does_not_stop()
    {
        // Real processes this time: kubectl and aws are scripts, run by the real ProcessRunner (which a Ctrl-C stops) and the
        // cleanup runner (which it does not).
        var log = _dir.Combine("kubectl.log");
        var real = new Tools.ToolResolver(n => Environment.GetEnvironmentVariable(n), Contexts.RepoRoot, () => null).Resolve(Tools.ToolKind.Kubectl);
        var kubectl = _dir.Script("bin/kubectl", $$$"""
            echo "$*" >> '{{{log}}}'
            case "$1" in
              config) echo '{{{Context}}}' ;;
              kustomize) exec '{{{real}}}' "$@" ;;
              get) echo '{"status":{"active":1}}' ;;
            esac
            """);
        var aws = _dir.Script("bin/aws", $$$"""echo '{"imageDetails":[{"imageDigest":"{{{Digest}}}"}]}'""");
        Deployed(new RecordingRunner());
        var env = new Dictionary<string, string> { ["KUBECTL_PATH"] = kubectl, ["AWS_PATH"] = aws, ["PATH"] = Environment.GetEnvironmentVariable("PATH")! };
        var settings = Contexts.Settings(new()
        {
            ["account"] = Account, ["artifacts"] = _dir.Path, ["verify-timeout"] = "5m", ["eks-public-cidrs"] = "203.0.113.0/24",
        }, env);
        var b = new BuildContext(settings, new MemoryLog(), n => env.GetValueOrDefault(n), [TaskNames.Verify]);

        var run = Task.Run(() => CheckerJob.Run(b));
        SpinWait.SpinUntil(() => File.Exists(log) && File.ReadAllText(log).Contains("get job", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        b.Interrupt(PosixSignal.SIGINT);

        Assert.ThrowsAny<OperationCanceledException>(() => run.GetAwaiter().GetResult());
        var lines = File.ReadAllLines(log);
        Assert.Matches(@"^delete job exchange-checker-\d{8}-\d{6}-[0-9a-f]{4} --namespace exchange-dev --ignore-not-found --wait=false", lines.Last());
    }

    [Fact]
    public void The_checklist_is_the_design_documents_post_deploy_checklist_in_its_order()
    {
        Assert.Equal([
            "kubectl reaches the cluster", "the nodes are Ready", "the RDS connection works", "the Redis connection works", "the Kafka topics exist",
            "the images in ECR are what the pods run", "the pods are Running",
            "the backend's load balancer has a healthy target", // the design document's diagram: the backend behind an ALB
        ], Checklist.Items.Select(i => i.Name));
    }

    [Fact]
    public void A_passing_run_checks_every_item_and_says_what_it_saw()
    {
        var b = Deployed(Runner());
        var run = new VerifyRun(b) { Checker = CheckerJob.Run(b) };

        var results = Checklist.Evaluate(run);

        Assert.All(results, r => Assert.Equal(ItemOutcome.Passed, r.Result.Outcome));
        Assert.Equal("2 of 2 Ready", Detail(results, "the nodes are Ready"));
        Assert.Equal("2 of 2 Running and Ready in exchange-dev", Detail(results, "the pods are Running")); // the checker's own pod is not counted
        Assert.Equal("matching-engine-shard:git-0123456789ab sha256:0f1e2d3c4b5a… in 1 pod(s); future-backend:git-0123456789ab sha256:0f1e2d3c4b5a… " +
                     "in 1 pod(s)", Detail(results, "the images in ECR are what the pods run"));
        Assert.All(Checklist.Lines(results), l => Assert.True(l.Length <= 120, l));
    }

    [Fact]
    public void A_node_that_is_not_Ready_a_pod_that_is_not_Running_and_a_pod_on_another_digest_each_fail_their_item()
    {
        _cluster.NodeReady = "False";
        _cluster.PodPhase = "Pending";
        _cluster.ImageId = "sha256:" + new string('9', 64);
        var b = Deployed(Runner());

        var results = Checklist.Evaluate(new VerifyRun(b) { Checker = CheckerJob.Run(b) });

        Assert.Equal("1 of 2 Ready; ip-10-0-12-11 KubeletNotReady", Detail(results, "the nodes are Ready", ItemOutcome.Failed));
        Assert.Equal("1 of 2 Running and Ready; matching-engine-shard-1-0 Pending, not Ready", Detail(results, "the pods are Running", ItemOutcome.Failed));
        Assert.StartsWith($"pod matching-engine-shard-1-0 runs {Registry}/exchange/matching-engine-shard@sha256:9999",
            Detail(results, "the images in ECR are what the pods run", ItemOutcome.Failed));
    }

    [Fact]
    public void Without_a_cluster_or_a_report_the_items_fail_with_kubectls_message_or_say_why_they_were_not_checked()
    {
        _cluster.Unreachable = true;
        var b = Deployed(Runner());

        var results = Checklist.Evaluate(new VerifyRun(b) { NoCheckerBecause = "not run: the rollouts did not finish" });

        // kubectl's own message, with what to do about an API it could not reach (KubectlCli): the item's line keeps the first sentence.
        Assert.StartsWith($"could not check: kubectl could not reach the API of {Context}: Unable to connect to the server: dial tcp 10.0.1.5:443: " +
            "i/o timeout", Detail(results, "kubectl reaches the cluster", ItemOutcome.Failed));
        Assert.Equal("not run: the rollouts did not finish", Detail(results, "the RDS connection works", ItemOutcome.NotChecked));
        Assert.Equal(ItemOutcome.Failed, results.Single(r => r.Item.Name == "the pods are Running").Result.Outcome);
    }

    [Fact]
    public void The_record_is_written_whole_read_back_and_Status_shows_when_it_ran_and_each_item()
    {
        var at = new DateTimeOffset(2026, 12, 1, 8, 30, 0, TimeSpan.Zero);
        var item = Checklist.Items[0];
        var record = VerifyRecord.From(at, [(item, ItemResult.Passed("answered")), (Checklist.Items[1], ItemResult.Failed("1 of 2 Ready"))], null);

        record.Save(_dir.Combine("verify.json"));
        var lines = VerifyRecord.Load(_dir.Combine("verify.json"))!.Describe(at.AddHours(3)).ToArray();

        Assert.Equal([
            "  last run     2026-12-01 08:30 UTC (3h ago): FAILED, 1 of 2 checklist items ok",
            "  ok           kubectl reaches the cluster: answered",
            "  FAILED       the nodes are Ready: 1 of 2 Ready",
        ], lines);
        Assert.Equal(["verify.json"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("""{"status":{"succeeded":1,"conditions":[{"type":"Complete","status":"True"}]}}""", true, "complete")]
    [InlineData("""{"status":{"failed":1,"conditions":[{"type":"Failed","status":"True","reason":"DeadlineExceeded","message":"Job was active longer"}]}}""",
        true, "failed (DeadlineExceeded: Job was active longer)")]
    [InlineData("""{"status":{"active":1,"ready":1}}""", false, "running")]
    [InlineData("""{"status":{"active":1}}""", false, "pod starting (image pull, scheduling)")]
    [InlineData("""{"metadata":{"name":"x"}}""", false, "created, no pod yet")]
    public void A_Jobs_state_is_read_from_its_conditions_and_counts(string json, bool finished, string described)
    {
        var state = JobState.Parse(json);

        Assert.Equal((finished, described), (state.Finished, state.ToString()));
    }

    private static string Detail(IEnumerable<(ChecklistItem Item, ItemResult Result)> results, string item, ItemOutcome outcome = ItemOutcome.Passed)
    {
        var result = results.Single(r => r.Item.Name == item).Result;
        Assert.True(result.Outcome == outcome, $"{item}: {result}");
        return result.Detail;
    }

    public void Dispose() => _dir.Dispose();
}
