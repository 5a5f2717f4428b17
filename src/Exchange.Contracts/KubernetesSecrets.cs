namespace Exchange.Contracts;

/// <summary>A Kubernetes Secret the pipeline creates and the workloads read (design document 5.2).</summary>
public sealed record SecretDefinition(string Name, IReadOnlyList<string> Keys);

/// <summary>The one definition of the secrets' names and keys, shared by the pipeline and the k8s tests.</summary>
public static class KubernetesSecrets
{
    public const string MysqlHost = "MYSQL_HOST";
    public const string MysqlPort = "MYSQL_PORT";
    public const string MysqlUsername = "MYSQL_USERNAME";
    public const string MysqlPassword = "MYSQL_PASSWORD";
    public const string MysqlDatabase = "MYSQL_DATABASE";
    public const string KafkaBootstrapServers = "KAFKA_BOOTSTRAP_SERVERS";
    public const string RedisHost = "REDIS_HOST";
    public const string RedisPort = "REDIS_PORT";

    public static readonly SecretDefinition Db = new("db-credentials",
        [MysqlHost, MysqlPort, MysqlUsername, MysqlPassword, MysqlDatabase]);
    public static readonly SecretDefinition Kafka = new("kafka-credentials", [KafkaBootstrapServers]);
    public static readonly SecretDefinition Redis = new("redis-credentials", [RedisHost, RedisPort]);

    public static IReadOnlyList<SecretDefinition> All { get; } = [Db, Kafka, Redis];
}

/// <summary>The workload images: the kustomize image names in k8s/base and the ECR repository each is pushed to.</summary>
public static class WorkloadImages
{
    /// <summary>Image name used in k8s/base for the engine shards; kustomize `images` rewrites it.</summary>
    public const string MatchingEngine = "matching-engine-shard";
    /// <summary>Image name used in k8s/base for the backend.</summary>
    public const string Backend = "future-backend";
}

/// <summary>The TCP ports of the data stores: the security-group rules the CDK app opens and the egress the NetworkPolicies must allow.</summary>
public static class DataStorePorts
{
    public const int Mysql = 3306;
    public const int Redis = 6379;
    public const int Kafka = 9092;

    /// <summary>The port a workload needs to reach once it reads a secret's connection settings.</summary>
    public static readonly IReadOnlyDictionary<string, int> BySecret = new Dictionary<string, int>
    {
        [KubernetesSecrets.Db.Name] = Mysql,
        [KubernetesSecrets.Redis.Name] = Redis,
        [KubernetesSecrets.Kafka.Name] = Kafka,
    };
}
