using System.Reflection;

namespace Exchange.Contracts;

// The one place a stack is registered: its kind, what it is (the stack description), the stacks it needs
// (dependencies), how it is destroyed, its configuration record and its outputs. DeployOrder, DestroyOrder,
// Outputs.All and the CDK app's list of stacks follow from this file; infra/ finds each stack's class by
// its [Stack(kind)] attribute.

/// <summary>The environment's stacks (one CloudFormation stack each, named <c>Exchange-{env}-{kind}</c>).</summary>
public enum StackKind { Vpc, Ecr, Rds, Redis, Kafka, Eks, Storage }

/// <summary>
/// One registered stack. <see cref="DependsOn"/> is checked against the synthesized app (a stack may only
/// use the stacks it declares); <see cref="Teardown"/> says what DestroyDev does around <c>cdk destroy</c>.
/// </summary>
public sealed record StackDefinition(StackKind Kind, string Description, IReadOnlyList<StackKind> DependsOn)
{
    public StackTeardown Teardown { get; init; } = StackTeardown.Plain;

    /// <summary>The outputs this stack declares (the <see cref="Outputs"/> fields of this kind).</summary>
    public IEnumerable<StackOutput> Outputs => Contracts.Outputs.Of(Kind);
}

/// <summary>What DestroyDev (and Pause --deep for the Eks stack) does before and after a stack's <c>cdk destroy</c>.</summary>
public sealed record StackTeardown
{
    public static readonly StackTeardown Plain = new();

    public IReadOnlyList<TeardownStep> Before { get; init; } = [];
    public IReadOnlyList<TeardownStep> After { get; init; } = [];
}

/// <summary>A step of a stack's teardown; the pipeline (DestroyDev) knows how to carry out each.</summary>
public abstract record TeardownStep
{
    /// <summary>Delete the workloads' namespace and wait for the load balancers Kubernetes made (they block the VPC's deletion).</summary>
    public sealed record DrainCluster : TeardownStep;

    /// <summary>Delete the control-plane log groups EKS leaves behind (creating the cluster again would fail on them).</summary>
    public sealed record SweepControlPlaneLogs : TeardownStep;

    /// <summary>Delete the database secret for good (its recovery window would block a new deploy).</summary>
    public sealed record DeleteDbSecretForGood : TeardownStep;

    /// <summary>Delete every object of the bucket the output names (CloudFormation deletes only an empty bucket).</summary>
    public sealed record EmptyBucket(StackOutput Bucket) : TeardownStep;
}

/// <summary>The registered stacks; every <see cref="StackKind"/> has exactly one.</summary>
public static class StackRegistry
{
    public static readonly StackDefinition Vpc = new(StackKind.Vpc, "network (VPC, subnets, NAT, S3 endpoint)", []);
    public static readonly StackDefinition Storage = new(StackKind.Storage, "S3 buckets for run artefacts and logs (VPC flow logs)", [StackKind.Vpc])
    {
        Teardown = new() { Before = [new TeardownStep.EmptyBucket(Outputs.ArtifactsBucketName), new TeardownStep.EmptyBucket(Outputs.LogsBucketName)] },
    };
    public static readonly StackDefinition Ecr = new(StackKind.Ecr, "container image repositories", []);
    public static readonly StackDefinition Rds = new(StackKind.Rds, "MySQL database", [StackKind.Vpc])
    {
        Teardown = new() { After = [new TeardownStep.DeleteDbSecretForGood()] },
    };
    public static readonly StackDefinition Redis = new(StackKind.Redis, "Redis cache", [StackKind.Vpc]);
    public static readonly StackDefinition Kafka = new(StackKind.Kafka, "Redpanda (Kafka API) host", [StackKind.Vpc]);
    public static readonly StackDefinition Eks = new(StackKind.Eks, "EKS cluster, SPOT node group and the backend's load balancer",
        [StackKind.Vpc, StackKind.Storage, StackKind.Rds, StackKind.Redis, StackKind.Kafka])
    {
        Teardown = new() { Before = [new TeardownStep.DrainCluster()], After = [new TeardownStep.SweepControlPlaneLogs()] },
    };

