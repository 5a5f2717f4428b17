using System.Security.Cryptography;
using System.Text;
using Exchange.Contracts;

namespace Exchange.Pipeline.Tests;

/// <summary>./build.sh --target=DeployDev from an empty account (the AWS stand-in) to running pods (the kubectl stand-in), twice.</summary>
public sealed class DeployDevTests : IDisposable
{
    private static PipelineWorld world => PipelineWorld.Shared;
    private readonly PipelineRun _run = new(world);

    [Fact]
    public void DeployDev_runs_every_step_in_order_pushes_real_images_and_a_rerun_changes_nothing()
    {
        var first = _run.Build("--target=DeployDev");
        Assert.True(first.ExitCode == 0, first.ToString());
        // dev lists no public CIDRs, so the endpoint is private, and every kubectl step went through the SSM tunnel: the kubectl
        // stand-in reaches a private endpoint only that way (from here it times out).
        Assert.Contains("kubectl goes through an SSM tunnel", first.Text);
        var clusterCalls = _run.Calls.Where(c => c.Tool == "kubectl" && c.Args[0] is "apply" or "rollout").ToList();
        Assert.True(clusterCalls.Count >= 5, string.Join("\n", clusterCalls.Select(c => c.CommandLine)));
        Assert.All(clusterCalls, c => Assert.Contains("--server https://127.0.0.1:", c.CommandLine));
        Assert.All(clusterCalls, c => Assert.Equal(0, c.Exit));
        Assert.Single(_run.Calls, c => c.CommandLine.StartsWith("aws ssm start-session", StringComparison.Ordinal)
                                       && !c.CommandLine.Contains("host=localhost", StringComparison.Ordinal)); // one tunnel for every step
        Assert.Contains("Closed the tunnel to the EKS API", first.Text);
        Assert.Empty(PluginProcesses(_run));
        lock (_run.Cloud) Assert.All(_run.Cloud.Sessions.Values, s => Assert.True(s.Terminated, $"session {s.Id} was left open"));
        // The deploying identity is not in dev's (empty) access list: it got access for its deploy, with how to keep it.
        Assert.Contains("is not in the cluster access list: it gets cluster-admin for this deploy only", first.Text);

        // The real aws and cdk CLIs did the work: dozens of aws calls, a cdk deploy of every stack through change sets.
        var requests = _run.StandIn.Requests;
        Assert.True(_run.Calls.Count(c => c.Tool == "aws") >= 20, string.Join("\n", _run.Calls.Select(c => c.CommandLine)));
        var executed = requests.Where(r => r.Action == "cloudformation:ExecuteChangeSet").Select(r => r.Detail).ToList();
        foreach (var stack in StackKinds.DeployOrder.Select(Environments.Dev.Names.Stack))
            Assert.Contains(executed, d => d.Contains(stack, StringComparison.Ordinal));
        Assert.Contains(requests, r => r.Action == "sts:AssumeRole"); // cdk deploys through the bootstrap roles

        // The order of the steps, as the CLIs were called.
        var calls = _run.Calls.Select(c => c.CommandLine).ToList();
        var order = new[]
        {
            "aws sts get-caller-identity",
            "aws cloudformation describe-stacks --stack-name CDKToolkit",
            "cdk bootstrap aws://111122223333/ap-northeast-2",
            "aws secretsmanager describe-secret",
            // A first deploy: the stacks others wait on first (the jump instance's, the image repositories'), the way to the cluster checked
            // as soon as it exists; then the images are pushed while the rest deploys (below), ...
            "cdk deploy --app",
            "aws ssm start-session --target",
            "aws ssm terminate-session",
            "aws ecr describe-images --repository-name exchange/matching-engine-shard", // what ECR lacks, asked first
            "aws ecr get-login-password", // then a login, only because something is to be pushed
            // ... and the backend's load balancer gets the node group's Auto Scaling group as its targets (CloudFormation cannot do it).
            "aws eks describe-nodegroup",
            "aws autoscaling describe-auto-scaling-groups",
            "aws autoscaling attach-load-balancer-target-groups",
            "aws eks update-kubeconfig --name exchange-dev",
            "aws secretsmanager get-secret-value --secret-id exchange-dev-db-credentials",
            "aws ssm start-session --target", // opened by the first step that needs the cluster
            "kubectl apply -f -",
            "kubectl kustomize",
            "kubectl apply -f -",
            "kubectl rollout status",
            "aws elbv2 describe-target-health --target-group-arn arn:aws:elasticloadbalancing:",
            "aws ssm terminate-session", // closed when the run ends
        };
        CallOrder.Assert(calls, order);
        // The push ran beside the deploy of the other stacks: its login reached AWS before CloudFormation began the Eks stack.
        Assert.Equal(2, calls.Count(c => c.StartsWith("cdk deploy --app", StringComparison.Ordinal)));
        Assert.StartsWith("cdk deploy --app", calls.First(c => c.StartsWith("cdk deploy", StringComparison.Ordinal)));
        Assert.Contains($"{Environments.Dev.Names.Stack(StackKind.Vpc)} {Environments.Dev.Names.Stack(StackKind.Ecr)} --exclusively", calls.First(c =>
            c.StartsWith("cdk deploy", StringComparison.Ordinal)));
        var login = requests.First(r => r.Action == "ecr:GetAuthorizationToken").At;
        var eksBegan = requests.First(r => r.Action == "cloudformation:ExecuteChangeSet"
                                           && r.Detail.Contains(Environments.Dev.Names.Stack(StackKind.Eks), StringComparison.Ordinal)).At;
        Assert.True(login < eksBegan, $"the push logged in at {login:O}, after the Eks stack began at {eksBegan:O}");
        Assert.Contains("Pushing the images while the other stacks deploy", first.Text);
        Assert.Contains("(while the stacks deployed)", first.Text); // PushImages reports what DeployInfra pushed
        // The backend: its targets healthy on the load balancer, and the summary says where it is and how to reach it meanwhile.
        lock (_run.Cloud) // in the backend's target group and every preview slot's
            Assert.Single(_run.Cloud.AutoScalingGroups.Values, g => g["TargetGroupARNs"]!.AsArray().Count == 1 + Previews.MaxSlots);
        var summary = System.Text.RegularExpressions.Regex.Replace(first.Output, @"\s+", " "); // the summary wraps at 120 columns
        // Verify's checklist item for the load balancer (no public request), and the step's summary counts it.
        Assert.Contains("ok the backend's load balancer has a healthy target: 2 of 2 target(s) healthy on NodePort 30080", summary);
        Assert.Matches($@"Verify checked \d+ workloads rolled out; all {Exchange.Build.Verification.Checklist.Items.Count} checklist items passed", summary);
        Assert.Matches(@"Backend: http://\S+\.ap-northeast-2\.elb\.amazonaws\.com admits nobody from outside \(no CIDRs configured\)", summary);
        Assert.Contains("kubectl port-forward --namespace exchange-dev svc/future-backend 8080:80", summary);
        Assert.Contains("reach it over the tunnel to the cluster: ./build.sh --target=Tunnel", summary); // the default path: the tunnel

        // The images are really in the registry, and the applied manifests carry exactly those references.
        var images = ImagesFile();
        foreach (var (name, repository) in new[]
                 { (WorkloadImages.MatchingEngine, "exchange/matching-engine-shard"), (WorkloadImages.Backend, "exchange/future-backend") })
        {
            var tag = images[name].GetProperty("Tag").GetString()!;
            Assert.StartsWith("src-", tag);
            Assert.Contains(tag, world.Registry.Tags(repository));
            Assert.Contains($"image: {world.Registry.Host}/{repository}:{tag}", Applied());
        }
        Assert.DoesNotContain("set-by-pipeline", Applied());
        // Values that are not secret reach the cluster through the value table's ConfigMap: the bucket the Storage stack made.
        var artifacts = Environments.Dev.Names.Bucket(EnvironmentNames.ArtifactsPurpose, PipelineRun.Account, PipelineRun.Region);
        var configMap = Exchange.Fakes.State.FakeState.Read(_run.Toolbox.StateDir)
            .KubeObjects[$"exchange-dev/ConfigMap/{EnvironmentConfigMap.Definition.Name}"];
        Assert.Contains($"\"ARTIFACTS_BUCKET\":\"{artifacts}\"", configMap.Json);
        lock (_run.Cloud) Assert.Contains("images.json", _run.Cloud.Buckets[artifacts].Keys); // shared for reruns on other machines
        Assert.DoesNotContain(":latest", Applied());

        // The secrets went through stdin: the fake kubectl saw their values (as hashes) ...
        var secretCall = _run.Calls.Single(c => c.Secrets is { Count: > 0 });
        Assert.NotNull(secretCall.Stdin);
        var db = secretCall.Secrets!.Single(s => s.Name == KubernetesSecrets.Db.Name);
        Assert.Equal(Sha256(_run.DbPassword), db.ValueSha256[KubernetesSecrets.MysqlPassword]);
        Assert.Equal(KubernetesSecrets.Db.Keys.Order(), db.Keys.Order());
        Assert.Equal(["db-credentials", "kafka-credentials", "redis-credentials"], secretCall.Secrets!.Select(s => s.Name).Order());
        // ... and the values appear nowhere else: not in argv, output, or any file the run wrote.
        AssertNowhere(_run.DbPassword, first.Output);
        AssertNowhere(Convert.ToBase64String(Encoding.UTF8.GetBytes(_run.DbPassword)), first.Output);
        AssertNowhere(world.Registry.Password, first.Output);
        // The in-memory docker login this run made (the DOCKER_CONFIG its docker calls used; other test classes log in at
        // the same time, so only this run's own folder says anything) was in /dev/shm and is gone after the push.
        var logins = _run.Toolbox.DockerConfigsUsed();
        Assert.NotEmpty(logins);
        Assert.All(logins, dir => Assert.StartsWith("/dev/shm/exchange-docker-", dir, StringComparison.Ordinal));
        Assert.All(logins, dir => Assert.False(Directory.Exists(dir), $"the temporary docker login {dir} was left behind"));

        var callsBefore = _run.Calls.Count;
        var second = _run.Build("--target=DeployDev", "--skip-verify");
        Assert.True(second.ExitCode == 0, second.ToString());
        // A rerun with nothing to do writes nothing: no upload to the artifacts bucket, no registry login, no docker login;
        // and it asks AWS each thing once (the same stack, image or secret is not described twice).
        var rerun = _run.Calls.Skip(callsBefore).Select(c => c.CommandLine).ToArray();
        Assert.DoesNotContain(rerun, c => c.StartsWith("aws s3api put-object", StringComparison.Ordinal));
        Assert.DoesNotContain(rerun, c => c.StartsWith("aws ecr get-login-password", StringComparison.Ordinal));
        Assert.DoesNotContain(rerun, c => c.StartsWith("docker login", StringComparison.Ordinal));
        var asked = rerun.Where(c => c.StartsWith("aws ", StringComparison.Ordinal)).ToArray();
        var twice = asked.GroupBy(c => c).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        Assert.True(twice.Length == 0, "asked twice: " + string.Join("\n", twice));
        // The budget of a no-op rerun (README, "What a rerun with nothing to do costs"): 12 aws calls with Verify, 11 without its load
        // balancer read; each one only reads (the one tunnel's session is opened and closed); and no cdk deploy: the Redpanda host records
        // that the stacks were last deployed from this assembly.
        Assert.True(asked.Length <= 11, $"{asked.Length} aws calls:\n" + string.Join("\n", asked));
        Assert.All(asked, c => Assert.Matches(@"^aws (--version|\S+ (describe-|get-|list-)|ssm (start|terminate)-session )", c));
        Assert.DoesNotContain(rerun, c => c.StartsWith("cdk deploy", StringComparison.Ordinal));
        Assert.Single(rerun, c => c.StartsWith("aws ssm start-session", StringComparison.Ordinal));
        Assert.Matches(@"Verify +skipped +skipped: --skip-verify", second.Output);
        Assert.Contains("No changes: everything was already up to date.", second.Text);
        Assert.DoesNotContain(_run.Calls.Skip(callsBefore), c => c.CommandLine.StartsWith("aws autoscaling", StringComparison.Ordinal)); // recorded, unchanged
        Assert.Contains("already built", second.Text);
        Assert.Contains("is already in the registry; not pushing it again", second.Text);
        Assert.Contains($"{StackKinds.DeployOrder.Count} stacks, no changes", second.Text);
        Assert.Contains("The stacks were last deployed from this very assembly", second.Text);
        Assert.DoesNotContain("Building matching-engine-shard", second.Output);
        Assert.DoesNotContain("Pushed ", second.Output);
        AssertNowhere(_run.DbPassword, second.Output);
    }

