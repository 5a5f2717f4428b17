using System.Text.Json;
using Exchange.Build.Pipeline;
using Exchange.Build.Pipeline.Tasks;
using Exchange.Build.Processes;
using Exchange.Build.Settings;
using Exchange.Contracts;

namespace Exchange.Build.Tests;

/// <summary>What a real AWS account would reject, with a scripted AWS: admin principal, leftover log group, image platform, generated names.</summary>
public class DeployPathTests
{
    private const string Account = "111122223333";
    private const string SsoSession = "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_abc123/jane@example.com";
    private const string SsoRole = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/ap-northeast-2/AWSReservedSSO_Admin_abc123";

    private static ProcessResult Ok(object json) => new(0, JsonSerializer.Serialize(json), "", TimeSpan.Zero);
    private static ProcessResult Error(string message) => new(254, "", $"\nAn error occurred ({message})\n", TimeSpan.Zero);
    private static readonly ProcessResult NoStack = Error("ValidationError) when calling the DescribeStacks operation: Stack with id X does not exist");

    private static ProcessResult Identity(string arn) => Ok(new { UserId = "AROA:jane", Account, Arn = arn });

    private static object Stack(string name, params (string Key, string Value)[] outputs) => new
    {
        Stacks = new[] { new { StackName = name, StackStatus = "CREATE_COMPLETE",
            Outputs = outputs.Select(o => new { OutputKey = o.Key, OutputValue = o.Value }) } },
    };

    private static List<string> Lines(RecordingRunner runner) => runner.Calls.Select(c => string.Join(' ', c.Command.Values)).ToList();

    /// <summary>An account with nothing deployed, signed in as <paramref name="caller"/>; <paramref name="more"/> answers first.</summary>
    private static RecordingRunner Account_(string caller, Func<CommandLine, ProcessResult?>? more = null) => new(c => more?.Invoke(c) ??
        (c.Values.ToArray() switch
    {
        ["sts", "get-caller-identity", ..] => Identity(caller),
        ["iam", "get-role", "--role-name", "AWSReservedSSO_Admin_abc123", ..]
            => Ok(new { Role = new { RoleName = "AWSReservedSSO_Admin_abc123", Arn = SsoRole } }),
        ["cloudformation", "describe-stacks", ..] => NoStack,
        _ => Ok(new { }),
    }));

    [Fact]
    public void An_unlisted_SSO_session_is_added_for_the_deploy_with_its_role_ARN_and_path_and_a_warning_saying_how_to_keep_it()
    {
        using var dir = new TempDir();
        var runner = Account_(SsoSession);
        var log = new Logging.MemoryLog();
        var b = Contexts.Logged(runner, log, new() { ["account"] = Account, ["artifacts"] = dir.Path }, tasks: TaskNames.DeployInfra);

        var context = Synth.Context(b);

        Assert.Equal(SsoRole, context[ContextKeys.EksDeployer]);
        var warning = log.Entries.Single(l => l.Message.Contains("not in the cluster access list", StringComparison.Ordinal)).Message;
        Assert.Contains("\"role/aws-reserved/sso.amazonaws.com/ap-northeast-2/AWSReservedSSO_Admin_abc123\" to EksConfig.AdminPrincipals", warning);
    }

