using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElastiCache;
using Constructs;
using Exchange.Contracts;

namespace Exchange.Infra.Stacks;


/// <summary>
/// One Redis node in the isolated subnets. It is a single-node replication group rather than a bare
/// cache cluster because only replication groups support encryption at rest.
/// </summary>
[Stack(StackKind.Redis)]
public sealed class RedisStack : ExchangeStack<RedisConfig>, IDataStore
{
    public const string CacheLogicalId = "Cache";
    public const string SecurityGroupLogicalId = "RedisSecurityGroup";
    public const int Port = DataStorePorts.Redis;

    /// <summary>AEC3: at rest is encrypted, in transit is not.</summary>
    public const string NoTransitEncryptionReason =
        "Encrypted at rest. In-transit TLS would oblige every client to speak TLS, and the apps are configured with " +
        "REDIS_HOST/REDIS_PORT only; the node is in isolated subnets and admits only the EKS cluster security group.";

    /// <summary>AEC4.</summary>
    public const string SingleNodeReason =
        "A dev cache: a replica in a second AZ doubles the node price (about +$18/month for cache.t4g.micro), and " +
        "losing the node loses only cached data.";

    /// <summary>AEC5.</summary>
    public const string DefaultPortReason =
        "A non-default port is obscurity, not access control: the node is in isolated subnets and admits only the " +
        "EKS cluster security group; 6379 keeps client defaults working.";

    /// <summary>AEC6.</summary>
    public const string NoAuthReason =
        "Redis AUTH requires in-transit TLS (see AEC3) and a token in every client; the node is reachable only from the " +
        "EKS cluster security group inside the VPC.";

    public RedisStack(Construct scope, StackBuild build)
        : base(scope, build)
    {
        var vpc = build.Stack<VpcStack>().Vpc;
        SecurityGroup = ClosedSecurityGroup(vpc, SecurityGroupLogicalId, "redis", "Redis");

        var subnets = new CfnSubnetGroup(this, "SubnetGroup", new CfnSubnetGroupProps
        {
            CacheSubnetGroupName = $"{Names.RedisClusterName}-subnet",
            Description = $"Isolated subnets of {Names.RedisClusterName}",
            SubnetIds = vpc.SelectSubnets(new SubnetSelection { SubnetType = SubnetType.PRIVATE_ISOLATED }).SubnetIds,
        });

        Cache = new CfnReplicationGroup(this, CacheLogicalId, new CfnReplicationGroupProps
        {
            ReplicationGroupId = Names.RedisClusterName,
            ReplicationGroupDescription = $"Exchange {Env.EnvName} Redis (single node)",
            Engine = "redis",
            EngineVersion = Config.EngineVersion,
            CacheNodeType = Config.NodeType,
            NumCacheClusters = 1,
            AutomaticFailoverEnabled = false,
            MultiAzEnabled = false,
            Port = Port,
            CacheSubnetGroupName = subnets.Ref,
            SecurityGroupIds = [SecurityGroup.SecurityGroupId],
            AtRestEncryptionEnabled = true,
            // In-transit TLS would oblige every client to speak TLS; the node is reachable only from
            // the cluster security group inside the VPC (see the dev trade-offs in Program.cs).
            TransitEncryptionEnabled = false,
            AutoMinorVersionUpgrade = true,
            SnapshotRetentionLimit = 0,
            PreferredMaintenanceWindow = "sun:19:30-sun:20:30",
        });
        Cache.ApplyRemovalPolicy(RemovalPolicy.DESTROY);
        NagSuppressions.Add(Cache,
            new NagSuppression(NagSuppressions.CacheEncryption, NoTransitEncryptionReason),
            new NagSuppression(NagSuppressions.CacheMultiAz, SingleNodeReason),
            new NagSuppression(NagSuppressions.CacheDefaultPort, DefaultPortReason),
            new NagSuppression(NagSuppressions.CacheAuth, NoAuthReason));

        Output(Outputs.RedisEndpoint, Cache.AttrPrimaryEndPointAddress);
        Output(Outputs.RedisPort, Cache.AttrPrimaryEndPointPort);
        Output(Outputs.RedisSecurityGroupId, SecurityGroup.SecurityGroupId);
    }

    public SecurityGroup SecurityGroup { get; }

    public DataStoreAccess ClusterAccess => new("Redis", SecurityGroup, [Port]);

    public CfnReplicationGroup Cache { get; }
}
