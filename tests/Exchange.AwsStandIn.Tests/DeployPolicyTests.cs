using System.Text.Json.Nodes;
using Exchange.Build.Aws;
using Exchange.Build.Processes;
using Exchange.Build.Tools;
using Exchange.Contracts;

namespace Exchange.AwsStandIn.Tests;

/// <summary>
/// The deploy role's generated policy (<see cref="DeployPolicy"/>, what `--target=Permissions` writes) against the ARNs the
/// stand-in authorizes requests against: every aws call the pipeline makes, built by the pipeline's own command builders and
/// run by the real aws CLI, passes for this environment's resources, and the same calls on another environment's are refused.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DeployPolicyTests : IDisposable
{
    private const string Region = "ap-northeast-2";
    private static readonly EnvironmentNames Dev = Environments.Dev.Names;
    private readonly World _world = new();

    public DeployPolicyTests()
    {
        _world.Write("plugin/session-manager-plugin", "#!/bin/sh\n[ \"$1\" = --version ] && echo 1.2.707.0\nexit 0\n");
        File.SetUnixFileMode(Path.Combine(_world.Root, "plugin", "session-manager-plugin"), UnixFileMode.UserRead | UnixFileMode.UserExecute);
        _world.Env["PATH"] = Path.Combine(_world.Root, "plugin") + ":" + Environment.GetEnvironmentVariable("PATH");
    }

    private static string Policy => DeployPolicy.Render(new IamScope(World.Account, Region, Dev));

    /// <summary>The pipeline's aws wrapper; only its command builders are used (the test runs the commands itself).</summary>
    private static readonly AwsCli Cli = new(new NotRun(), new ToolResolver(Environment.GetEnvironmentVariable, World.RepoRoot, () => null),
        new Exchange.Build.Logging.Redactor(), Region);

    private sealed class NotRun : IProcessRunner
    {
        public ProcessResult Run(CommandLine command, ProcessOptions? options = null) => throw new InvalidOperationException("the test runs the commands");
    }

    private static string Key(CommandLine command) => $"aws {command.Values.ElementAt(0)} {command.Values.ElementAt(1)}";

    private CliResult Run(CommandLine command) => _world.Aws([.. command.Values]);

    private static bool Refused(CliResult result) =>
        result.Stderr.Contains("(AccessDenied", StringComparison.Ordinal) || result.Stderr.Contains("(UnauthorizedOperation)", StringComparison.Ordinal);

    /// <summary>What the registered stacks create that the pipeline calls by name, in one stack named as the environment's Eks stack.</summary>
    private void DeployEnvironment()
    {
        var template = new JsonObject
        {
            ["Resources"] = new JsonObject
            {
                ["Cluster"] = Resource("AWS::EKS::Cluster", new() { ["Name"] = Dev.ClusterName, ["RoleArn"] = $"arn:aws:iam::{World.Account}:role/eks" }),
                ["Artifacts"] = Resource("AWS::S3::Bucket", new() { ["BucketName"] = Artifacts(Dev) }),
                ["Nodes"] = Resource("AWS::EKS::Nodegroup", new()
                {
                    ["ClusterName"] = Dev.ClusterName, ["ScalingConfig"] = new JsonObject { ["MinSize"] = 1, ["MaxSize"] = 4, ["DesiredSize"] = 2 },
                }),
                ["Proxy"] = Resource("AWS::EKS::Addon", new() { ["ClusterName"] = Dev.ClusterName, ["AddonName"] = "kube-proxy" }),
                ["ControlPlaneLogs"] = Resource("AWS::Logs::LogGroup", new() { ["LogGroupName"] = Dev.EksClusterLogGroupName }),
                ["BackendTargets"] = Resource("AWS::ElasticLoadBalancingV2::TargetGroup", new()
                {
                    ["Port"] = BackendAccess.NodePort, ["Protocol"] = "HTTP", ["TargetType"] = "instance", ["VpcId"] = "vpc-0123",
                }),
                ["BackendBalancer"] = Resource("AWS::ElasticLoadBalancingV2::LoadBalancer", new()
                {
                    ["Type"] = "application", ["Scheme"] = "internet-facing", ["Subnets"] = new JsonArray("subnet-1", "subnet-2"),
                }),
                ["BackendListener"] = Resource("AWS::ElasticLoadBalancingV2::Listener", new()
                {
                    ["LoadBalancerArn"] = new JsonObject { ["Ref"] = "BackendBalancer" }, ["Port"] = BackendAccess.ListenerPort, ["Protocol"] = "HTTP",
                    ["DefaultActions"] = new JsonArray(new JsonObject
                    {
                        ["Type"] = "forward", ["TargetGroupArn"] = new JsonObject { ["Ref"] = "BackendTargets" },
                    }),
                }),
                ["Engine"] = Resource("AWS::ECR::Repository", new() { ["RepositoryName"] = Dev.MatchingEngineRepository }),
                ["Backend"] = Resource("AWS::ECR::Repository", new() { ["RepositoryName"] = Dev.BackendRepository }),
                ["DbSecret"] = Resource("AWS::SecretsManager::Secret", new()
                {
                    ["Name"] = Dev.DbSecretName,
                    ["GenerateSecretString"] = new JsonObject { ["SecretStringTemplate"] = """{"username":"admin"}""", ["GenerateStringKey"] = "password" },
                }),
                ["Db"] = Resource("AWS::RDS::DBInstance", new()
                {
                    ["DBInstanceIdentifier"] = Dev.DbInstanceIdentifier, ["Engine"] = "mysql", ["DBInstanceClass"] = "db.t4g.micro",
                }),
                ["Kafka"] = Resource("AWS::EC2::Instance", new() { ["InstanceType"] = "t3.small", ["ImageId"] = "ami-0123456789abcdef0" }),
                ["SleepNodesDeadLetters"] = Resource("AWS::SQS::Queue", new() { ["QueueName"] = Dev.SleepDeadLetterQueueName(SleepTarget.Nodes) }),
                // The tunnel's jump instance: its role has the SSM policy, so its agent is online.
                ["Jump"] = Resource("AWS::EC2::Instance", new()
                {
                    ["InstanceType"] = "t4g.nano", ["IamInstanceProfile"] = new JsonObject { ["Ref"] = "JumpProfile" },
                }),
                ["JumpRole"] = Resource("AWS::IAM::Role", new()
                {
                    ["AssumeRolePolicyDocument"] = new JsonObject(),
                    ["ManagedPolicyArns"] = new JsonArray("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"),
                }),
                ["JumpProfile"] = Resource("AWS::IAM::InstanceProfile", new() { ["Roles"] = new JsonArray(new JsonObject { ["Ref"] = "JumpRole" }) }),
                ["Admin"] = Resource("AWS::EKS::AccessEntry", new()
                {
                    ["ClusterName"] = new JsonObject { ["Ref"] = "Cluster" },
                    ["PrincipalArn"] = (string)_world.Cloud.WithDefaultCaller().Roles[Cloud.SsoRole]["Arn"]!,
                    ["AccessPolicies"] = new JsonArray(new JsonObject
                    {
                        ["PolicyArn"] = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                        ["AccessScope"] = new JsonObject { ["Type"] = "cluster" },
                    }),
                }),
                // A sleep schedule as SleepAction declares it, with its role (named by CloudFormation after the stack).
                ["SleepNodesRole"] = Resource("AWS::IAM::Role", new() { ["AssumeRolePolicyDocument"] = new JsonObject() }),
                ["SleepNodes"] = Resource("AWS::Scheduler::Schedule", new()
                {
                    ["Name"] = Dev.SleepScheduleName(SleepTarget.Nodes), ["ScheduleExpression"] = "cron(0 20 ? * MON-FRI *)",
                    ["ScheduleExpressionTimezone"] = "Asia/Seoul",
                    ["FlexibleTimeWindow"] = new JsonObject { ["Mode"] = "OFF" }, ["State"] = "ENABLED",
                    ["Target"] = new JsonObject
                    {
                        ["Arn"] = "arn:aws:scheduler:::aws-sdk:eks:updateNodegroupConfig",
                        ["RoleArn"] = new JsonObject { ["Fn::GetAtt"] = new JsonArray("SleepNodesRole", "Arn") },
                        ["Input"] = "{}", ["RetryPolicy"] = new JsonObject { ["MaximumRetryAttempts"] = 0 },
                    },
                }),
            },
        };
        var deployed = _world.Aws("cloudformation", "deploy", "--template-file", _world.Write("env.json", template.ToJsonString()),
            "--stack-name", Dev.Stack(StackKind.Eks));
        Assert.True(deployed.ExitCode == 0, deployed.ToString());

        static JsonObject Resource(string type, JsonObject properties) => new() { ["Type"] = type, ["Properties"] = properties };
    }

    /// <summary>Every aws call the pipeline makes, as its wrappers build them, on <paramref name="n"/>'s resources.</summary>
    private IEnumerable<Func<CommandLine>> Calls(EnvironmentNames n)
    {
        var nodegroup = _world.Cloud.Nodegroups.Values.FirstOrDefault()?["nodegroupName"]?.GetValue<string>() ?? "nodes-0123456789ab";
        var instance = _world.Cloud.Instances.Keys.FirstOrDefault() ?? "i-0123456789abcdef0";
        var jump = _world.Cloud.Instances.FirstOrDefault(i => i.Value["IamInstanceProfile"] is not null).Key ?? "i-0123456789abcdef1";
        var principal = (string)_world.Cloud.Roles[Cloud.SsoRole]["Arn"]!;
        yield return Cli.CallerIdentityCommand;
        yield return () => Cli.GetRoleCommand(Cloud.SsoRole);
        yield return () => Cli.DescribeStackCommand(n.Stack(StackKind.Eks));
        yield return Cli.EcrLoginPasswordCommand;
        yield return () => Cli.DescribeRepositoryCommand(n.BackendRepository);
        yield return () => Cli.DescribeImageCommand(n.MatchingEngineRepository, "git-0123456");
        yield return () => Cli.DescribeSecretCommand(n.DbSecretName);
        yield return () => Cli.GetSecretValueCommand(n.DbSecretName);
        yield return () => Cli.UpdateKubeconfigCommand(n.ClusterName);
        yield return () => Cli.DescribeNodegroupCommand(n.ClusterName, nodegroup);
        // Upgrade: versions, add-ons and their updates, the recommended node AMI, the staged change set and its events.
        yield return () => Cli.DescribeClusterCommand(n.ClusterName);
        yield return () => Cli.DescribeAddonCommand(n.ClusterName, "kube-proxy");
        yield return () => Cli.DescribeAddonVersionsCommand("kube-proxy", "1.36");
        yield return () => Cli.UpdateAddonCommand(n.ClusterName, "kube-proxy", "v1.35.0-eksbuild.2");
        yield return () => Cli.DescribeAddonUpdateCommand(n.ClusterName, "kube-proxy",
            _world.Cloud.Updates.Keys.LastOrDefault()?.Split('/')[1] ?? Guid.NewGuid().ToString());
        yield return () => Cli.RecommendedReleaseCommand("1.36", "AL2023_x86_64_STANDARD");
        yield return () => Cli.ExecuteChangeSetCommand(n.Stack(StackKind.Eks), "exchange-upgrade-none");
        yield return () => Cli.DescribeStackEventsCommand(n.Stack(StackKind.Eks));
        yield return () => Cli.UpdateNodegroupScalingCommand(n.ClusterName, nodegroup, new NodegroupScaling(0, 4, 0));
        yield return () => Cli.DescribeInstanceCommand(instance);
        // SSM first: only a running instance takes commands.
        yield return () => Cli.SendShellCommand(instance, "docker ps");
        yield return () => Cli.CommandInvocationCommand(
            _world.Cloud.Commands.Values.LastOrDefault()?["CommandId"]?.GetValue<string>() ?? Guid.NewGuid().ToString(), instance);
        yield return () => Cli.CreateTagCommand(instance, Exchange.Build.Kafka.TopicScript.AppliedTag, "0123456789abcdef");
        yield return () => Cli.StopInstanceCommand(instance);
        yield return () => Cli.StartInstanceCommand(instance);
        yield return () => Cli.DescribeDbInstanceCommand(n.DbInstanceIdentifier);
        yield return () => Cli.StopDbInstanceCommand(n.DbInstanceIdentifier);
        yield return () => Cli.StartDbInstanceCommand(n.DbInstanceIdentifier);
        yield return () => Cli.DescribeLogGroupsCommand(n.EksLogGroupPrefix);
        yield return () => Cli.TaggedLoadBalancersCommand(n.ClusterName);
        yield return () => Cli.DeleteLogGroupCommand(n.EksClusterLogGroupName);
        // The backend's load balancer: the node group's Auto Scaling group (EKS names it) joins the target group; Verify reads the targets' health.
        var group = _world.Cloud.AutoScalingGroups.Keys.FirstOrDefault() ?? "eks-nodes-0123";
        var targetGroup = _world.Cloud.TargetGroups.Keys.FirstOrDefault() ?? "arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:targetgroup/x/1";
        yield return () => Cli.DescribeAutoScalingGroupsCommand([group]);
        yield return () => Cli.AttachTargetGroupCommand(group, targetGroup);
        yield return () => Cli.DescribeTargetHealthCommand(targetGroup);
        // A preview's route: a path rule on the listener, and its removal.
        var listener = _world.Cloud.Listeners.Keys.FirstOrDefault() ?? "arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:listener/app/x/1/2";
        yield return () => Cli.DescribeRulesCommand(listener);
        yield return () => Cli.CreatePathRuleCommand(listener, Previews.RulePriority(1), PreviewName.ForPullRequest(n.Env, "1").RoutePattern, targetGroup);
        yield return () => Cli.DeleteRuleCommand(_world.Cloud.Listeners.Values.SelectMany(l => l["Rules"]!.AsArray())
            .Select(r => r!["RuleArn"]!.GetValue<string>()).LastOrDefault() ?? listener.Replace(":listener/", ":listener-rule/") + "/0123");
        yield return () => Cli.EnvironmentLoadBalancersCommand(n.Env);
        yield return () => Cli.GetScheduleCommand(n.SleepScheduleName(SleepTarget.Nodes));
        yield return () => Cli.ListSchedulesCommand(n.SleepSchedulePrefix);
        yield return () => Cli.UpdateScheduleCommand(Definition(n.SleepScheduleName(SleepTarget.Nodes)));
        yield return () => Cli.CreateScheduleCommand(Definition(n.SleepUntilScheduleName(SleepTarget.Nodes)));
        yield return () => Cli.DeleteScheduleCommand(n.SleepUntilScheduleName(SleepTarget.Nodes));
        yield return () => Cli.ForceDeleteSecretCommand(n.DbSecretName);
        // Status reads the sleep schedules' dead-letter queues.
        var queue = Cli.QueueUrl(World.Account, n.SleepDeadLetterQueueName(SleepTarget.Nodes));
        yield return () => Cli.QueueDepthCommand(queue);
        yield return () => Cli.PeekMessagesCommand(queue);
        // The run artefacts shared through the artifacts bucket, and DestroyDev emptying it.
        var file = _world.Write("artifacts/images.json", "{}");
        yield return () => Cli.PutObjectCommand(Artifacts(n), "images.json", file);
        yield return () => Cli.GetObjectCommand(Artifacts(n), "images.json", file + ".download");
        yield return () => Cli.ListObjectsCommand(Artifacts(n));
        yield return () => Cli.DeleteObjectsCommand(Artifacts(n), ["images.json"]);
        // The tunnel to the private EKS API (the aws CLI hands the session to the plugin, here a stub that ends at once), and Status's access.
        yield return () => Cli.InstanceInformationCommand(jump);
        yield return () => Cli.StartSessionCommand(jump, "localhost", 443, 54321);
        yield return () => Cli.TerminateSessionCommand(_world.Cloud.Sessions.Keys.LastOrDefault() ?? "developer-0123456789abcdef0");
        yield return () => Cli.ListAccessEntriesCommand(n.ClusterName);
        yield return () => Cli.AccessPoliciesCommand(n.ClusterName, principal);
    }

    private static string Artifacts(EnvironmentNames n) => n.Bucket(EnvironmentNames.ArtifactsPurpose, World.Account, Region);

    /// <summary>The deployed sleep schedule's definition (what Resume --until reads and writes back), under another name.</summary>
    private JsonObject Definition(string name)
    {
        var definition = _world.Cloud.Schedules[Dev.SleepScheduleName(SleepTarget.Nodes)].DeepClone().AsObject();
        definition["Name"] = name;
        return definition;
    }

    [Fact]
    public void Every_aws_call_of_the_pipeline_passes_the_generated_policy_on_this_environments_resources()
    {
        // Before the first deploy: the stacks and the secret do not exist yet (DeployInfra looks for a secret left in its recovery window).
        _world.Faults.EnforcePolicy(Policy);
        var fresh = new[]
        {
            Cli.DescribeStackCommand(Dev.Stack(StackKind.Eks)), Cli.DescribeStackCommand("CDKToolkit"), Cli.DescribeSecretCommand(Dev.DbSecretName),
            Cli.DescribeLogGroupsCommand(Dev.EksLogGroupPrefix),
        }.Select(c => (Key(c), Run(c))).ToList();
        _world.Faults.Clear();
        DeployEnvironment();
        _world.Faults.EnforcePolicy(Policy);

        var deployed = Calls(Dev).Select(build => build()).Select(c => (Key(c), Run(c))).ToList();

        Assert.All(fresh.Concat(deployed), call => Assert.False(Refused(call.Item2), $"{call.Item1}: {call.Item2}"));
        Assert.DoesNotContain(_world.StandIn.Requests, r => r.Error is "AccessDenied" or "AccessDeniedException" or "UnauthorizedOperation");
        Assert.Equal(0, deployed.Single(c => c.Item1 == "aws eks describe-nodegroup").Item2.ExitCode); // reached the service, not just past IAM
        Assert.Equal(0, deployed.Single(c => c.Item1 == "aws secretsmanager get-secret-value").Item2.ExitCode);
        Assert.Equal(0, deployed.Single(c => c.Item1 == "aws ssm send-command").Item2.ExitCode);
        Assert.Equal(0, deployed.Single(c => c.Item1 == "aws scheduler create-schedule").Item2.ExitCode); // with iam:PassRole on the stack's role
        Assert.Equal(0, deployed.Single(c => c.Item1 == "aws scheduler update-schedule").Item2.ExitCode);
        Assert.Equal(0, deployed.Single(c => c.Item1 == "aws eks update-addon").Item2.ExitCode); // Upgrade's add-on update, on the add-on's ARN
        Assert.Equal(0, deployed.Single(c => c.Item1 == "aws eks describe-update").Item2.ExitCode);
        Assert.Equal(0, deployed.Single(c => c.Item1 == "aws ssm get-parameter").Item2.ExitCode); // AWS's public parameter: no account in its ARN
        Assert.Equal(0, deployed.Single(c => c.Item1 == "aws ssm start-session").Item2.ExitCode); // on the instance and with the document
        Assert.Equal(0, deployed.Single(c => c.Item1 == "aws eks list-associated-access-policies").Item2.ExitCode);
        Assert.Equal(0, deployed.Single(c => c.Item1 == "aws autoscaling attach-load-balancer-target-groups").Item2.ExitCode); // the node group's own group
        Assert.Equal(0, deployed.Single(c => c.Item1 == "aws elbv2 describe-target-health").Item2.ExitCode);
        Assert.Equal(0, deployed.Single(c => c.Item1 == "aws elbv2 create-rule").Item2.ExitCode); // on the listener
        Assert.Equal(0, deployed.Single(c => c.Item1 == "aws elbv2 delete-rule").Item2.ExitCode); // on the rule
        // Every aws call the IAM table declares was made here.
        Assert.Equal(IamPermissions.All.Keys.Where(k => k.StartsWith("aws ", StringComparison.Ordinal)).Order(StringComparer.Ordinal),
                     deployed.Select(c => c.Item1).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_same_calls_on_another_environments_resources_are_refused()
    {
        DeployEnvironment();
        _world.Faults.EnforcePolicy(Policy);
        var prod = new EnvironmentNames("prod");
        // Scoped by name (EC2's are scoped by a tag condition, which the stand-in does not evaluate; the rest are account-wide or "*").
        string[] byName = ["aws cloudformation describe-stacks", "aws secretsmanager describe-secret", "aws secretsmanager get-secret-value",
                           "aws eks update-kubeconfig", "aws eks describe-nodegroup", "aws eks update-nodegroup-config", "aws rds describe-db-instances",
                           "aws rds stop-db-instance", "aws rds start-db-instance", "aws logs delete-log-group", "aws secretsmanager delete-secret",
                           "aws scheduler get-schedule", "aws scheduler update-schedule", "aws scheduler create-schedule", "aws scheduler delete-schedule",
                           "aws s3api put-object", "aws s3api get-object", "aws s3api list-objects-v2", "aws s3api delete-objects",
                           "aws sqs get-queue-attributes", "aws sqs receive-message",
                           "aws eks describe-cluster", "aws eks describe-addon", "aws eks update-addon", "aws eks describe-update",
                           "aws cloudformation execute-change-set", "aws cloudformation describe-stack-events",
                           "aws eks list-access-entries", "aws eks list-associated-access-policies"];

        var calls = Calls(prod).Select(build => build()).Where(c => byName.Contains(Key(c))).Select(c => (Key(c), Run(c))).ToList();

        Assert.Equal(byName.Order(StringComparer.Ordinal), calls.Select(c => c.Item1).Order(StringComparer.Ordinal));
        Assert.All(calls, call => Assert.True(Refused(call.Item2), $"{call.Item1} on prod was not refused: {call.Item2}"));
    }

    [Fact]
    public void The_CDK_CLI_deploys_diffs_and_destroys_under_the_generated_policy_through_the_bootstrap_roles()
    {
        var bootstrap = _world.Cdk("bootstrap", $"aws://{World.Account}/{Region}"); // an administrator's job, once per account and region
        Assert.True(bootstrap.ExitCode == 0, bootstrap.ToString());
        // A cloud assembly as the CDK's default synthesizer writes it: cdk acts through the bootstrap deploy role.
        var stack = Dev.Stack(StackKind.Vpc);
        _world.Write($"assembly/{stack}.template.json", """
            { "Parameters": { "BootstrapVersion": { "Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cdk-bootstrap/hnb659fds/version" } },
              "Resources": { "Logs": { "Type": "AWS::Logs::LogGroup", "Properties": { "LogGroupName": "/exchange/dev/policy-test" } } },
              "Outputs": { "Group": { "Value": { "Ref": "Logs" } } } }
            """);
        _world.Write("assembly/manifest.json", $$"""
            { "version": "36.0.0", "artifacts": { "{{stack}}": { "type": "aws:cloudformation:stack", "environment": "aws://{{World.Account}}/{{Region}}",
              "properties": { "templateFile": "{{stack}}.template.json", "validateOnSynth": false,
                "assumeRoleArn": "arn:${AWS::Partition}:iam::{{World.Account}}:role/cdk-hnb659fds-deploy-role-{{World.Account}}-{{Region}}",
                "cloudFormationExecutionRoleArn": "arn:${AWS::Partition}:iam::{{World.Account}}:role/cdk-hnb659fds-cfn-exec-role-{{World.Account}}-{{Region}}",
                "lookupRole": { "arn": "arn:${AWS::Partition}:iam::{{World.Account}}:role/cdk-hnb659fds-lookup-role-{{World.Account}}-{{Region}}",
                                "requiresBootstrapStackVersion": 8, "bootstrapStackVersionSsmParameter": "/cdk-bootstrap/hnb659fds/version" },
                "requiresBootstrapStackVersion": 6, "bootstrapStackVersionSsmParameter": "/cdk-bootstrap/hnb659fds/version" },
              "displayName": "{{stack}}" } } }
            """);
        var app = Path.Combine(_world.Root, "assembly");
        _world.Faults.EnforcePolicy(Policy);
        _world.StandIn.ClearRequests();

        var deploy = _world.Cdk("deploy", "--app", app, "--all", "--require-approval", "never", "--outputs-file", Path.Combine(_world.Root, "outputs.json"));
        var diff = _world.Cdk("diff", "--app", app, "--all");
        var destroy = _world.Cdk("destroy", "--app", app, stack, "--force");

        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        Assert.True(diff.ExitCode == 0, diff.ToString());
        Assert.True(destroy.ExitCode == 0, destroy.ToString());
        Assert.DoesNotContain(_world.StandIn.Requests, r => r.Error is "AccessDenied" or "AccessDeniedException" or "UnauthorizedOperation");
        var caller = _world.Cloud.DefaultCaller.Arn;
        Assert.Contains(_world.StandIn.Requests, r => r.Caller == caller && r.Action == "sts:AssumeRole"); // the policy's part: assume the deploy role
        Assert.Contains(_world.StandIn.Requests, r => r.Caller != caller && r.Action == "cloudformation:CreateChangeSet"); // the role's part
        Assert.False(_world.Cloud.Stacks.ContainsKey(stack));
    }

    public void Dispose() => _world.Dispose();
}
