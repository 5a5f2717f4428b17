using System.Reflection;
using System.Text.Json;
using Exchange.Build.Aws;
using Exchange.Build.Processes;
using Exchange.Build.Tools;

namespace Exchange.Build.Tests;

/// <summary>The deploy policy is the wrappers' own declarations: nothing a wrapper can call is missing from it.</summary>
public class PermissionsTests
{
    private static readonly IamScope Scope = new("111122223333", "ap-northeast-2", new Contracts.EnvironmentNames("dev"));

    /// <summary>Every public command builder of the wrappers that talk to AWS, built with placeholder arguments.</summary>
    public static IEnumerable<(string Name, CommandLine Command)> AllWrapperCommands()
    {
        var b = Contexts.Build(new RecordingRunner());
        foreach (var wrapper in new object[] { b.Aws, b.Cdk, b.Docker })
        {
            var methods = wrapper.GetType().GetMethods(BindingFlags.Public | BindingFlags.Instance)
                .Where(m => m.ReturnType == typeof(CommandLine) && m.Name is not (nameof(AwsCli.Command) or nameof(AwsCli.JsonCommand)));
            foreach (var method in methods)
                yield return ($"{wrapper.GetType().Name}.{method.Name}",
                    (CommandLine)method.Invoke(wrapper, method.GetParameters().Select(Placeholder).ToArray())!);
        }
    }

    private static object? Placeholder(ParameterInfo p) => p.ParameterType switch
    {
        var t when t == typeof(string) => "placeholder",
        var t when t == typeof(int) => 1,
        var t when t == typeof(bool) => false,
        var t when t == typeof(TimeSpan) => TimeSpan.FromMinutes(1),
        var t when t == typeof(NodegroupScaling) => new NodegroupScaling(0, 1, 0),
        var t when t == typeof(IReadOnlyDictionary<string, string>) => new Dictionary<string, string>(),
        var t when t == typeof(IEnumerable<string>) || t == typeof(IReadOnlyList<string>) => new[] { "placeholder" },
        var t when t == typeof(System.Text.Json.Nodes.JsonObject) => new System.Text.Json.Nodes.JsonObject { ["Name"] = "placeholder" },
        var t => throw new InvalidOperationException($"No placeholder for {t.Name} ({p.Member.Name}): add one here."),
    };

    [Fact]
    public void Every_command_a_wrapper_builds_declares_its_IAM_grants()
    {
        var commands = AllWrapperCommands().ToArray();

        Assert.True(commands.Length >= 30, $"only {commands.Length} builders found");
        Assert.All(commands, c => Assert.True(c.Command.Permissions is not null, $"{c.Name} declares no IAM grants"));
        Assert.All(commands.Where(c => c.Command.Tool == "aws" && !c.Command.Values.Contains("--version")),
            c => Assert.NotEmpty(c.Command.Permissions!));
    }

    [Fact]
    public void An_aws_call_missing_from_the_table_cannot_be_built()
    {
        var b = Contexts.Build(new RecordingRunner());

        var error = Assert.Throws<InvalidOperationException>(() => b.Aws.Command("iam", "create-role"));

        Assert.Contains("'aws iam create-role' declares no IAM action", error.Message);
    }

    [Fact]
    public void Every_declared_call_is_one_a_wrapper_makes()
    {
        var used = AllWrapperCommands().Select(c => c.Command).Select(c => c.Tool == "aws" && c.Values.Count() > 1
                ? $"aws {c.Values.ElementAt(0)} {c.Values.ElementAt(1)}" : $"{c.Tool} {c.Values.First()}")
            .ToHashSet();

        Assert.DoesNotContain(IamPermissions.All.Keys, k => !used.Contains(k));
    }

    [Fact]
    public void The_policy_allows_every_declared_action_and_no_wildcard_action()
    {
        using var policy = JsonDocument.Parse(DeployPolicy.Render(Scope));
        var statements = policy.RootElement.GetProperty("Statement").EnumerateArray().ToArray();
        var actions = statements.SelectMany(s => s.GetProperty("Action").EnumerateArray().Select(a => a.GetString()!)).ToHashSet();

        Assert.Equal("2012-10-17", policy.RootElement.GetProperty("Version").GetString());
        Assert.All(statements, s => Assert.Equal("Allow", s.GetProperty("Effect").GetString()));
        Assert.DoesNotContain(actions, a => a.Contains('*'));
        foreach (var grant in AllWrapperCommands().SelectMany(c => c.Command.Permissions!)) Assert.Contains(grant.Action, actions);
        foreach (var action in new[] { "tag:GetResources", "ecr:GetAuthorizationToken", "eks:DescribeCluster", "sts:AssumeRole", "ssm:GetParameter",
            "ecr:PutImage" })
            Assert.Contains(action, actions);
        Assert.Equal(statements.Length, statements.Select(s => s.GetProperty("Sid").GetString()).Distinct().Count());
    }

