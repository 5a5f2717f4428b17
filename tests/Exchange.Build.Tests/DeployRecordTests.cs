using System.Text.Json;
using Exchange.Build.Operations;
using Exchange.Build.Pipeline;
using Exchange.Build.Pipeline.Tasks;
using Exchange.Build.Processes;
using Exchange.Contracts;

namespace Exchange.Build.Tests;

/// <summary>
/// What a rerun with nothing to do does not ask or run: cdk deploy when the Redpanda host records this very assembly (and what makes that
/// record stop matching), the toolkit check, and update-kubeconfig when the kubeconfig already points at the cluster.
/// </summary>
public sealed class DeployRecordTests : IDisposable
{
    private const string Account = "111122223333";
    private const string Instance = "i-0kafka0000000001";
    private const string Endpoint = "https://0123456789ABCDEF.gr7.ap-northeast-2.eks.amazonaws.com";
    private static readonly EnvironmentNames Names = Environments.Dev.Names;
    private static readonly EksConfig Eks = Environments.Dev.Of<EksConfig>();
    private readonly TempDir _dir = new();
    /// <summary>The record on the Redpanda host (the tag's value), or null without one.</summary>
    private string? _record;
    private Func<CommandLine, ProcessResult>? _deploy;
    /// <summary>What <c>kubectl config view --minify -o json</c> answers (null: no current context).</summary>
    private string? _kubeconfig;

    private static ProcessResult Ok(object json) => new(0, JsonSerializer.Serialize(json), "", TimeSpan.Zero);

    private static string Output(StackOutput o) =>
        o == Outputs.KafkaInstanceId ? Instance : o == Outputs.BackendTargetGroupArn ? BackendAccess.NoLoadBalancer
        : o == Outputs.EksClusterEndpoint ? Endpoint : o == Outputs.EksClusterName ? Names.ClusterName
        : o == Outputs.EksClusterArn ? $"arn:aws:eks:ap-northeast-2:{Account}:cluster/{Names.ClusterName}" : "value-" + o.Key;

    private static string OutputsJson() => JsonSerializer.Serialize(Outputs.All.GroupBy(o => Names.Stack(o.Stack))
        .ToDictionary(g => g.Key, g => g.ToDictionary(o => o.Key, Output)));

    /// <summary>A deployed environment: every stack, the broker with the declared topics and (maybe) the record, the cluster running.</summary>
    private RecordingRunner World() => new(c => c.Values.ToArray() switch
    {
        ["sts", "get-caller-identity", ..] => Ok(new { UserId = "AIDA", Account, Arn = $"arn:aws:iam::{Account}:user/ci" }),
        ["ec2", "describe-instances", ..] => Ok(new
        {
            Reservations = new[]
            {
                new
                {
                    Instances = new[]
                    {
                        new
                        {
                            InstanceId = Instance, State = new { Name = "running" },
                            Tags = new[] { new { Key = Kafka.TopicScript.AppliedTag, Value = Kafka.DeclaredTopics.Of(Environments.Dev).Digest } }
                                .Concat(_record is null ? [] : [new { Key = DeployedAssembly.TagKey, Value = _record }]),
                        },
                    },
                },
            },
        }),
        ["ec2", "create-tags", "--resources", Instance, "--tags", var tag, ..] => Tagged(tag),
        ["eks", "describe-nodegroup", ..] => Ok(new
        {
            nodegroup = new
            {
                scalingConfig = new { minSize = 1, maxSize = 4, desiredSize = 2 }, version = Eks.KubernetesVersion, releaseVersion = Eks.NodeReleaseVersion,
            },
        }),
        ["eks", "describe-cluster", ..] => Ok(new { cluster = new { version = Eks.KubernetesVersion, status = "ACTIVE" } }),
        ["rds", "describe-db-instances", ..] => Ok(new { DBInstances = new[] { new { DBInstanceStatus = "available" } } }),
        ["cloudformation", "describe-stacks", _, var stack, ..] => Ok(new { Stacks = new[] { new { StackName = stack, StackStatus = "UPDATE_COMPLETE" } } }),
        ["deploy", ..] => _deploy?.Invoke(c) ?? WriteOutputs(c),
        ["config", "view", ..] => _kubeconfig is null
            ? new ProcessResult(1, "", "error: current-context must exist in order to minify", TimeSpan.Zero)
            : new ProcessResult(0, _kubeconfig, "", TimeSpan.Zero),
        ["config", "current-context"] => new ProcessResult(0, Output(Outputs.EksClusterArn), "", TimeSpan.Zero),
        ["eks", "update-kubeconfig", ..] => new ProcessResult(0, "Updated context x in /home/.kube/config", "", TimeSpan.Zero),
        _ => Ok(new { }),
    });