    private static readonly Lazy<IReadOnlyList<StackDefinition>> all = new(() =>
    {
        var declared = typeof(StackRegistry).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(StackDefinition))
            .Select(f => (StackDefinition)f.GetValue(null)!)
            .ToArray();
        var unregistered = Enum.GetValues<StackKind>().Except(declared.Select(d => d.Kind)).ToArray();
        var twice = declared.GroupBy(d => d.Kind).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        if (unregistered.Length > 0 || twice.Length > 0)
            throw new InvalidOperationException($"src/Exchange.Contracts/StackRegistry.cs: every StackKind needs exactly one StackDefinition " +
                                                $"(none: {string.Join(", ", unregistered)}; more than one: {string.Join(", ", twice)}).");
        return declared;
    });

    /// <summary>Every registered stack, in declaration order.</summary>
    public static IReadOnlyList<StackDefinition> All => all.Value;

    public static StackDefinition Of(StackKind kind) => All.Single(d => d.Kind == kind);

    /// <summary>
    /// Dependencies first, otherwise in declaration order (a stable topological sort); a cycle or a
    /// dependency on itself is an error in this file.
    /// </summary>
    public static IReadOnlyList<StackKind> Ordered(IReadOnlyList<StackDefinition> stacks)
    {
        var order = new List<StackKind>();
        var left = stacks.ToList();
        while (left.Count > 0)
        {
            var next = left.FirstOrDefault(d => d.DependsOn.All(order.Contains))
                       ?? throw new InvalidOperationException(
                           $"The stacks {string.Join(", ", left.Select(d => d.Kind))} depend on each other in a cycle (or on an unregistered stack).");
            order.Add(next.Kind);
            left.Remove(next);
        }
        return order;
    }
}

// ---- Per-stack configuration: one record per stack with settings (EnvironmentConfig.Stacks, values in Environments.cs) ----

/// <summary>The settings of one stack; the stack reads only its own record (EnvironmentConfig.Of).</summary>
public abstract record StackConfig;

public sealed record VpcConfig : StackConfig
{
    public required string Cidr { get; init; }
    public required NatKind Nat { get; init; }
    public required string NatInstanceType { get; init; }

    /// <summary>
    /// With a NAT gateway there is no NAT instance to tunnel through: a jump instance of this type (private subnet, no ingress, SSM
    /// only) carries the pipeline's tunnel to the private EKS API instead.
    /// </summary>
    public required string JumpInstanceType { get; init; }
}

public sealed record StorageConfig : StackConfig
{
    /// <summary>Days the logs bucket keeps a log object (VPC flow logs, access logs).</summary>
    public required int LogExpirationDays { get; init; }
}

public sealed record EksConfig : StackConfig
{
    /// <summary>The control plane's Kubernetes minor version ("1.35"). Changed by the Upgrade target, one minor at a time.</summary>
    public required string KubernetesVersion { get; init; }

    /// <summary>
    /// The node AMI release version the node group runs ("1.35.4-20260512", see <see cref="KubernetesVersions"/>): pinned, so every
    /// scale-up (each morning after the night's sleep at 0 nodes) starts the same, patched AMI. Its minor is the nodes' Kubernetes version.
    /// </summary>
    public required string NodeReleaseVersion { get; init; }

    /// <summary>The nodes' Kubernetes minor version, from <see cref="NodeReleaseVersion"/>.</summary>
    public string NodeKubernetesVersion => KubernetesVersions.MinorOfRelease(NodeReleaseVersion);

    public required IReadOnlyList<string> NodeInstanceTypes { get; init; }
    public required bool NodesOnSpot { get; init; }
    public required int NodeDesiredSize { get; init; }
    public required int NodeMinSize { get; init; }
    public required int NodeMaxSize { get; init; }
    public required int NodeDiskGb { get; init; }

