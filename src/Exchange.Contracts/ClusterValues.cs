namespace Exchange.Contracts;

// The one table of the values that go from AWS into the cluster: every Secret key and every ConfigMap entry
// the pipeline creates, each bound to its source. The Secrets and ApplyK8s tasks are loops over it, and the
// k8s tests check every secretKeyRef / configMapKeyRef of the manifests against it.

/// <summary>Where a value for the cluster comes from.</summary>
public abstract record ValueSource
{
    /// <summary>
    /// A stack output; <paramref name="Format"/> wraps it (<c>{0}</c> is the value), <paramref name="Default"/> stands in when an older stack lacks
    /// it.
    /// </summary>
    public sealed record Output(StackOutput Of, string Format = "{0}", string? Default = null) : ValueSource;

    /// <summary>A field of a Secrets Manager secret's JSON (the secret named by <paramref name="Secret"/>); an empty field is an error.</summary>
    public sealed record SecretField(Func<EnvironmentNames, string> Secret, string Field) : ValueSource;

    /// <summary>A value of the environment's configuration, known without AWS.</summary>
    public sealed record Constant(Func<EnvironmentConfig, string> Value) : ValueSource;
}

/// <summary>One key of a Secret or ConfigMap, bound to its source.</summary>
public sealed record ClusterValue(string Key, ValueSource Source);

/// <summary>A Kubernetes Secret the pipeline creates and the workloads read (design document 5.2).</summary>
public sealed record SecretDefinition(string Name, IReadOnlyList<ClusterValue> Values)
{
    public IReadOnlyList<string> Keys => Values.Select(v => v.Key).ToArray();
}

/// <summary>A ConfigMap of values that are not secret, created the same way.</summary>
public sealed record ConfigMapDefinition(string Name, IReadOnlyList<ClusterValue> Values)
{
    public IReadOnlyList<string> Keys => Values.Select(v => v.Key).ToArray();
}

/// <summary>The secrets' names and keys, each key bound to its source; shared by the pipeline and the k8s tests.</summary>
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

    private static readonly Func<EnvironmentNames, string> DbSecret = n => n.DbSecretName;

    public static readonly SecretDefinition Db = new("db-credentials",
    [
        new(MysqlHost, new ValueSource.Output(Outputs.RdsEndpoint)),
        new(MysqlPort, new ValueSource.Output(Outputs.RdsPort, Default: $"{DataStorePorts.Mysql}")),
        new(MysqlUsername, new ValueSource.SecretField(DbSecret, "username")),
        new(MysqlPassword, new ValueSource.SecretField(DbSecret, "password")),
        new(MysqlDatabase, new ValueSource.Constant(c => c.Of<RdsConfig>().DbName)),
    ]);
    public static readonly SecretDefinition Kafka = new("kafka-credentials",
    [
        new(KafkaBootstrapServers, new ValueSource.Output(Outputs.KafkaPrivateIp, $"{{0}}:{DataStorePorts.Kafka}")),
    ]);
    public static readonly SecretDefinition Redis = new("redis-credentials",
    [
        new(RedisHost, new ValueSource.Output(Outputs.RedisEndpoint)),
        new(RedisPort, new ValueSource.Output(Outputs.RedisPort, Default: $"{DataStorePorts.Redis}")),
    ]);

    public static IReadOnlyList<SecretDefinition> All { get; } = [Db, Kafka, Redis];
}

/// <summary>
/// The ConfigMap of AWS-side values that are not secret (ApplyK8s applies it with the workloads). Not the
/// kustomize-generated exchange-settings, which holds the settings k8s/base itself knows.
/// </summary>
public static class EnvironmentConfigMap
{
    public const string AwsRegion = "AWS_REGION";
    public const string ArtifactsBucket = "ARTIFACTS_BUCKET";
    /// <summary>The Redis logical database the workloads use: 0 in the main namespace, the slot in a preview's (Previews).</summary>
    public const string RedisDatabase = "REDIS_DATABASE";
    /// <summary>What the workloads put before every Kafka topic name: nothing in the main namespace, <c>pr-N.</c> in a preview's.</summary>
    public const string KafkaTopicPrefix = "KAFKA_TOPIC_PREFIX";

    public static readonly ConfigMapDefinition Definition = new("exchange-environment",
    [
        new(AwsRegion, new ValueSource.Constant(c => c.Region)),
        new(ArtifactsBucket, new ValueSource.Output(Outputs.ArtifactsBucketName)),
        new(RedisDatabase, new ValueSource.Constant(_ => "0")),
        new(KafkaTopicPrefix, new ValueSource.Constant(_ => "")),
    ]);
}

/// <summary>
/// The ConfigMap of what the connectivity check (Verify's Job, src/Exchange.Checker) expects to find: the shard topics and their
/// partition count, from the one definition in the environment's configuration. Verify applies it with the Job.
/// </summary>
public static class CheckerConfigMap
{
    public const string KafkaTopics = "KAFKA_TOPICS";
    public const string KafkaTopicPartitions = "KAFKA_TOPIC_PARTITIONS";

    public static readonly ConfigMapDefinition Definition = new("exchange-checker",
    [
        new(KafkaTopics, new ValueSource.Constant(c => string.Join(',', c.KafkaTopics))),
        new(KafkaTopicPartitions,
            new ValueSource.Constant(c => c.Of<KafkaConfig>().Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture))),
    ]);
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