    private ProcessResult Tagged(string tag)
    {
        if (tag.StartsWith($"Key={DeployedAssembly.TagKey},Value=", StringComparison.Ordinal)) _record = tag.Split("Value=")[1];
        return Ok(new { });
    }

    private static ProcessResult WriteOutputs(CommandLine deploy)
    {
        var args = deploy.Values.ToList();
        File.WriteAllText(args[args.IndexOf("--outputs-file") + 1], OutputsJson());
        return new ProcessResult(0, "Exchange-dev-Eks (no changes)", "", TimeSpan.Zero);
    }

    private BuildContext Run(RecordingRunner runner, Dictionary<string, string>? arguments = null, params string[] tasks)
    {
        _dir.Write("cdk-outputs.json", OutputsJson());
        var args = new Dictionary<string, string>(arguments ?? []) { ["account"] = Account, ["artifacts"] = _dir.Path };
        var b = Contexts.Build(runner, args, tasks: tasks.Length == 0 ? [TaskNames.DeployInfra] : tasks);
        b.AssemblyChecked = true;
        return b;
    }

    private static List<string> Lines(RecordingRunner runner) => runner.Calls.Select(c => string.Join(' ', c.Command.Values)).ToList();

    private static int Index(List<string> calls, string prefix) => calls.FindIndex(c => c.StartsWith(prefix, StringComparison.Ordinal));

    [Fact]
    public void A_rerun_from_the_assembly_the_Redpanda_host_records_runs_no_cdk_deploy_asks_nothing_a_deploy_needs_and_writes_nothing()
    {
        var runner = World();
        var b = Run(runner);
        _record = b.Deployed.Fingerprint;

        DeployInfra.Deploy(b);

        var calls = Lines(runner);
        Assert.DoesNotContain(calls, c => c.StartsWith("deploy", StringComparison.Ordinal));
        // Only a deploy can move a version, or create the Rds stack's secret or the Eks stack's log group.
        Assert.DoesNotContain(calls, c => c.StartsWith("eks describe-cluster", StringComparison.Ordinal));
        Assert.DoesNotContain(calls, c => c.StartsWith("secretsmanager describe-secret", StringComparison.Ordinal));
        Assert.DoesNotContain(calls, c => c.StartsWith("logs ", StringComparison.Ordinal));
        Assert.DoesNotContain(calls, c => c.StartsWith("ec2 create-tags", StringComparison.Ordinal));
        Assert.Equal(b.Deployed.Fingerprint, _record);
        Assert.Contains(b.Report.Results, s => s.Detail.Contains("no cdk deploy", StringComparison.Ordinal));
    }

    [Fact]
    public void The_record_is_of_the_assembly_itself_so_a_changed_template_is_deployed_and_Synths_stamp_is_no_part_of_it()
    {
        _dir.Write("cdk.out/Exchange-dev-Kafka.template.json", "{\"Resources\":{}}");
        _dir.Write($"cdk.out/{Synth.FingerprintFile}", "one");
        var recorded = Run(World()).Deployed.Fingerprint;
        _dir.Write($"cdk.out/{Synth.FingerprintFile}", "another");
        Assert.Equal(recorded, Run(World()).Deployed.Fingerprint);
        _record = recorded;
        Assert.True(Run(World()).Deployed.IsCurrent);

        _dir.Write("cdk.out/Exchange-dev-Kafka.template.json", "{\"Resources\":{\"Topic\":{}}}");

        Assert.False(Run(World()).Deployed.IsCurrent);
    }

    [Fact]
    public void Force_deploy_runs_cdk_deploy_although_the_record_matches_marking_it_changing_first_and_recording_it_again_after()
    {
        var runner = World();
        var b = Run(runner, new() { ["force-deploy"] = "true" });
        _record = b.Deployed.Fingerprint;

        DeployInfra.Deploy(b);

        var calls = Lines(runner);
        var changing = Index(calls, $"ec2 create-tags --resources {Instance} --tags Key={DeployedAssembly.TagKey},Value={DeployedAssembly.Changing}");
        var deployed = Index(calls, "deploy ");
        var recorded = Index(calls, $"ec2 create-tags --resources {Instance} --tags Key={DeployedAssembly.TagKey},Value={b.Deployed.Fingerprint}");
        Assert.True(changing >= 0 && changing < deployed && deployed < recorded, string.Join("\n", calls));
        Assert.Equal(b.Deployed.Fingerprint, _record);
    }