    /// <summary>
    /// IPv4 CIDRs that may reach the EKS API endpoint from the internet: the team's office/VPN ranges.
    /// Empty: no public endpoint (private only). See <see cref="EksEndpointAccess"/>.
    /// </summary>
    public required IReadOnlyList<string> PublicAccessCidrs { get; init; }

    /// <summary>
    /// Who gets cluster-admin (AmazonEKSClusterAdminPolicy) through an access entry: IAM roles or users relative to the account
    /// (<c>role/PATH/NAME</c>, <c>user/NAME</c>) or full ARNs (see <see cref="ClusterPrincipals"/>). Every deploy makes exactly
    /// these entries (plus the deploying identity for that run when it is not listed), so nobody listed is locked out by
    /// someone else's deploy.
    /// </summary>
    public required IReadOnlyList<string> AdminPrincipals { get; init; }

    /// <summary>Who may look but not change (AmazonEKSViewPolicy): Status, kubectl get/logs. Same forms as <see cref="AdminPrincipals"/>.</summary>
    public IReadOnlyList<string> ViewPrincipals { get; init; } = [];

    /// <summary>
    /// An internet-facing Application Load Balancer in front of the backend (<see cref="BackendAccess"/>). About $24/month
    /// running (the load balancer hours and its two public IPv4 addresses): false leaves it out, and kubectl port-forward is
    /// then the way to the backend.
    /// </summary>
    public bool BackendLoadBalancer { get; init; } = true;

    /// <summary>
    /// IPv4 CIDRs the backend's load balancer admits (HTTP): the team's office/VPN ranges. Empty: nobody from outside (no
    /// ingress rule at all). Parsed like <see cref="PublicAccessCidrs"/>; 0.0.0.0/0 only when written (Doctor warns).
    /// </summary>
    public IReadOnlyList<string> BackendPublicCidrs { get; init; } = [];

    /// <summary>The nodes' CPU architecture, from <see cref="NodeInstanceTypes"/> (the node AMI type and the image platform follow).</summary>
    public NodeArchitecture NodeArchitecture => NodePlatform.ArchitectureOf(NodeInstanceTypes);
}

public sealed record RdsConfig : StackConfig
{
    public required string InstanceClass { get; init; }
    public required string MysqlFullVersion { get; init; }
    public required string MysqlMajorVersion { get; init; }
    public required int AllocatedStorageGb { get; init; }
    public required int MaxAllocatedStorageGb { get; init; }
    public required string DbUsername { get; init; }
    public required string DbName { get; init; }
}

public sealed record RedisConfig : StackConfig
{
    public required string NodeType { get; init; }
    public required string EngineVersion { get; init; }
}

public sealed record KafkaConfig : StackConfig
{
    public required string InstanceType { get; init; }
    public required int VolumeGb { get; init; }
    public required string RedpandaImage { get; init; }
    public required int Partitions { get; init; }
    public required int Replicas { get; init; }
}

public static class StackKinds
{
    private static readonly Lazy<IReadOnlyList<StackKind>> deployOrder = new(() => StackRegistry.Ordered(StackRegistry.All));

    /// <summary>Dependency order from the registration: deploy front to back, destroy back to front.</summary>
    public static IReadOnlyList<StackKind> DeployOrder => deployOrder.Value;

    public static IReadOnlyList<StackKind> DestroyOrder => DeployOrder.Reverse().ToArray();
}

/// <summary>
/// One CloudFormation output: the stack it lives in, its output key (the key in
/// <c>cdk deploy --outputs-file</c>) and, where the document exports it, the export-name suffix
/// (<c>{env}-{suffix}</c>).
/// </summary>
public sealed record StackOutput(StackKind Stack, string Key, string? ExportSuffix, string Description)
{
    public string? ExportName(string env) => ExportSuffix is null ? null : $"{env}-{ExportSuffix}";
}