    [Fact]
    public void A_listed_role_is_recognised_by_its_name_without_an_iam_lookup_and_gets_no_extra_entry()
    {
        var runner = Account_(SsoSession);
        var viewer = "role/aws-reserved/sso.amazonaws.com/ap-northeast-2/AWSReservedSSO_Admin_abc123";
        using var dir = new TempDir();
        var b = Contexts.Build(runner, new() { ["account"] = Account, ["eks-viewers"] = viewer, ["artifacts"] = dir.Path }, tasks: TaskNames.DeployInfra);

        var context = Synth.Context(b);

        Assert.False(context.ContainsKey(ContextKeys.EksDeployer));
        Assert.Equal(viewer, context[ContextKeys.EksViewers]);
        Assert.DoesNotContain(Lines(runner), c => c.StartsWith("iam get-role", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unlisted_role_that_cannot_be_looked_up_stops_the_run_before_cdk_and_says_to_list_it()
    {
        var runner = Account_(SsoSession, c => c.Values.ToArray() is ["iam", "get-role", ..]
            ? throw new CommandFailedException(c.RenderSafe(), 254,
                "An error occurred (AccessDenied) when calling the GetRole operation: User: " + SsoSession + " is not authorized to perform: iam:GetRole",
                null)
            : null);
        using var dir = new TempDir();
        var b = Contexts.Build(runner, new() { ["account"] = Account, ["artifacts"] = dir.Path }, tasks: TaskNames.DeployInfra);

        var error = Assert.ThrowsAny<Exception>(() => Synth.Context(b));

        Assert.Contains("--eks-admins=role/PATH/AWSReservedSSO_Admin_abc123", error.Message);
        Assert.Contains("EksConfig.AdminPrincipals", error.Message);
        Assert.DoesNotContain(Lines(runner), c => c.StartsWith("synth") || c.StartsWith("deploy"));
    }

    [Theory]
    [InlineData("role/ci,role/aws-reserved/sso.amazonaws.com/ap-northeast-2/AWSReservedSSO_Admin_abc123", true)]
    [InlineData("role/ci", false)]
    public void A_pre_list_clusters_admin_keeps_its_entry_only_while_listed(string admins, bool kept)
    {
        var runner = Account_("arn:aws:sts::111122223333:assumed-role/ci/run-1", c => c.Values.ToArray() switch
        {
            ["cloudformation", "describe-stacks", _, "Exchange-dev-Eks", ..] => Ok(Stack("Exchange-dev-Eks", ("AdminPrincipalArn", SsoRole))),
            _ => null,
        });
        var log = new Logging.MemoryLog();
        using var dir = new TempDir();
        var b = Contexts.Logged(runner, log, new() { ["account"] = Account, ["eks-admins"] = admins, ["artifacts"] = dir.Path }, tasks: TaskNames.DeployInfra);

        var context = Synth.Context(b);

        Assert.Equal(kept ? SsoRole : null, context.GetValueOrDefault(ContextKeys.EksLegacyAdminEntry));
        Assert.Equal(!kept, log.Text.Contains("had cluster-admin from before the access list", StringComparison.Ordinal));
    }

    /// <summary>A scripted account with nothing deployed; cdk deploy writes a complete outputs file.</summary>
    private static readonly EksConfig Eks = Environments.Dev.Of<EksConfig>();

    private static RecordingRunner EmptyAccount(bool eksStackExists, List<string>? logGroups = null, Func<CommandLine, ProcessResult>? deploy = null)
    {
        deploy ??= WriteOutputs;
        logGroups ??= [Environments.Dev.Names.EksClusterLogGroupName];
        return new RecordingRunner(c => c.Values.ToArray() switch
        {
            ["sts", "get-caller-identity", ..] => Identity($"arn:aws:iam::{Account}:user/ci"),
            ["cloudformation", "describe-stacks", _, "Exchange-dev-Eks", ..] when eksStackExists => Ok(Stack("Exchange-dev-Eks")),
            ["cloudformation", "describe-stacks", ..] => NoStack,
            ["eks", "describe-nodegroup", ..] => Ok(new
            {
                nodegroup = new
                {
                    scalingConfig = new { minSize = 1, maxSize = 4, desiredSize = 2 }, version = Eks.KubernetesVersion, releaseVersion = Eks.NodeReleaseVersion,
                    resources = new { autoScalingGroups = new[] { new { name = "eks-nodes-asg" } } },
                },
            }),
            ["autoscaling", "describe-auto-scaling-groups", ..] =>
                Ok(new { AutoScalingGroups = new[] { new { AutoScalingGroupName = "eks-nodes-asg", TargetGroupARNs = Array.Empty<string>() } } }),
            ["eks", "describe-cluster", ..] => Ok(new { cluster = new { version = Eks.KubernetesVersion, status = "ACTIVE" } }),
            ["ec2", "describe-instances", ..] => Ok(new { Reservations = new[] { new { Instances = new[] { new { State = new { Name = "running" } } } } } }),
            ["rds", "describe-db-instances", ..] => Ok(new { DBInstances = new[] { new { DBInstanceStatus = "available" } } }),
            ["logs", "describe-log-groups", _, var prefix, ..] =>
                Ok(new { logGroups = logGroups.Where(g => g.StartsWith(prefix, StringComparison.Ordinal)).Select(g => new { logGroupName = g }) }),
            ["logs", "delete-log-group", _, var name, ..] => Deleted(name),
            ["deploy", ..] => deploy(c),
            // The new Redpanda host, asked for its topics after the deploy: an empty broker that creates what it is asked for.
            ["ssm", "send-command", ..] => Ok(new { Command = new { CommandId = "c-1" } }),
            ["ssm", "get-command-invocation", ..] => Ok(new
            {
                Status = "Success", StandardErrorContent = "",
                StandardOutputContent = string.Concat(Kafka.DeclaredTopics.Of(Environments.Dev).Topics.Select(t => $"created {t.Name} 3 1\n")),
            }),
            _ => Ok(new { }),
        });

        ProcessResult Deleted(string name)
        {
            logGroups.Remove(name);
            return Ok(new { });
        }
    }

    /// <summary>A DeployInfra run whose cloud assembly is already checked (no synth).</summary>
    private static BuildContext Deploying(RecordingRunner runner, TempDir dir, Logging.IBuildLog log)
    {
        var tools = new Dictionary<string,
            string> { ["AWS_PATH"] = "/bin/sh", ["CDK_PATH"] = "/bin/sh", ["DOCKER_PATH"] = "/bin/sh", ["KUBECTL_PATH"] = "/bin/sh" };
        var settings = Contexts.Settings(new() { ["account"] = Account, ["artifacts"] = dir.Path });
        return new BuildContext(settings, log, n => tools.GetValueOrDefault(n), [TaskNames.DeployInfra], runner) { AssemblyChecked = true };
    }

    /// <summary>What every stack outputs, as cdk writes it; <paramref name="value"/> tells one deploy's values from another's.</summary>
    private static string OutputsJson(string value = "value-")
    {
        var names = Environments.Dev.Names;
        return JsonSerializer.Serialize(Outputs.All.GroupBy(o => names.Stack(o.Stack))
            .ToDictionary(g => g.Key, g => g.ToDictionary(o => o.Key, o => value + o.Key)));
    }

    /// <summary>The file a cdk deploy command was told to write its outputs to.</summary>
    private static string OutputsFileOf(CommandLine deploy)
    {
        var args = deploy.Values.ToList();
        return args[args.IndexOf("--outputs-file") + 1];
    }

    /// <summary>What cdk deploy does when it succeeds: it writes every stack's outputs to the file it was given.</summary>
    private static ProcessResult WriteOutputs(CommandLine deploy)
    {
        File.WriteAllText(OutputsFileOf(deploy), OutputsJson());
        return new ProcessResult(0, "", "", TimeSpan.Zero);
    }

    [Fact]
    public void Cdk_writes_its_outputs_beside_the_outputs_file_and_a_successful_deploy_renames_them_into_place()
    {
        using var dir = new TempDir();
        dir.Write("cdk-outputs.json", OutputsJson("old-"));
        string? given = null;
        var runner = EmptyAccount(eksStackExists: true, deploy: c =>
        {
            given = OutputsFileOf(c);
            Assert.False(File.Exists(given), "cdk gets a fresh temporary file");
            Assert.Contains("old-", File.ReadAllText(dir.Combine("cdk-outputs.json"))); // untouched while cdk runs
            return WriteOutputs(c);
        });
        var b = Deploying(runner, dir, new Logging.MemoryLog());

        DeployInfra.Deploy(b);

        Assert.NotNull(given);
        Assert.NotEqual(b.Settings.OutputsFile, given);
        Assert.Equal(Path.GetDirectoryName(b.Settings.OutputsFile), Path.GetDirectoryName(given)); // a rename, not a copy across file systems
        Assert.False(File.Exists(given));
        Assert.Equal(OutputsJson(), File.ReadAllText(b.Settings.OutputsFile));
        Assert.Equal("value-" + Outputs.EksClusterName.Key, b.Outputs[Outputs.EksClusterName]);
        // Nothing half-written is left beside them (DeployInfra also writes the deploy policy and the backend targets' record there, and
        // notes what it shared).
        Assert.Equal(["backend-targets.json", "cdk-outputs.json", "cdk-outputs.json.shared", "deploy-policy.json", "deploy-policy.json.shared"],
            Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    public static TheoryData<string, bool> FailedDeploys => new()
    {
        { "failed", true }, { "failed", false }, { "interrupted", true }, { "interrupted", false },
    };

    [Theory]
    [MemberData(nameof(FailedDeploys))]
    public void A_failed_or_interrupted_deploy_leaves_the_last_complete_outputs_file_or_none(string how, bool deployedBefore)
    {
        using var dir = new TempDir();
        if (deployedBefore) dir.Write("cdk-outputs.json", OutputsJson("old-"));
        var runner = EmptyAccount(eksStackExists: true, deploy: c =>
        {
            var names = Environments.Dev.Names;
            if (how == "failed") // cdk writes the outputs of the stacks that made it, then fails
            {
                File.WriteAllText(OutputsFileOf(c),
                    JsonSerializer.Serialize(new Dictionary<string, object> { [names.Stack(StackKind.Vpc)] = new { VpcId = "vpc-new" } }));
                throw new CommandFailedException(c.RenderSafe(), 1, "Exchange-dev-Eks failed: CREATE_FAILED", null);
            }
            File.WriteAllText(OutputsFileOf(c), "{\"Exchange-dev-Vpc\": {\"VpcId\": \"vp"); // stopped half-way through writing
            throw new RunInterruptedException(c.RenderSafe());
        });
        var b = Deploying(runner, dir, new Logging.MemoryLog());

        var error = Assert.ThrowsAny<Exception>(() => DeployInfra.Deploy(b));

        Assert.IsType(how == "failed" ? typeof(CommandFailedException) : typeof(RunInterruptedException), error);

        if (deployedBefore) Assert.Equal(OutputsJson("old-"), File.ReadAllText(b.Settings.OutputsFile));
        else Assert.False(File.Exists(b.Settings.OutputsFile), "no outputs file beats a partial one: the next step reads CloudFormation");
        Assert.DoesNotContain(Directory.GetFiles(dir.Path), f => f.EndsWith(".tmp", StringComparison.Ordinal));
    }

    [Fact]
    public void A_deploy_that_wrote_no_outputs_leaves_the_outputs_file_as_it_was_and_says_so()
    {
        using var dir = new TempDir();
        dir.Write("cdk-outputs.json", OutputsJson("old-"));
        var runner = EmptyAccount(eksStackExists: true, deploy: _ => new ProcessResult(0, "", "", TimeSpan.Zero));
        var b = Deploying(runner, dir, new Logging.MemoryLog());

        var error = Assert.Throws<FileNotFoundException>(() => DeployInfra.Deploy(b));

        Assert.Contains($"{b.Settings.OutputsFile} was left as it was", error.Message);
        Assert.Equal(OutputsJson("old-"), File.ReadAllText(b.Settings.OutputsFile));
    }

    [Fact]
    public void A_leftover_control_plane_log_group_is_deleted_before_the_first_Eks_deploy_and_the_log_says_so()
    {
        using var dir = new TempDir();
        var runner = EmptyAccount(eksStackExists: false);
        var log = new Logging.MemoryLog();
        var b = Deploying(runner, dir, log);

        DeployInfra.Deploy(b);

        var calls = Lines(runner);
        var deleted = calls.FindIndex(c => c.StartsWith("logs delete-log-group --log-group-name /aws/eks/exchange-dev/cluster ", StringComparison.Ordinal));
        var deployed = calls.FindIndex(c => c.StartsWith("deploy ", StringComparison.Ordinal));
        Assert.InRange(deleted, 0, deployed);
        Assert.Contains(log.Entries, e => e.Message.Contains("/aws/eks/exchange-dev/cluster", StringComparison.Ordinal)
            && e.Message.Contains("left", StringComparison.Ordinal));
    }

    [Fact]
    public void The_control_plane_log_group_of_a_deployed_Eks_stack_is_left_alone()
    {
        using var dir = new TempDir();
        var runner = EmptyAccount(eksStackExists: true);
        var b = Deploying(runner, dir, new Logging.MemoryLog());

        DeployInfra.Deploy(b);

        Assert.DoesNotContain(Lines(runner), c => c.StartsWith("logs delete-log-group", StringComparison.Ordinal));
    }

    [Fact]
    public void Images_are_built_for_the_nodes_platform()
    {
        using var dir = new TempDir();
        var runner = DockerEngineBuildingFor("linux/amd64");
        var b = Contexts.Build(runner, Sources(dir), tasks: TaskNames.BuildImages);

        Pipeline.Tasks.Images.Build(b);

        var builds = Lines(runner).Where(c => c.StartsWith("build ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(ContainerImages.All.Count, builds.Length);
        Assert.All(builds, c => Assert.Contains("--platform linux/amd64", c));
    }

    [Fact]
    public void An_image_that_comes_out_for_another_platform_is_refused_before_it_is_pushed()
    {
        // What the classic builder does with FROM scratch: it accepts --platform and builds for the engine's own CPU.
        using var dir = new TempDir();
        var runner = DockerEngineBuildingFor("linux/arm64");
        var b = Contexts.Build(runner, Sources(dir), tasks: TaskNames.BuildImages);

        var error = Assert.Throws<InvalidOperationException>(() => Pipeline.Tasks.Images.Build(b));

        Assert.Contains("came out linux/arm64, but the nodes (t3.medium, t3a.medium) run linux/amd64", error.Message);
        Assert.Contains("docker-buildx", error.Message);
        Assert.False(File.Exists(Path.Combine(dir.Path, "images.json")));
    }

    private static Dictionary<string, string> Sources(TempDir dir) => new()
    {
        ["artifacts"] = dir.Path,
        ["engine-dir"] = Path.Combine(Contexts.RepoRoot, "tests", "fixtures", "future-engine"),
        ["backend-dir"] = Path.Combine(Contexts.RepoRoot, "tests", "fixtures", "future-backend"),
        ["checker-dir"] = Path.Combine(Contexts.RepoRoot, "tests", "fixtures", "exchange-checker"),
        ["image-tag"] = "t1",
    };

    [Fact]
    public void Pause_scales_the_node_group_by_the_name_in_the_stack_outputs()
    {
        const string generated = "SpotNodegroup-9WZlbLk7Yzz2";
        var runner = new RecordingRunner(c => c.Values.ToArray() switch
        {
            ["cloudformation", "describe-stacks", _, "Exchange-dev-Eks", ..]
                => Ok(Stack("Exchange-dev-Eks", ("NodegroupName", generated), ("ClusterName", "exchange-dev"))),
            ["cloudformation", "describe-stacks", _, var stack, ..] => Ok(Stack(stack)),
            ["eks", "describe-nodegroup", _, _, _, var name, ..] when name == generated =>
                Ok(new { nodegroup = new { scalingConfig = new { minSize = 1, maxSize = 4, desiredSize = 2 } } }),
            ["eks", "describe-nodegroup", ..] =>
                Error("ResourceNotFoundException) when calling the DescribeNodegroup operation: No node group found for name: exchange-dev-spot-nodes."),
            ["rds", "describe-db-instances", ..] => Ok(new { DBInstances = new[] { new { DBInstanceStatus = "stopped" } } }),
            _ => Ok(new { }),
        });
        using var dir = new TempDir();
        var b = Contexts.Build(runner, new() { ["account"] = Account, ["wait-timeout"] = "1s", ["artifacts"] = dir.Path }, tasks: TaskNames.Pause);

        _ = Assert.ThrowsAny<Exception>(() => PauseResume.Pause(b)); // the scripted node group never reaches 0: only the call matters

        Assert.Contains(Lines(runner), c
            => c.StartsWith($"eks update-nodegroup-config --cluster-name exchange-dev --nodegroup-name {generated} ", StringComparison.Ordinal));
    }

    /// <summary>A Docker engine whose builds come out for <paramref name="platform"/>, whatever --platform asked.</summary>
    private static RecordingRunner DockerEngineBuildingFor(string platform)
    {
        var built = new HashSet<string>();
        return new RecordingRunner(c => c.Values.ToArray() switch
        {
            ["image", "inspect", .., var reference] => built.Contains(reference)
                ? new ProcessResult(0, platform + "\n", "", TimeSpan.Zero) : new ProcessResult(1, "", "No such image", TimeSpan.Zero),
            ["build", .. var args] => Built(args[Array.IndexOf(args, "--tag") + 1]),
            _ => new ProcessResult(0, "", "", TimeSpan.Zero),
        });
        ProcessResult Built(string reference)
        {
            built.Add(reference);
            return new ProcessResult(0, "", "", TimeSpan.Zero);
        }
    }
}