    [Theory]
    [InlineData("cloudformation:DescribeStacks", "arn:aws:cloudformation:ap-northeast-2:111122223333:stack/Exchange-dev-*/*")]
    [InlineData("sts:AssumeRole", "arn:aws:iam::111122223333:role/cdk-hnb659fds-*-111122223333-ap-northeast-2")]
    [InlineData("ssm:GetParameter", "arn:aws:ssm:ap-northeast-2:111122223333:parameter/cdk-bootstrap/hnb659fds/version")]
    [InlineData("ecr:PutImage", "arn:aws:ecr:ap-northeast-2:111122223333:repository/exchange/future-backend")]
    [InlineData("ecr:DescribeImages", "arn:aws:ecr:ap-northeast-2:111122223333:repository/exchange/matching-engine-shard")]
    [InlineData("ecr:PutImage", "arn:aws:ecr:ap-northeast-2:111122223333:repository/exchange/exchange-checker")]
    [InlineData("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:ap-northeast-2:111122223333:secret:exchange-dev-db-credentials-??????")]
    [InlineData("secretsmanager:DescribeSecret", "arn:aws:secretsmanager:ap-northeast-2:111122223333:secret:exchange-dev-db-credentials")] // before it exists
    [InlineData("eks:UpdateNodegroupConfig", "arn:aws:eks:ap-northeast-2:111122223333:nodegroup/exchange-dev/*/*")]
    [InlineData("rds:StopDBInstance", "arn:aws:rds:ap-northeast-2:111122223333:db:exchange-dev-mysql")]
    [InlineData("logs:DeleteLogGroup", "arn:aws:logs:ap-northeast-2:111122223333:log-group:/aws/eks/exchange-dev/*")]
    [InlineData("eks:UpdateAddon", "arn:aws:eks:ap-northeast-2:111122223333:addon/exchange-dev/*/*")] // Upgrade
    [InlineData("eks:DescribeUpdate", "arn:aws:eks:ap-northeast-2:111122223333:addon/exchange-dev/*/*")]
    [InlineData("cloudformation:ExecuteChangeSet", "arn:aws:cloudformation:ap-northeast-2:111122223333:stack/Exchange-dev-Eks/*")] // the Eks stack only
    [InlineData("ssm:GetParameter", "arn:aws:ssm:ap-northeast-2::parameter/aws/service/eks/optimized-ami/*")] // AWS's public parameters
    public void Actions_that_take_a_resource_are_scoped_to_this_environment(string action, string resource)
    {
        var statements = DeployPolicy.Statements(Scope).Where(s => s.Actions.Contains(action)).ToArray();

        Assert.NotEmpty(statements);
        Assert.All(statements, s => Assert.DoesNotContain("*", s.Resources));
        Assert.Contains(statements, s => s.Resources.Contains(resource));
    }

    [Fact]
    public void Instances_may_be_stopped_and_started_only_when_they_belong_to_the_Kafka_stack()
    {
        var statement = DeployPolicy.Statements(Scope).Single(s => s.Actions.Contains("ec2:StopInstances"));

        Assert.Contains("ec2:StartInstances", statement.Actions);
        Assert.Equal(new IamCondition("StringEquals", "aws:ResourceTag/aws:cloudformation:stack-name", "Exchange-dev-Kafka"), statement.Condition);
    }

    [Fact]
    public void The_Permissions_target_writes_the_policy_into_the_environments_artifacts_and_a_rerun_changes_nothing()
    {
        using var dir = new TempDir();
        var runner = new RecordingRunner();
        BuildContext Run()
        {
            var b = Contexts.Build(runner, new() { ["account"] = "111122223333", ["artifacts"] = dir.Path }, tasks: Pipeline.TaskNames.Permissions);
            Pipeline.Tasks.Permissions.Run(b);
            return b;
        }

        var first = Run();
        var second = Run();

        Assert.Equal(DeployPolicy.Render(Scope), File.ReadAllText(dir.Combine("deploy-policy.json")));
        Assert.Equal(BootstrapPolicy.Render(Scope), File.ReadAllText(dir.Combine("bootstrap-policy.json")));
        Assert.Empty(runner.Calls);
        Assert.Equal(Pipeline.StepOutcome.Changed, first.Report.Results.Single().Outcome);
        Assert.Equal(Pipeline.StepOutcome.Unchanged, second.Report.Results.Single().Outcome);
        Assert.Equal(2, Directory.GetFiles(dir.Path).Length); // the two policies, no temporary file left beside them
    }

    [Fact]
    public void The_deploy_policy_cannot_bootstrap_and_the_bootstrap_policy_is_scoped_to_the_bootstraps_own_resources()
    {
        var deploy = DeployPolicy.Statements(Scope);
        var bootstrap = BootstrapPolicy.Statements(Scope);

        // Creating CDKToolkit is CloudFormation's CreateChangeSet on it; the deploy role never creates a stack itself (cdk's roles do).
        Assert.DoesNotContain(deploy, s => s.Actions.Contains("cloudformation:CreateChangeSet"));
        Assert.Contains(bootstrap, s => s.Actions.Contains("cloudformation:CreateChangeSet")
                                        && s.Resources.SequenceEqual(["arn:aws:cloudformation:ap-northeast-2:111122223333:stack/CDKToolkit/*"]));
        Assert.Equal(["*"], bootstrap.Single(s => s.Actions.Contains("sts:GetCallerIdentity")).Resources);
        Assert.All(bootstrap.Where(s => !s.Actions.Contains("sts:GetCallerIdentity")).SelectMany(s => s.Resources),
            r => Assert.True(r.Contains("cdk-hnb659fds-", StringComparison.Ordinal) || r.Contains("CDKToolkit", StringComparison.Ordinal)
                             || r.EndsWith("parameter/cdk-bootstrap/hnb659fds/version", StringComparison.Ordinal), r));
        Assert.Equal("npm ci --prefix infra && infra/node_modules/.bin/cdk bootstrap aws://111122223333/ap-northeast-2",
            BootstrapPolicy.Command("111122223333", "ap-northeast-2"));
    }
}
