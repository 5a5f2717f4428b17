namespace Exchange.AwsStandIn.Tests;

/// <summary>An enforced IAM policy as the real aws CLI meets it: actions and resources matched with IAM's wildcards, a Deny wins.</summary>
public sealed class PolicyTests : IDisposable
{
    private const string Region = "ap-northeast-2";
    private readonly World _world = new();

    private string Caller => _world.Cloud.DefaultCaller.Arn;
    private static string StackArn(string name) => $"arn:aws:cloudformation:{Region}:{World.Account}:stack/{name}/*";

    private void Deploy(string stack, string template)
    {
        var deployed = _world.Aws("cloudformation", "deploy", "--template-file", _world.Write(stack + ".json", template), "--stack-name", stack);
        Assert.True(deployed.ExitCode == 0, deployed.ToString());
    }

    private CliResult DescribeStack(string name) => _world.Aws("cloudformation", "describe-stacks", "--stack-name", name);

    private static string Policy(params string[] statements) => $$"""{ "Version": "2012-10-17", "Statement": [ {{string.Join(", ", statements)}} ] }""";

    private const string EmptyTemplate = """{ "Resources": { "Nothing": { "Type": "AWS::CloudFormation::WaitConditionHandle" } } }""";

    [Fact]
    public void A_grant_on_one_stacks_ARN_lets_that_call_through_and_refuses_the_same_call_on_another_stack()
    {
        Deploy("Exchange-dev-Vpc", EmptyTemplate);
        Deploy("Exchange-dev-Eks", EmptyTemplate);
        _world.Faults.EnforcePolicy(Policy(
            $$"""{ "Effect": "Allow", "Action": "cloudformation:DescribeStacks", "Resource": "{{StackArn("Exchange-dev-Vpc")}}" }"""));

        var allowed = DescribeStack("Exchange-dev-Vpc");
        var refused = DescribeStack("Exchange-dev-Eks");

        Assert.True(allowed.ExitCode == 0, allowed.ToString());
        Assert.NotEqual(0, refused.ExitCode);
        var eks = _world.Cloud.Stacks["Exchange-dev-Eks"].Id; // the stack exists: IAM sees its ARN with the stack's id
        Assert.Contains($"An error occurred (AccessDenied) when calling the DescribeStacks operation: User: {Caller} is not authorized to perform: " +
                        $"cloudformation:DescribeStacks on resource: {eks} because no identity-based policy allows the cloudformation:DescribeStacks action",
                        refused.Stderr);
    }

    [Fact]
    public void A_Deny_wins_over_an_Allow_and_says_so()
    {
        Deploy("Exchange-dev-Vpc", EmptyTemplate);
        Deploy("Exchange-dev-Rds", EmptyTemplate);
        _world.Faults.EnforcePolicy(Policy(
            $$"""{ "Effect": "Allow", "Action": "cloudformation:*", "Resource": "*" }""",
            $$"""{ "Effect": "Deny", "Action": "cloudformation:Describe*", "Resource": "{{StackArn("Exchange-dev-Rds")}}" }"""));

        var allowed = DescribeStack("Exchange-dev-Vpc");
        var denied = DescribeStack("Exchange-dev-Rds");

        Assert.True(allowed.ExitCode == 0, allowed.ToString());
        Assert.Contains($"is not authorized to perform: cloudformation:DescribeStacks on resource: {_world.Cloud.Stacks["Exchange-dev-Rds"].Id} " +
                        "with an explicit deny in an identity-based policy", denied.Stderr);
    }

