using Exchange.Contracts;

namespace Exchange.Build.Aws;

/// <summary>Where a grant applies: this environment's account, region and resource names.</summary>
public sealed record IamScope(string Account, string Region, EnvironmentNames Names)
{
    public string Partition => Region.StartsWith("cn-", StringComparison.Ordinal) ? "aws-cn"
        : Region.StartsWith("us-gov-", StringComparison.Ordinal) ? "aws-us-gov" : "aws";

    public string Arn(string service, string resource) => $"arn:{Partition}:{service}:{Region}:{Account}:{resource}";

    public IReadOnlyList<string> Repositories =>
        [Arn("ecr", $"repository/{Names.MatchingEngineRepository}"), Arn("ecr", $"repository/{Names.BackendRepository}")];
}

/// <summary>An IAM condition on a grant (one key, one value).</summary>
public sealed record IamCondition(string Operator, string Key, string Value);

/// <summary>One IAM action a command needs, on the resources it touches (IAM's "*" where the action has no resource type).</summary>
public sealed record IamGrant(string Action, Func<IamScope, IReadOnlyList<string>> Resources, Func<IamScope, IamCondition>? Condition = null)
{
    public static readonly Func<IamScope, IReadOnlyList<string>> AnyResource = _ => ["*"];
}

/// <summary>
/// The one table of what every AWS-calling command needs from IAM, keyed by the command's tool and
/// subcommand ("aws eks describe-nodegroup", "cdk deploy", "docker push"). The wrappers look their
/// commands up here when they build them, so a command missing from this table cannot be built, and
/// the Permissions target's policy is exactly this table.
/// </summary>
public static class IamPermissions
{
    private static IamGrant G(string action, Func<IamScope, IReadOnlyList<string>> resources, Func<IamScope, IamCondition>? condition = null) =>
        new(action, resources, condition);

    private static IReadOnlyList<string> Stacks(IamScope s) =>
        [s.Arn("cloudformation", $"stack/Exchange-{s.Names.Env}-*/*"), s.Arn("cloudformation", "stack/CDKToolkit/*")];

    private static IReadOnlyList<string> Secret(IamScope s) => [s.Arn("secretsmanager", $"secret:{s.Names.DbSecretName}-??????")];
    private static IReadOnlyList<string> Cluster(IamScope s) => [s.Arn("eks", $"cluster/{s.Names.ClusterName}")];
    private static IReadOnlyList<string> Nodegroup(IamScope s) => [s.Arn("eks", $"nodegroup/{s.Names.ClusterName}/{s.Names.NodegroupName}/*")];
    private static IReadOnlyList<string> Database(IamScope s) => [s.Arn("rds", $"db:{s.Names.DbInstanceIdentifier}")];
    private static IReadOnlyList<string> Instances(IamScope s) => [s.Arn("ec2", "instance/*")];

    /// <summary>EC2 instance ids are not known before deploy: scope by the tag CloudFormation puts on the Kafka stack's instance.</summary>
    private static IamCondition KafkaInstance(IamScope s) =>
        new("StringEquals", "aws:ResourceTag/aws:cloudformation:stack-name", s.Names.Stack(StackKind.Kafka));

    /// <summary>What the CDK CLI needs from the caller for deploy/diff/destroy: the bootstrap roles do the rest.</summary>
    private static readonly IamGrant[] CdkCaller =
    [
        G("sts:AssumeRole", s => [$"arn:{s.Partition}:iam::{s.Account}:role/cdk-hnb659fds-*-{s.Account}-{s.Region}"]),
        G("ssm:GetParameter", s => [s.Arn("ssm", "parameter/cdk-bootstrap/hnb659fds/version")]),
        G("cloudformation:DescribeStacks", Stacks),
    ];