/// <summary>Every output the CDK app declares and the pipeline reads; <see cref="All"/> is every field here.</summary>
public static class Outputs
{
    public static readonly StackOutput VpcId = new(StackKind.Vpc, "VpcId", "VpcId", "VPC id");
    public static readonly StackOutput JumpInstanceId = new(StackKind.Vpc, "JumpInstanceId", null,
        "Instance the pipeline's SSM tunnel to the private EKS API goes through (the NAT instance, or a jump instance with a NAT gateway)");
    public static readonly StackOutput JumpSecurityGroupId = new(StackKind.Vpc, "JumpSecurityGroupId", null,
        "Security group of that instance: the only source the cluster security group admits on 443");

    public static readonly StackOutput ArtifactsBucketName = new(StackKind.Storage, "ArtifactsBucketName", "ArtifactsBucketName",
        "S3 bucket of the run artefacts CI and people share (stack outputs, images.json, deploy policy)");
    public static readonly StackOutput LogsBucketName = new(StackKind.Storage, "LogsBucketName", "LogsBucketName",
        "S3 bucket of the VPC flow logs and access logs (expired by a lifecycle rule)");

    public static readonly StackOutput MatchingEngineRepoUri = new(StackKind.Ecr, "MatchingEngineRepoUri",
        "MatchingEngineRepoUri", "ECR repository URI of the matching engine shard image");
    public static readonly StackOutput BackendRepoUri = new(StackKind.Ecr, "BackendRepoUri",
        "BackendRepoUri", "ECR repository URI of the backend image");
    public static readonly StackOutput CheckerRepoUri = new(StackKind.Ecr, "CheckerRepoUri", null,
        "ECR repository URI of the connectivity checker image (Verify's Job)");

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
    /// <summary>
    /// A cluster deployed before the access list had one entry, logical ID AdminAccessEntry; its principal keeps that ID while it is
    /// listed (a new ID would make CloudFormation create a second entry for it, which EKS refuses). Same key as before, so a
    /// deployed stack of either kind says who it is.
    /// </summary>
    public static readonly StackOutput EksLegacyAdminEntryPrincipal = new(StackKind.Eks, "AdminPrincipalArn", null,
        "IAM principal whose access entry keeps the logical ID AdminAccessEntry from before the access list (none: no such entry)");

    public static readonly StackOutput BackendUrl = new(StackKind.Eks, "BackendUrl", null,
        "The backend's URL through its load balancer (none: no load balancer)");
    public static readonly StackOutput BackendTargetGroupArn = new(StackKind.Eks, "BackendTargetGroupArn", null,
        "Target group of the backend's load balancer; the pipeline attaches the node group's Auto Scaling group to it (none: no load balancer)");
    public static readonly StackOutput BackendListenerArn = new(StackKind.Eks, "BackendListenerArn", null,
        "The backend load balancer's listener; DeployPreview adds a path rule per preview to it (none: no load balancer)");
    public static readonly StackOutput BackendPreviewTargetGroupArns = new(StackKind.Eks, "BackendPreviewTargetGroupArns", null,
        "The preview slots' target groups, comma-separated in slot order (slot 1 first; none: no load balancer)");
    public static readonly StackOutput BackendPublicCidrs = new(StackKind.Eks, "BackendPublicCidrs", null,
        "IPv4 CIDRs the backend's load balancer admits (private: nobody from outside)");

    /// <summary>The value <see cref="EksLegacyAdminEntryPrincipal"/> carries when there is no such entry.</summary>
    public const string NoLegacyAdminEntry = "none";

    private static readonly Lazy<IReadOnlyList<StackOutput>> all = new(() =>
        typeof(Outputs).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(StackOutput))
            .Select(f => (StackOutput)f.GetValue(null)!)
            .OrderBy(o => StackKinds.DeployOrder.ToList().IndexOf(o.Stack))
            .ToArray());

    /// <summary>Every output above, grouped by stack in deploy order.</summary>
    public static IReadOnlyList<StackOutput> All => all.Value;

    public static IEnumerable<StackOutput> Of(StackKind stack) => All.Where(o => o.Stack == stack);
}