    [Fact]
    public void Wildcards_in_a_resource_match_as_in_IAM_and_the_resource_part_is_case_sensitive()
    {
        Deploy("Exchange-dev-Vpc", EmptyTemplate);
        Deploy("Exchange-prod-Vpc", EmptyTemplate);
        Deploy("Exchange-dev-Kafka", EmptyTemplate);
        _world.Faults.EnforcePolicy(Policy(
            // The service/action and the ARN's fields before the resource are not case-sensitive; "?" is one character.
            """{ "Effect": "Allow", "Action": "CloudFormation:describestacks",""" +
            $$""" "Resource": "arn:AWS:cloudformation:*:{{World.Account}}:stack/Exchange-dev-???/*" }""",
            """{ "Effect": "Allow", "Action": "cloudformation:DescribeStacks",""" +
            $$""" "Resource": "arn:aws:cloudformation:{{Region}}:{{World.Account}}:stack/exchange-dev-kafka/*" }"""));

        Assert.Equal(0, DescribeStack("Exchange-dev-Vpc").ExitCode);
        Assert.Contains("(AccessDenied)", DescribeStack("Exchange-prod-Vpc").Stderr); // another environment
        Assert.Contains("(AccessDenied)", DescribeStack("Exchange-dev-Kafka").Stderr); // five letters, and the lower-case grant is another stack
    }

    [Fact]
    public void A_secret_is_authorized_against_its_ARN_with_the_random_suffix()
    {
        Deploy("Exchange-dev-Rds", """
            { "Resources": { "Secret": { "Type": "AWS::SecretsManager::Secret", "Properties": { "Name": "exchange-dev-db-credentials",
                "GenerateSecretString": { "SecretStringTemplate": "{\"username\":\"admin\"}", "GenerateStringKey": "password" } } } } }
            """);
        var arn = _world.Cloud.Secrets["exchange-dev-db-credentials"].Arn;
        Assert.Matches($@"^arn:aws:secretsmanager:{Region}:{World.Account}:secret:exchange-dev-db-credentials-[A-Za-z0-9]{{6}}$", arn);
        var prefix = $"arn:aws:secretsmanager:{Region}:{World.Account}:secret:exchange-dev-db-credentials";
        _world.Faults.EnforcePolicy(Policy(
            $$"""{ "Effect": "Allow", "Action": "secretsmanager:DescribeSecret", "Resource": "{{prefix}}-??????" }""",
            $$"""{ "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "{{prefix}}" }"""));

        var described = _world.Aws("secretsmanager", "describe-secret", "--secret-id", "exchange-dev-db-credentials");
        var read = _world.Aws("secretsmanager", "get-secret-value", "--secret-id", "exchange-dev-db-credentials");

        Assert.True(described.ExitCode == 0, described.ToString());
        Assert.Contains($"(AccessDeniedException) when calling the GetSecretValue operation: User: {Caller} is not authorized to perform: " +
                        $"secretsmanager:GetSecretValue on resource: {arn} because", read.Stderr);
    }

    [Fact]
    public void An_action_IAM_cannot_scope_passes_only_a_statement_on_every_resource()
    {
        _world.Faults.EnforcePolicy(Policy(
            """{ "Effect": "Allow", "Action": ["ec2:DescribeInstances", "sts:GetCallerIdentity"],""" +
            $$""" "Resource": "arn:aws:ec2:{{Region}}:{{World.Account}}:instance/*" }""",
            """{ "Effect": "Allow", "Action": "tag:GetResources", "Resource": "*" }"""));

        var scoped = _world.Aws("ec2", "describe-instances");
        var identity = _world.Aws("sts", "get-caller-identity");

        Assert.Contains("(UnauthorizedOperation) when calling the DescribeInstances operation", scoped.Stderr);
        Assert.Contains("on resource: * because no identity-based policy allows the ec2:DescribeInstances action", scoped.Stderr);
        Assert.Contains("(AccessDenied) when calling the GetCallerIdentity operation", identity.Stderr);
        Assert.Equal(0, _world.Aws("resourcegroupstaggingapi", "get-resources").ExitCode);
    }

    [Fact]
    public void NotResource_and_NotAction_exclude_what_they_name()
    {
        Deploy("Exchange-dev-Vpc", EmptyTemplate);
        Deploy("Exchange-dev-Eks", EmptyTemplate);
        _world.Faults.EnforcePolicy(Policy(
            $$"""{ "Effect": "Allow", "NotAction": "cloudformation:Delete*", "NotResource": "{{StackArn("Exchange-dev-Eks")}}" }"""));

        Assert.Equal(0, DescribeStack("Exchange-dev-Vpc").ExitCode);
        Assert.Contains("(AccessDenied)", DescribeStack("Exchange-dev-Eks").Stderr);
        Assert.Contains("(AccessDenied) when calling the DeleteStack operation",
            _world.Aws("cloudformation", "delete-stack", "--stack-name", "Exchange-dev-Vpc").Stderr);
    }