    [Fact]
    public void Another_assembly_on_record_is_deployed_and_a_deploy_that_fails_leaves_a_record_no_run_matches()
    {
        _record = "0123456789abcdef-another-machines-sources";
        var runner = World();
        _deploy = c => throw new CommandFailedException(c.RenderSafe(), 1, "Exchange-dev-Eks failed: UPDATE_ROLLBACK_COMPLETE", null);
        var failed = Run(runner);

        Assert.Throws<CommandFailedException>(() => DeployInfra.Deploy(failed));

        Assert.Equal(DeployedAssembly.Changing, _record);
        _deploy = null;
        var next = Run(World());
        Assert.False(next.Deployed.IsCurrent);
        DeployInfra.Deploy(next);
        Assert.Equal(next.Deployed.Fingerprint, _record);
    }

    [Fact]
    public void Any_other_cdk_deploy_or_destroy_invalidates_the_record_before_it_runs_and_diff_or_synth_do_not()
    {
        var runner = World();
        var b = Run(runner, tasks: [TaskNames.Pause]);
        _record = b.Deployed.Fingerprint;

        b.Cdk.Run(b.Cdk.DiffCommand("cdk.out"), Contexts.RepoRoot);
        Assert.Equal(b.Deployed.Fingerprint, _record);
        b.Cdk.Run(b.Cdk.DestroyCommand("cdk.out", Names.Stack(StackKind.Eks)), Contexts.RepoRoot);

        var calls = Lines(runner);
        Assert.Equal(DeployedAssembly.Changing, _record);
        Assert.True(Index(calls, "ec2 create-tags") < Index(calls, "destroy "), string.Join("\n", calls));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Bootstrap_checks_the_toolkit_only_when_DeployInfra_will_run_cdk_deploy(bool recorded)
    {
        var runner = World();
        var b = Run(runner, tasks: [TaskNames.Bootstrap, TaskNames.Synth, TaskNames.DeployInfra]);
        _record = recorded ? b.Deployed.Fingerprint : null;

        DeployInfra.Bootstrap(b);

        Assert.Equal(!recorded, Lines(runner).Any(c => c.StartsWith($"cloudformation describe-stacks --stack-name {DeployInfra.ToolkitStack}",
            StringComparison.Ordinal)));
    }

    private static string Kubeconfig(string server, string? profile = null) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["current-context"] = Output(Outputs.EksClusterArn),
        ["clusters"] = new[]
        {
            new { name = "c", cluster = new Dictionary<string, string> { ["server"] = server, ["certificate-authority-data"] = "DATA+OMITTED" } },
        },
        ["users"] = new[]
        {
            new
            {
                name = "u",
                user = new
                {
                    exec = new
                    {
                        command = "aws",
                        args = new[] { "--region", "ap-northeast-2", "eks", "get-token", "--cluster-name", Names.ClusterName, "--output", "json" },
                        env = profile is null ? null : new[] { new { name = "AWS_PROFILE", value = profile } },
                    },
                },
            },
        },
    });

    [Theory]
    [InlineData(Endpoint, null, false)]
    [InlineData("https://FEDCBA9876543210.gr7.ap-northeast-2.eks.amazonaws.com", null, true)] // a recreated cluster's entry
    [InlineData(Endpoint, "someone-else", true)] // the token would be asked under another profile
    public void Kubeconfig_runs_update_kubeconfig_only_when_the_current_context_is_not_what_it_would_write(string server, string? profile, bool runs)
    {
        _kubeconfig = Kubeconfig(server, profile);
        var runner = World();
        var b = Run(runner, tasks: [TaskNames.Kubeconfig]);

        DeployInfra.Kubeconfig(b);

        Assert.Equal(runs, Lines(runner).Any(c => c.StartsWith("eks update-kubeconfig", StringComparison.Ordinal)));
        Assert.Equal(StepOutcome.Unchanged, b.Report.Results.Single(s => s.Task == TaskNames.Kubeconfig).Outcome); // the same context either way
    }

    [Fact]
    public void After_a_cdk_deploy_in_the_same_run_Kubeconfig_writes_the_entry_anew_as_the_cluster_may_have_been_made_again()
    {
        _kubeconfig = Kubeconfig(Endpoint);
        var runner = World();
        var b = Run(runner, tasks: [TaskNames.Resume]);

        b.Cdk.Run(b.Cdk.DeployCommand("cdk.out", _dir.Combine("eks-outputs.json"), 1, false, Names.Stack(StackKind.Eks)), Contexts.RepoRoot);
        DeployInfra.Kubeconfig(b);

        Assert.Contains(Lines(runner), c => c.StartsWith("eks update-kubeconfig", StringComparison.Ordinal));
    }

    public void Dispose() => _dir.Dispose();
}
