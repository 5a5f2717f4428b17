using Exchange.Build.Processes;
using Exchange.Build.Tools;

namespace Exchange.Build.Tests;

/// <summary>The exact command lines each wrapper builds (the contract with the real CLIs).</summary>
public class WrapperCommandTests
{
    // The public endpoint's path: cluster commands carry no tunnel (ClusterTunnelTests cover the tunnel's arguments).
    private readonly BuildContext _b = Contexts.Build(new RecordingRunner(), new() { ["eks-public-cidrs"] = "203.0.113.0/24" });

    [Fact]
    public void Emptying_a_bucket_lists_it_and_deletes_its_keys_in_batches_of_a_thousand()
    {
        var keys = Enumerable.Range(0, 1001).Select(i => $"flow/{i}.log.gz").ToArray();
        var listing = System.Text.Json.JsonSerializer.Serialize(new { Contents = keys.Select(k => new { Key = k }) });
        var runner = new RecordingRunner(c => new ProcessResult(0, c.Values.Contains("list-objects-v2") ? listing : "{}", "", TimeSpan.Zero));
        var b = Contexts.Build(runner);

        Assert.Equal(1001, b.Aws.EmptyBucket("exchange-dev-logs-111122223333-ap-northeast-2"));

        Assert.Equal("aws s3api list-objects-v2 --bucket exchange-dev-logs-111122223333-ap-northeast-2 --region ap-northeast-2 --output json",
            runner.Calls[0].Command.RenderSafe());
        var deletes = runner.Calls.Skip(1).Select(c => c.Command).ToArray();
        Assert.Equal(2, deletes.Length);
        Assert.All(deletes, d
            => Assert.Equal(["s3api", "delete-objects", "--bucket", "exchange-dev-logs-111122223333-ap-northeast-2", "--delete"], d.Values.Take(5)));
        Assert.Contains("{\"Key\":\"flow/999.log.gz\"}],\"Quiet\":true}", deletes[0].Values.ElementAt(5));
        Assert.Equal("""{"Objects":[{"Key":"flow/1000.log.gz"}],"Quiet":true}""", deletes[1].Values.ElementAt(5));
    }

    [Fact]
    public void A_bucket_that_is_gone_is_empty_and_a_refused_delete_fails_with_what_to_do()
    {
        var gone = Contexts.Build(new RecordingRunner(_ => new ProcessResult(254, "",
            "An error occurred (NoSuchBucket) when calling the ListObjectsV2 operation: The specified bucket does not exist", TimeSpan.Zero)));
        Assert.Equal(0, gone.Aws.EmptyBucket("b"));

        var refused = Contexts.Build(new RecordingRunner(c => new ProcessResult(0, c.Values.Contains("list-objects-v2")
            ? """{"Contents":[{"Key":"k"}]}""" : """{"Errors":[{"Key":"k","Code":"AccessDenied","Message":"Access Denied"}]}""", "", TimeSpan.Zero)));
        Assert.Contains("s3:DeleteObject", Assert.Throws<InvalidOperationException>(() => refused.Aws.EmptyBucket("b")).Message);
    }

    [Fact]
    public void Every_aws_call_names_the_region_and_asks_for_json()
    {
        Assert.Equal("aws sts get-caller-identity --region ap-northeast-2 --output json", _b.Aws.CallerIdentityCommand().RenderSafe());
        Assert.Equal("aws cloudformation describe-stacks --stack-name Exchange-dev-Rds --region ap-northeast-2 --output json",
            _b.Aws.DescribeStackCommand("Exchange-dev-Rds").RenderSafe());
        Assert.Equal("aws secretsmanager get-secret-value --secret-id exchange-dev-db-credentials --region ap-northeast-2 --output json",
            _b.Aws.GetSecretValueCommand("exchange-dev-db-credentials").RenderSafe());
        Assert.Equal("aws eks update-kubeconfig --name exchange-dev --region ap-northeast-2", _b.Aws.UpdateKubeconfigCommand("exchange-dev").RenderSafe());
        Assert.Equal("aws ecr get-login-password --region ap-northeast-2", _b.Aws.EcrLoginPasswordCommand().RenderSafe());
        Assert.Equal("aws ecr describe-images --repository-name exchange/future-backend --image-ids imageTag=git-abc --region ap-northeast-2 --output json",
            _b.Aws.DescribeImageCommand("exchange/future-backend", "git-abc").RenderSafe());
        Assert.Equal("aws eks update-nodegroup-config --cluster-name exchange-dev --nodegroup-name exchange-dev-spot-nodes " +
                     "--scaling-config minSize=0,maxSize=4,desiredSize=0 --region ap-northeast-2 --output json",
            _b.Aws.UpdateNodegroupScalingCommand("exchange-dev", "exchange-dev-spot-nodes", new Aws.NodegroupScaling(0, 4, 0)).RenderSafe());
        Assert.Equal("aws ssm send-command --instance-ids i-1 --document-name AWS-RunShellScript --comment 'exchange-build status' " +
                     "--parameters '{\"commands\":[\"rpk topic list\"]}' --region ap-northeast-2 --output json",
            _b.Aws.SendShellCommand("i-1", "rpk topic list").RenderSafe());
    }