    [Fact]
    public void A_failing_step_stops_the_run_and_an_exclusive_rerun_of_it_succeeds()
    {
        _run.Faults.Deny("secretsmanager:GetSecretValue");
        var failed = _run.Build("--target=DeployDev");

        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains("Error: DeployDev stopped in Secrets:", failed.Text);
        Assert.Contains("aws secretsmanager get-secret-value --secret-id exchange-dev-db-credentials", failed.Text);
        Assert.Contains("What to do:", failed.Text);
        Assert.Contains("secretsmanager:GetSecretValue", failed.Text); // the IAM action, from AWS's AccessDenied
        Assert.DoesNotContain(_run.Calls, c => c.CommandLine.StartsWith("kubectl kustomize", StringComparison.Ordinal)); // ApplyK8s never ran

        _run.Faults.Clear();
        var secrets = _run.Build("--target=Secrets", "--exclusive");
        Assert.True(secrets.ExitCode == 0, secrets.ToString());
        Assert.Contains("secret/db-credentials created", secrets.Text);

        var rest = _run.Build("--target=ApplyK8s", "--exclusive");
        Assert.True(rest.ExitCode == 0, rest.ToString());
        Assert.Contains("statefulset.apps/matching-engine-shard-1 created", rest.Text);
    }

    [Fact]
    public void A_rollout_that_does_not_finish_fails_Verify_with_pods_events_and_logs()
    {
        _run.Deployed();
        _run.Env["FAKE_ROLLOUT_FAIL"] = "matching-engine-shard-2";
        var result = _run.Build("--target=DeployDev", "--verify-timeout=5s");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("statefulset/matching-engine-shard-2 did not roll out within 5s", result.Text);
        Assert.Contains("kubectl get pods --namespace exchange-dev -o wide", result.Text);
        Assert.Contains("kubectl get events --namespace exchange-dev", result.Text);
        Assert.Contains("kubectl logs statefulset/matching-engine-shard-2", result.Text);
        Assert.Contains("--target=Verify --exclusive", result.Text);
    }

