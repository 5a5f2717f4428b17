using Exchange.Contracts;

namespace Exchange.Checker.Tests;

/// <summary>
/// The Kafka check against librdkafka's mock cluster: real Kafka protocol (Metadata, Produce, Fetch) over TCP on 127.0.0.1, from
/// the checker's own process. The mock answers neither CreateTopics nor DeleteTopics, so the scratch topic comes from the
/// broker's create-on-first-use and stays; the check says so.
/// </summary>
public sealed class KafkaCheckTests : IClassFixture<KafkaMockCluster>
{
    private static readonly IReadOnlyList<string> ShardTopics = Environments.Dev.KafkaTopics;
    private readonly KafkaMockCluster _kafka;

    public KafkaCheckTests(KafkaMockCluster kafka)
    {
        _kafka = kafka;
        kafka.CreateTopics(ShardTopics);
    }

    private CheckerRun Check(IEnumerable<string> topics, int partitions, string? servers = null) => CheckerProcess.Run(new Dictionary<string, string>
    {
        [KubernetesSecrets.KafkaBootstrapServers] = servers ?? _kafka.BootstrapServers,
        [CheckerConfigMap.KafkaTopics] = string.Join(',', topics),
        [CheckerConfigMap.KafkaTopicPartitions] = partitions.ToString(),
    }, "--checks=kafka", "--timeout=2");

    [Fact]
    public void The_check_finds_every_shard_topic_and_reads_back_what_it_wrote_to_a_scratch_topic()
    {
        var run = Check(ShardTopics, KafkaMockCluster.AutoCreatedPartitions);

        Assert.True(run.ExitCode == 0, run.ToString());
        var line = Assert.Single(CheckReport.Parse(run.Stdout).Checks);
        Assert.StartsWith($"{_kafka.BootstrapServers}: 1 broker(s); 6 shard topics with 4 partitions; round trip through exchange-checker-", line.Detail);
        // The mock has no controller for the admin API: the check says how the topic came about and that it is still there.
        Assert.Matches(@"\(partition \d+; (created|not created through the admin API \(.+\), so created on first use); " +
                       @"(deleted|NOT deleted \(.+\): delete it with `rpk topic delete exchange-checker-\d{14}-[0-9a-f]{6}`)\)$", line.Detail);
        var scratch = System.Text.RegularExpressions.Regex.Match(line.Detail, @"exchange-checker-\d{14}-[0-9a-f]{6}").Value;
        Assert.True(_kafka.Topics().ContainsKey(scratch) == line.Detail.Contains("NOT deleted", StringComparison.Ordinal),
            "the check reports what happened to its scratch topic");
    }

    [Fact]
    public void A_missing_shard_topic_fails_and_names_it()
    {
        var run = Check([.. ShardTopics, "matching-engine-shard-9-input"], KafkaMockCluster.AutoCreatedPartitions);

        Assert.Equal(ConnectivityCheck.CheckFailed, run.ExitCode);
        var result = CheckReport.Parse(run.Stdout).Result!.Message;
        Assert.StartsWith("kafka: 1 of 7 shard topics are missing: matching-engine-shard-9-input. Likely cause: DeployInfra creates the declared", result);
        Assert.False(_kafka.Topics().ContainsKey("matching-engine-shard-9-input"), "looking for a topic must not create it");
    }

    [Fact]
    public void A_topic_with_another_partition_count_fails_with_both_counts()
    {
        var expected = Environments.Dev.Of<KafkaConfig>().Partitions;

        var run = Check(ShardTopics, expected);

        Assert.Equal(ConnectivityCheck.CheckFailed, run.ExitCode);
        var result = CheckReport.Parse(run.Stdout).Result!.Message;
        Assert.StartsWith($"kafka: {ShardTopics[0]} has 4 partitions, ", result);
        Assert.Contains($"; expected {expected}. Likely cause: the topic was created some other way", result);
    }

    [Fact]
    public void A_closed_bootstrap_port_fails_as_refused_and_names_the_secret_key()
    {
        var run = Check(ShardTopics, KafkaMockCluster.AutoCreatedPartitions, $"127.0.0.1:{LocalServer.FreePort()}");

        Assert.Equal(ConnectivityCheck.CheckFailed, run.ExitCode);
        Assert.Contains("refused the connection. Likely cause: nothing listens on that port: a wrong port in the secret (KAFKA_BOOTSTRAP_SERVERS)",
            CheckReport.Parse(run.Stdout).Result!.Message);
    }
}