    [Fact]
    public void Sessions_of_roles_assumed_through_the_stand_in_act_with_their_roles_permissions_not_the_policy()
    {
        Deploy("Roles", """{ "Resources": { "Deploy": { "Type": "AWS::IAM::Role",""" +
                        """ "Properties": { "RoleName": "cdk-hnb659fds-deploy-role-111122223333-ap-northeast-2" } } } }""");
        var role = $"arn:aws:iam::{World.Account}:role/cdk-hnb659fds-deploy-role-{World.Account}-{Region}";
        _world.Faults.EnforcePolicy(Policy(
            $$"""{ "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::{{World.Account}}:role/cdk-hnb659fds-*" }"""));
        var assumed = _world.Aws("sts", "assume-role", "--role-arn", role, "--role-session-name", "cdk",
            "--query", "Credentials.[AccessKeyId,SecretAccessKey,SessionToken]", "--output", "text");
        Assert.True(assumed.ExitCode == 0, assumed.ToString());
        var keys = assumed.Stdout.Trim().Split('\t');

        Assert.Contains("(AccessDenied)", DescribeStack("Roles").Stderr); // the caller's own policy has no DescribeStacks
        _world.Env["AWS_ACCESS_KEY_ID"] = keys[0];
        _world.Env["AWS_SECRET_ACCESS_KEY"] = keys[1];
        _world.Env["AWS_SESSION_TOKEN"] = keys[2];
        var asRole = DescribeStack("Roles");

        Assert.True(asRole.ExitCode == 0, asRole.ToString());
    }

    [Fact]
    public void A_schedule_with_a_target_role_needs_iam_PassRole_on_that_role()
    {
        var role = $"arn:aws:iam::{World.Account}:role/Exchange-dev-Eks-SleepNodesRole-0123456789AB";
        var schedule = _world.Write("schedule.json", $$"""
            { "Name": "exchange-dev-sleep-nodes-until", "ScheduleExpression": "at(2026-12-02T22:00:00)", "FlexibleTimeWindow": { "Mode": "OFF" },
              "Target": { "Arn": "arn:aws:scheduler:::aws-sdk:eks:updateNodegroupConfig", "RoleArn": "{{role}}", "Input": "{}" } }
            """);
        CliResult Create() => _world.Aws("scheduler", "create-schedule", "--cli-input-json", "file://" + schedule);
        const string CreateGrant =
            """{ "Effect": "Allow", "Action": "scheduler:CreateSchedule", "Resource": "arn:aws:scheduler:*:*:schedule/default/exchange-dev-sleep-*" }""";
        _world.Faults.EnforcePolicy(Policy(CreateGrant));

        var refused = Create();
        _world.Faults.EnforcePolicy(Policy(CreateGrant,
            $$"""{ "Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::{{World.Account}}:role/Exchange-dev-*" }"""));
        var created = Create();

        Assert.Contains($"(AccessDeniedException) when calling the CreateSchedule operation: User: {Caller} is not authorized to perform: " +
                        $"iam:PassRole on resource: {role}", refused.Stderr);
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Equal($"arn:aws:scheduler:{Region}:{World.Account}:schedule/default/exchange-dev-sleep-nodes-until",
                     _world.Cloud.Schedules["exchange-dev-sleep-nodes-until"]["Arn"]!.GetValue<string>());
    }

    [Fact]
    public void A_statement_IAM_would_reject_is_refused_when_the_policy_is_set()
    {
        var error = Assert.Throws<ArgumentException>(() => _world.Faults.EnforcePolicy(Policy("""{ "Effect": "Allow", "Action": "sts:GetCallerIdentity" }""")));

        Assert.Contains("Resource or NotResource", error.Message);
    }

    public void Dispose() => _world.Dispose();
}
