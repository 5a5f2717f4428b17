namespace Exchange.Contracts;

/// <summary>
/// One CloudFormation output: the stack it lives in, its output key (the key in
/// <c>cdk deploy --outputs-file</c>) and, where the document exports it, the export-name suffix
/// (<c>{env}-{suffix}</c>).
/// </summary>
public sealed record StackOutput(StackKind Stack, string Key, string? ExportSuffix, string Description)
{
    public string? ExportName(string env) => ExportSuffix is null ? null : $"{env}-{ExportSuffix}";
}

/// <summary>Every output the CDK app declares and the pipeline reads.</summary>
public static class Outputs
{
    public static readonly StackOutput VpcId = new(StackKind.Vpc, "VpcId", "VpcId", "VPC id");

    public static readonly StackOutput MatchingEngineRepoUri = new(StackKind.Ecr, "MatchingEngineRepoUri",
        "MatchingEngineRepoUri", "ECR repository URI of the matching engine shard image");
    public static readonly StackOutput BackendRepoUri = new(StackKind.Ecr, "BackendRepoUri",
        "BackendRepoUri", "ECR repository URI of the backend image");

    public static readonly StackOutput RdsEndpoint = new(StackKind.Rds, "RdsEndpoint", "RdsEndpoint", "MySQL endpoint address");
    public static readonly StackOutput RdsPort = new(StackKind.Rds, "RdsPort", "RdsPort", "MySQL port");
    public static readonly StackOutput RdsSecretArn = new(StackKind.Rds, "RdsSecretArn", "RdsSecretArn",
        "ARN of the Secrets Manager secret with the database credentials");
    public static readonly StackOutput RdsSecurityGroupId = new(StackKind.Rds, "RdsSecurityGroupId", "RdsSecurityGroupId",
        "Security group of the database (the EKS stack admits the cluster security group to it)");

    public static readonly StackOutput RedisEndpoint = new(StackKind.Redis, "RedisEndpoint", "RedisEndpoint", "Redis endpoint address");
    public static readonly StackOutput RedisPort = new(StackKind.Redis, "RedisPort", "RedisPort", "Redis port");
    public static readonly StackOutput RedisSecurityGroupId = new(StackKind.Redis, "RedisSecurityGroupId", "RedisSecurityGroupId",
        "Security group of the cache");

    public static readonly StackOutput KafkaPrivateIp = new(StackKind.Kafka, "KafkaPrivateIp", "KafkaPrivateIp", "Redpanda private IP");
    public static readonly StackOutput KafkaInstanceId = new(StackKind.Kafka, "KafkaInstanceId", "KafkaInstanceId", "Redpanda EC2 instance id");
    public static readonly StackOutput KafkaSecurityGroupId = new(StackKind.Kafka, "KafkaSecurityGroupId", "KafkaSecurityGroupId",
        "Security group of the Redpanda host");

    public static readonly StackOutput EksClusterName = new(StackKind.Eks, "ClusterName", "EksClusterName", "EKS cluster name");
    public static readonly StackOutput EksClusterEndpoint = new(StackKind.Eks, "ClusterEndpoint", "EksClusterEndpoint", "EKS API endpoint");
    public static readonly StackOutput EksClusterArn = new(StackKind.Eks, "ClusterArn", null, "EKS cluster ARN (the kubeconfig context name)");
    public static readonly StackOutput EksClusterSecurityGroupId = new(StackKind.Eks, "ClusterSecurityGroupId", null,
        "The EKS-created cluster security group that pods use");
    public static readonly StackOutput EksNodegroupName = new(StackKind.Eks, "NodegroupName", null, "Managed node group name");
    public static readonly StackOutput KubeconfigCommand = new(StackKind.Eks, "KubeconfigCommand", null, "Command to update kubeconfig");
    public static readonly StackOutput EksAdminPrincipalArn = new(StackKind.Eks, "AdminPrincipalArn", null,
        "IAM principal with cluster-admin through an access entry (none: no access entry)");

    /// <summary>The value <see cref="EksAdminPrincipalArn"/> carries when no access entry was made.</summary>
    public const string NoAdminPrincipal = "none";

    public static IReadOnlyList<StackOutput> All { get; } =
    [
        VpcId, MatchingEngineRepoUri, BackendRepoUri,
        RdsEndpoint, RdsPort, RdsSecretArn, RdsSecurityGroupId,
        RedisEndpoint, RedisPort, RedisSecurityGroupId,
        KafkaPrivateIp, KafkaInstanceId, KafkaSecurityGroupId,
        EksClusterName, EksClusterEndpoint, EksClusterArn, EksClusterSecurityGroupId, EksNodegroupName, KubeconfigCommand,
        EksAdminPrincipalArn,
    ];

    public static IEnumerable<StackOutput> Of(StackKind stack) => All.Where(o => o.Stack == stack);
}