    [Fact]
    public void Cdk_deploy_is_non_interactive_writes_outputs_and_deploys_the_synthesized_assembly()
    {
        var command = _b.Cdk.DeployCommand("/a/cdk.out", "/a/outputs.json", 4, ci: true);

        Assert.Equal("cdk deploy --app /a/cdk.out --all --require-approval never --outputs-file /a/outputs.json " +
                     "--concurrency 4 --progress events --no-notices --ci", command.RenderSafe());
    }

    [Fact]
    public void Cdk_synth_passes_each_context_value()
    {
        var command = _b.Cdk.SynthCommand("/out", new SortedDictionary<string, string> { ["account"] = "111122223333", ["env"] = "dev" });

        Assert.Equal("cdk synth --output /out --quiet --no-notices -c account=111122223333 -c env=dev", command.RenderSafe());
    }

    [Fact]
    public void Cdk_destroy_is_forced_per_stack()
    {
        Assert.Equal("cdk destroy --app /a Exchange-dev-Eks --force --no-notices", _b.Cdk.DestroyCommand("/a", "Exchange-dev-Eks").RenderSafe());
    }

    [Fact]
    public void Docker_login_reads_the_password_from_stdin_never_from_argv()
    {
        var command = _b.Docker.LoginCommand("111122223333.dkr.ecr.ap-northeast-2.amazonaws.com");

        Assert.Equal("docker login --username AWS --password-stdin 111122223333.dkr.ecr.ap-northeast-2.amazonaws.com", command.RenderSafe());
        Assert.DoesNotContain(command.Arguments, a => a.Value == "--password" || a.IsSecret);
    }

    [Fact]
    public void Docker_build_names_the_platform_dockerfile_tag_and_labels()
    {
        var command = _b.Docker.BuildCommand("/src/engine", "/src/engine/Dockerfile.shard", "matching-engine-shard:git-abc", "linux/arm64",
            new Dictionary<string, string> { ["org.opencontainers.image.version"] = "git-abc" });

        Assert.Equal("docker build --platform linux/arm64 --file /src/engine/Dockerfile.shard --tag matching-engine-shard:git-abc " +
                     "--label org.opencontainers.image.version=git-abc /src/engine", command.RenderSafe());
    }

    [Fact]
    public void Kubectl_cluster_calls_name_the_context_and_apply_reads_stdin()
    {
        const string context = "arn:aws:eks:ap-northeast-2:111122223333:cluster/exchange-dev";

        Assert.Equal($"kubectl apply -f - --context {context}", _b.Kubectl.ApplyCommand(context).RenderSafe());
        Assert.Equal($"kubectl rollout status statefulset/shard-1 --namespace exchange-dev --timeout=90s --context {context}",
            _b.Kubectl.RolloutStatusCommand(context, "statefulset/shard-1", "exchange-dev", TimeSpan.FromSeconds(90)).RenderSafe());
    }

    [Fact]
    public void A_cluster_call_is_refused_when_kubectl_points_at_another_cluster()
    {
        var runner = new RecordingRunner(c => new ProcessResult(0, "arn:aws:eks:us-east-1:999:cluster/prod\n", "", TimeSpan.Zero));
        var b = Contexts.Build(runner);
        const string expected = "arn:aws:eks:ap-northeast-2:111122223333:cluster/exchange-dev";

        var error = Assert.Throws<WrongKubeContextException>(() => b.Kubectl.Run(expected, b.Kubectl.ApplyCommand(expected)));

        Assert.Contains("cluster/prod", error.Message);
        Assert.Contains("--target=Kubeconfig", error.Message);
        Assert.Single(runner.Calls); // only the context check ran: no tunnel was opened for a command that cannot run
        Assert.Equal(["config", "current-context"], runner.Calls[0].Command.Values);
    }

    [Fact]
    public void The_push_digest_is_read_from_docker_push_output()
    {
        const string output = "The push refers to repository [x/y]\nabc: Pushed\ngit-1: digest: sha256:" +
                              "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef size: 527\n";

        Assert.Equal("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", DockerCli.DigestFromPushOutput(output));
        Assert.Null(DockerCli.DigestFromPushOutput("no digest here"));
    }
}