    private static readonly Dictionary<string, IamGrant[]> Table = new(StringComparer.Ordinal)
    {
        ["aws sts get-caller-identity"] = [G("sts:GetCallerIdentity", IamGrant.AnyResource)],
        ["aws cloudformation describe-stacks"] = [G("cloudformation:DescribeStacks", Stacks)],
        ["aws ecr get-login-password"] = [G("ecr:GetAuthorizationToken", IamGrant.AnyResource)],
        ["aws ecr describe-images"] = [G("ecr:DescribeImages", s => s.Repositories)],
        ["aws ecr describe-repositories"] = [G("ecr:DescribeRepositories", s => s.Repositories)],
        ["aws secretsmanager get-secret-value"] = [G("secretsmanager:GetSecretValue", Secret)],
        ["aws secretsmanager describe-secret"] = [G("secretsmanager:DescribeSecret", Secret)],
        ["aws secretsmanager delete-secret"] = [G("secretsmanager:DeleteSecret", Secret)],
        ["aws eks update-kubeconfig"] = [G("eks:DescribeCluster", Cluster)],
        ["aws eks describe-nodegroup"] = [G("eks:DescribeNodegroup", Nodegroup)],
        ["aws eks update-nodegroup-config"] = [G("eks:UpdateNodegroupConfig", Nodegroup)],
        ["aws ec2 describe-instances"] = [G("ec2:DescribeInstances", IamGrant.AnyResource)],
        ["aws ec2 stop-instances"] = [G("ec2:StopInstances", Instances, KafkaInstance)],
        ["aws ec2 start-instances"] = [G("ec2:StartInstances", Instances, KafkaInstance)],
        ["aws rds describe-db-instances"] = [G("rds:DescribeDBInstances", Database)],
        ["aws rds stop-db-instance"] = [G("rds:StopDBInstance", Database)],
        ["aws rds start-db-instance"] = [G("rds:StartDBInstance", Database)],
        ["aws logs describe-log-groups"] = [G("logs:DescribeLogGroups", s => [s.Arn("logs", "log-group:*")])],
        ["aws logs delete-log-group"] = [G("logs:DeleteLogGroup", s => [s.Arn("logs", $"log-group:{s.Names.EksLogGroupPrefix}/*")])],
        ["aws resourcegroupstaggingapi get-resources"] = [G("tag:GetResources", IamGrant.AnyResource)],
        ["aws ssm send-command"] =
        [
            G("ssm:SendCommand", s => [$"arn:{s.Partition}:ssm:{s.Region}::document/AWS-RunShellScript"]),
            G("ssm:SendCommand", Instances, KafkaInstance),
        ],
        ["aws ssm get-command-invocation"] = [G("ssm:GetCommandInvocation", IamGrant.AnyResource)],
        // The CDK CLI: deploy/diff/destroy act through the bootstrap roles. `cdk bootstrap` creates IAM roles and the
        // CDKToolkit stack: an administrator runs it once per account and region, so it is not the deploy role's job
        // (the Bootstrap task only checks CDKToolkit with describe-stacks when the account is bootstrapped).
        ["cdk --version"] = [],
        ["cdk synth"] = [],
        ["cdk bootstrap"] = [],
        ["cdk deploy"] = CdkCaller,
        ["cdk diff"] = CdkCaller,
        ["cdk destroy"] = CdkCaller,
        // Docker talks to ECR with the token from `aws ecr get-login-password`; only the push is authorized by IAM.
        ["docker version"] = [],
        ["docker build"] = [],
        ["docker image"] = [],
        ["docker tag"] = [],
        ["docker login"] = [],
        ["docker push"] =
        [
            G("ecr:BatchCheckLayerAvailability", s => s.Repositories), G("ecr:InitiateLayerUpload", s => s.Repositories),
            G("ecr:UploadLayerPart", s => s.Repositories), G("ecr:CompleteLayerUpload", s => s.Repositories),
            G("ecr:PutImage", s => s.Repositories), G("ecr:BatchGetImage", s => s.Repositories),
        ],
    };

    /// <summary>Every declared call and its grants.</summary>
    public static IReadOnlyDictionary<string, IamGrant[]> All => Table;

    /// <summary>The grants of a call; an undeclared call is a programming error, caught by the wrappers' tests.</summary>
    public static IReadOnlyList<IamGrant> For(string call) =>
        Table.TryGetValue(call, out var grants) ? grants
            : throw new InvalidOperationException($"'{call}' declares no IAM action. Add it to {nameof(IamPermissions)} " +
                                                  "(build/Exchange.Build/Aws/IamPermissions.cs) so the deploy policy (--target=Permissions) covers it.");
}
