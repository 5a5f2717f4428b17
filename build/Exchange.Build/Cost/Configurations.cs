namespace Exchange.Build.Cost;

/// <summary>A named alternative to the synthesized configuration: a patch of a copy of the assembly (returns the number of changes).</summary>
public sealed record CostConfiguration(string Name, string Description, Func<CloudAssembly, int> Apply);

/// <summary>
/// The configuration options worth comparing, each alone against the synthesized dev default,
/// and the design document's configuration priced from the same table.
/// </summary>
public static class Configurations
{
    public static readonly CostConfiguration NatGateway = new("NAT gateway",
        "a managed NAT gateway and its Elastic IP instead of the NAT instance, and a t4g.nano jump instance for the SSM tunnel to the EKS API " +
        "(what -c nat=gateway synthesizes)",
        Patches.NatGatewayWithJumpInstance);

    public static readonly CostConfiguration OnDemandNodes = new("On-demand nodes",
        "the node group on on-demand capacity instead of Spot",
        a => Patches.Set(a, "AWS::EKS::Nodegroup", "CapacityType", "ON_DEMAND"));

    public static readonly CostConfiguration X86Data = new("x86 database and cache",
        "db.t3 / cache.t3 instead of Graviton db.t4g / cache.t4g",
        Patches.X86DataClasses);

    public static readonly CostConfiguration ExtendedSupport = new("Kubernetes extended support",
        "EKS 1.29 (the design document's version) with the EXTENDED upgrade policy, CloudFormation's default",
        a => Patches.Kubernetes(a, "1.29", "EXTENDED"));

    // The defaults before issue 15 revisited them: each alone, so Cost shows what each cheaper choice saves.
    public static readonly CostConfiguration X86Redpanda = new("Redpanda on t3.medium",
        "the Redpanda host on an x86 t3.medium (4 GiB) instead of a Graviton t4g.small (2 GiB: --memory 1G plus the OS)",
        a => Patches.WorkloadInstanceType(a, "t3.medium"));

    public static readonly CostConfiguration LargeNodeDisks = new("50 GB node disks",
        "node root volumes of 50 GB instead of the EKS default 20 GB",
        a => Patches.Set(a, "AWS::EKS::Nodegroup", "DiskSize", 50));

    public static readonly CostConfiguration LargeKafkaVolume = new("50 GB Redpanda data volume",
        "a 50 GB Redpanda data volume instead of 10 GB",
        a => Patches.WorkloadDataVolumeSize(a, 50));

    public static IReadOnlyList<CostConfiguration> Options { get; } =
        [NatGateway, OnDemandNodes, X86Data, ExtendedSupport, X86Redpanda, LargeNodeDisks, LargeKafkaVolume];

    public static readonly CostConfiguration WithoutBackendLoadBalancer = new("Without the backend ALB",
        "no Application Load Balancer in front of the backend (EksConfig.BackendLoadBalancer = false, -c backendLoadBalancer=false): " +
        "its hours, LCUs and two public IPv4 addresses go; kubectl port-forward is then the way to the backend",
        a => Patches.RemoveTypes(a, "AWS::ElasticLoadBalancingV2::"));

    /// <summary>Parts of the dev default one can leave out, each alone: what each saves (the default keeps them).</summary>
    public static IReadOnlyList<CostConfiguration> LeftOut { get; } = [WithoutBackendLoadBalancer];

    /// <summary>
    /// The design document (section 2.1 config/dev.ts and section 3): one NAT gateway, 2 x t3.medium Spot
    /// nodes (t3a.medium fallback, 50 GB disks, min 1 / max 4), db.t3.micro with 20 GB gp3, cache.t3.micro,
    /// Redpanda on a t3.medium with one 50 GB gp3 root volume, and EKS 1.29 - in extended support today.
    /// </summary>
    public static readonly CostConfiguration DesignDocument = new("Design document (EKS 1.29, extended support)",
        "the document's configuration as written; 1.29 is past standard support, so its control plane bills $0.60/h",
        a => DocumentResources(a) + Patches.Kubernetes(a, "1.29", "EXTENDED"));

    public static readonly CostConfiguration DesignDocumentOnStandardSupport = new("Design document on standard support",
        "the document's resources with the cluster on a version in standard support (the design document's 'about $200/month', at today's prices)",
        DocumentResources);

    public static IReadOnlyList<CostConfiguration> DesignDocumentVariants { get; } = [DesignDocument, DesignDocumentOnStandardSupport];

    private static int DocumentResources(CloudAssembly a) =>
        Patches.NatGatewayForNatInstances(a)
        + Patches.Nodes(a, "SPOT", ["t3.medium", "t3a.medium"], desired: 2, min: 1, max: 4, diskGb: 50)
        + Patches.Set(a, "AWS::RDS::DBInstance", "DBInstanceClass", "db.t3.micro")
        + Patches.Set(a, "AWS::RDS::DBInstance", "AllocatedStorage", "20")
        + Patches.Set(a, "AWS::RDS::DBInstance", "StorageType", "gp3")
        + Patches.Set(a, "AWS::ElastiCache::ReplicationGroup", "CacheNodeType", "cache.t3.micro")
        + Patches.WorkloadInstanceType(a, "t3.medium")
        + Patches.WorkloadRootVolumeOnly(a, 50);
}
