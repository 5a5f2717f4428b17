using Confluent.Kafka;

namespace Exchange.Checker.Tests;

/// <summary>
/// librdkafka's mock cluster (Confluent.Kafka's <c>test.mock.num.brokers</c>): a Kafka-protocol broker inside this test process,
/// listening on 127.0.0.1, that serves Metadata, Produce and Fetch to other processes (the checker). What it does not do: the
/// admin API's CreateTopics and DeleteTopics time out ("waiting for controller"), and it creates a topic on first use with
/// <see cref="AutoCreatedPartitions"/> partitions, whatever was asked.
/// </summary>
public sealed class KafkaMockCluster : IDisposable
{
    public const int AutoCreatedPartitions = 4;
    private readonly IAdminClient _owner;

    public KafkaMockCluster()
    {
        var config = new AdminClientConfig { BootstrapServers = "replaced-by-the-mock:9092" };
        config.Set("test.mock.num.brokers", "1");
        _owner = new AdminClientBuilder(config).SetLogHandler((_, _) => { }).Build();
        var metadata = _owner.GetMetadata(TimeSpan.FromSeconds(10));
        BootstrapServers = string.Join(",", metadata.Brokers.Select(b => $"{b.Host}:{b.Port}"));
        if (!BootstrapServers.StartsWith("127.0.0.1:", StringComparison.Ordinal))
            throw new InvalidOperationException($"The mock cluster listens on {BootstrapServers}, not 127.0.0.1.");
    }

    public string BootstrapServers { get; }

    /// <summary>Brings topics into being the way the mock can: one record produced to each.</summary>
    public void CreateTopics(IEnumerable<string> topics)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = BootstrapServers, AllowAutoCreateTopics = true })
            .SetLogHandler((_, _) => { }).Build();
        foreach (var topic in topics) producer.ProduceAsync(topic, new Message<string, string> { Key = "seed", Value = "seed" }).GetAwaiter().GetResult();
    }

    public IReadOnlyDictionary<string, int> Topics() =>
        _owner.GetMetadata(TimeSpan.FromSeconds(10)).Topics.ToDictionary(t => t.Topic, t => t.Partitions.Count);

    public void Dispose() => _owner.Dispose();
}