    [Fact]
    public void Nothing_is_applied_when_kubectl_points_at_another_cluster()
    {
        _run.Deployed();
        File.WriteAllText(_run.Kubeconfig, File.ReadAllText(_run.Kubeconfig)
            .Replace("current-context: arn:aws:eks:ap-northeast-2:111122223333:cluster/exchange-dev", "current-context: someone-elses-cluster"));
        var appliesBefore = _run.Calls.Count(c => c.CommandLine.StartsWith("kubectl apply", StringComparison.Ordinal));

        var result = _run.Build("--target=ApplyK8s", "--exclusive");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("kubectl's current context is 'someone-elses-cluster', not this environment's cluster", result.Text);
        Assert.Equal(appliesBefore, _run.Calls.Count(c => c.CommandLine.StartsWith("kubectl apply", StringComparison.Ordinal)));
    }

    private Dictionary<string, System.Text.Json.JsonElement> ImagesFile()
    {
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(_run.Artifacts, "images.json")));
        return json.RootElement.GetProperty("Images").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
    }

    private string Applied() => File.ReadAllText(Path.Combine(_run.Artifacts, "applied-manifests.yaml"));

    private void AssertNowhere(string secret, string output)
    {
        Assert.DoesNotContain(secret, output);
        Assert.DoesNotContain(_run.Calls, c => c.Args.Any(a => a.Contains(secret, StringComparison.Ordinal)));
        foreach (var file in _run.FilesWritten())
            Assert.False(File.ReadAllText(file).Contains(secret, StringComparison.Ordinal), $"{file} contains a secret value");
    }

    /// <summary>Session Manager plugin (stand-in) processes of <paramref name="run"/> (its environment names the run's state) still running.</summary>
    public static int[] PluginProcesses(PipelineRun run) => Directory.GetDirectories("/proc").Select(Path.GetFileName)
        .Where(p => p!.All(char.IsAsciiDigit)).Select(p => int.Parse(p!, System.Globalization.CultureInfo.InvariantCulture))
        .Where(pid =>
        {
            try
            {
                return File.ReadAllText($"/proc/{pid}/cmdline").Contains(Exchange.Fakes.SessionManagerPlugin.Name, StringComparison.Ordinal)
                       && File.ReadAllText($"/proc/{pid}/environ").Contains($"FAKE_STATE_DIR={run.Toolbox.StateDir}\0", StringComparison.Ordinal)
                       && !File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2].Equals("Z", StringComparison.Ordinal);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
        }).ToArray();

    private static string Sha256(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    public void Dispose() => _run.Dispose();
}
