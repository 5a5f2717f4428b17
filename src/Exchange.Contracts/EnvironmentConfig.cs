namespace Exchange.Contracts;

/// <summary>How the private subnets reach the internet.</summary>
public enum NatKind
{
    /// <summary>A managed NAT gateway: ~$43/month plus $0.059/GB processed, no maintenance.</summary>
    Gateway,
    /// <summary>A Graviton NAT instance (t4g.nano): ~$4/month plus its public IPv4; the dev default.</summary>
    Instance,
}

/// <summary>
/// Everything that differs between environments. The design document's <c>config/dev.ts</c>,
/// updated to the facts of Nov 2026 (README.md, "What differs from the design document").
/// </summary>
public sealed record EnvironmentConfig
{
    public required string EnvName { get; init; }
    public required string Region { get; init; }
    public required IReadOnlyList<string> AvailabilityZones { get; init; }
    public required string VpcCidr { get; init; }

    public required NatKind Nat { get; init; }
    public required string NatInstanceType { get; init; }

    public required string KubernetesVersion { get; init; }
    public required IReadOnlyList<string> EksNodeInstanceTypes { get; init; }
    public required bool EksNodesOnSpot { get; init; }
    public required int EksNodeDesiredSize { get; init; }
    public required int EksNodeMinSize { get; init; }
    public required int EksNodeMaxSize { get; init; }
    public required int EksNodeDiskGb { get; init; }

    /// <summary>
    /// IPv4 CIDRs that may reach the EKS API endpoint from the internet: the team's office/VPN ranges.
    /// Empty: no public endpoint (private only). See <see cref="EksEndpointAccess"/>.
    /// </summary>
    public required IReadOnlyList<string> EksPublicAccessCidrs { get; init; }

    public required string RdsInstanceClass { get; init; }
    public required string MysqlFullVersion { get; init; }
    public required string MysqlMajorVersion { get; init; }
    public required int RdsAllocatedStorageGb { get; init; }
    public required int RdsMaxAllocatedStorageGb { get; init; }

    public required string RedisNodeType { get; init; }
    public required string RedisEngineVersion { get; init; }

    public required string KafkaInstanceType { get; init; }
    public required int KafkaVolumeGb { get; init; }
    public required string RedpandaImage { get; init; }
    public required int KafkaPartitions { get; init; }
    public required int KafkaReplicas { get; init; }

    public required string DbUsername { get; init; }
    public required string DbName { get; init; }

    /// <summary>Engine shards (the document runs three: shard-1..3).</summary>
    public required int ShardCount { get; init; }

    /// <summary>When the environment sleeps (in-AWS schedules, the workflow's wake-up, Cost); null: it never sleeps on its own.</summary>
    public SleepSchedule? Sleep { get; init; }

    /// <summary>The AWS account this environment lives in, when pinned; null means "pass --account".</summary>
    public string? Account { get; init; }

    public EnvironmentNames Names => new(EnvName);

    /// <summary>The nodes' CPU architecture, from <see cref="EksNodeInstanceTypes"/> (the node AMI type and the image platform follow).</summary>
    public NodeArchitecture NodeArchitecture => NodePlatform.ArchitectureOf(EksNodeInstanceTypes);

    /// <summary>The six shard topics: matching-engine-shard-N-input / -output.</summary>
    public IReadOnlyList<string> KafkaTopics =>
        Enumerable.Range(1, ShardCount)
            .SelectMany(n => new[] { ShardTopics.Input(n), ShardTopics.Output(n) })
            .ToArray();
}

public static class ShardTopics
{
    public static string Input(int shard) => $"matching-engine-shard-{shard}-input";
    public static string Output(int shard) => $"matching-engine-shard-{shard}-output";
}
