using System.Globalization;
using System.Security.Cryptography;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Exchange.Contracts;

namespace Exchange.Checker;

/// <summary>
/// Kafka: the broker's metadata through KAFKA_BOOTSTRAP_SERVERS, every broker it advertises reachable, the shard topics with
/// the expected partition count, and a produce/consume round trip on a scratch topic that is deleted afterwards.
/// </summary>
internal static class KafkaCheck
{
    private const string Variable = KubernetesSecrets.KafkaBootstrapServers;

    public static async Task<string> RunAsync(CheckerSettings s)
    {
        var servers = s.KafkaBootstrapServers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var server in servers)
        {
            var (host, port) = HostAndPort(server);
            await Reach.TcpAsync(host, port, s.Timeout, Variable, Variable);
        }

        var log = new LibraryLog();
        var timeoutMs = (int)s.Timeout.TotalMilliseconds;
        using var admin = new AdminClientBuilder(new AdminClientConfig
            {
                BootstrapServers = s.KafkaBootstrapServers, ClientId = ConnectivityCheck.ImageName, SocketTimeoutMs = timeoutMs,
            })
            .SetLogHandler((_, m) => log.Add(m.Message)).SetErrorHandler((_, e) => log.Add(e.Reason)).Build();
        Metadata metadata;
        try
        {
            metadata = admin.GetMetadata(s.Timeout);
        }
        catch (KafkaException e)
        {
            throw new CheckFailure($"no Kafka metadata from {s.KafkaBootstrapServers} within {Reach.Seconds(s.Timeout)}: {e.Error.Reason}{log.Last}",
                LikelyCause.WrongProtocol(Variable, "a Kafka broker") + ", or a broker that is still starting (Status shows Redpanda's state)");
        }
        // Clients talk to the addresses the broker advertises, not to the bootstrap address.
        foreach (var broker in metadata.Brokers)
        {
            try { await Reach.TcpAsync(broker.Host, broker.Port, s.Timeout, Variable, Variable); }
            catch (CheckFailure e)
            {
                throw new CheckFailure($"the broker advertises {broker.Host}:{broker.Port}, which this pod cannot reach ({e.Message})",
                    "Redpanda's advertised Kafka address must be the host's private IP (its boot script sets --advertise-kafka-addr); " + e.LikelyCause);
            }
        }

        var topics = Topics(metadata, s);
        var roundTrip = await RoundTripAsync(admin, s, log);
        return $"{s.KafkaBootstrapServers}: {metadata.Brokers.Count} broker(s); {topics}; {roundTrip}";
    }

    /// <summary>Every expected shard topic exists, without errors, with the expected partition count.</summary>
    internal static string Topics(Metadata metadata, CheckerSettings s)
    {
        var found = metadata.Topics.Where(t => t.Error.Code != ErrorCode.UnknownTopicOrPart).ToDictionary(t => t.Topic);
        var missing = s.KafkaTopics.Where(t => !found.ContainsKey(t)).ToArray();
        if (missing.Length > 0)
            throw new CheckFailure($"{missing.Length} of {s.KafkaTopics.Count} shard topics are missing: {string.Join(", ", missing)}",
                "DeployInfra creates the declared topics over SSM only when the declaration or the broker's host changed, so one " +
                "deleted by hand stays missing: ./build.sh --target=Status shows declared against actual and how to have DeployInfra " +
                $"recreate them (or `rpk topic create NAME -p {s.KafkaTopicPartitions} -r 1` on the Kafka host)");
        var broken = s.KafkaTopics.Select(t => found[t]).Where(t => t.Error.Code != ErrorCode.NoError).ToArray();
        if (broken.Length > 0)
            throw new CheckFailure($"topic {broken[0].Topic} answers {broken[0].Error.Reason}",
                "a broker that is still electing leaders (rerun in a minute) or a damaged topic (`rpk topic describe` on the Kafka host)");
        var wrong = s.KafkaTopics.Select(t => found[t]).Where(t => t.Partitions.Count != s.KafkaTopicPartitions).ToArray();
        if (wrong.Length > 0)
            throw new CheckFailure($"{string.Join(", ", wrong.Select(t => $"{t.Topic} has {t.Partitions.Count} partitions"))}; " +
                                   $"expected {s.KafkaTopicPartitions}",
                "the topic was created some other way (by hand, or auto-created on first use with the broker's default partition " +
                $"count) before DeployInfra created it with {s.KafkaTopicPartitions}; recreate it (rpk topic delete, then create)");
        return $"{s.KafkaTopics.Count} shard topics with {s.KafkaTopicPartitions} partitions";
    }

    /// <summary>Produces one record to a new scratch topic, reads it back, deletes the topic.</summary>
    private static async Task<string> RoundTripAsync(IAdminClient admin, CheckerSettings s, LibraryLog log)
    {
        var topic = $"{ConnectivityCheck.ImageName}-{DateTime.UtcNow:yyyyMMddHHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
        var timeoutMs = (int)s.Timeout.TotalMilliseconds;
        var created = "created";
        try
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }],
                new CreateTopicsOptions { OperationTimeout = s.Timeout, RequestTimeout = s.Timeout });
        }
        catch (Exception e) when (e is KafkaException or CreateTopicsException)
        {
            // A broker that does not create topics through the admin API may still create them on first use (Redpanda's dev mode does).
            created = $"not created through the admin API ({Reason(e)}), so created on first use";
        }

        var value = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        TopicPartitionOffset written;
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig
               {
                   BootstrapServers = s.KafkaBootstrapServers, ClientId = ConnectivityCheck.ImageName, Acks = Acks.All,
                   MessageTimeoutMs = timeoutMs, SocketTimeoutMs = timeoutMs, AllowAutoCreateTopics = true,
               }).SetLogHandler((_, m) => log.Add(m.Message)).SetErrorHandler((_, e) => log.Add(e.Reason)).Build())
        {
            try
            {
                written = (await producer.ProduceAsync(topic, new Message<string, string> { Key = "check", Value = value })).TopicPartitionOffset;
            }
            catch (ProduceException<string, string> e)
            {
                throw new CheckFailure($"could not produce to the scratch topic {topic} ({created}): {e.Error.Reason}{log.Last}",
                    "a broker that accepts connections but not writes: out of disk, or topics neither created by the admin API " +
                    "nor on first use (auto_create_topics_enabled)");
            }
        }

        using (var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
               {
                   BootstrapServers = s.KafkaBootstrapServers, ClientId = ConnectivityCheck.ImageName, GroupId = topic,
                   EnableAutoCommit = false, SocketTimeoutMs = timeoutMs,
               }).SetLogHandler((_, m) => log.Add(m.Message)).SetErrorHandler((_, e) => log.Add(e.Reason)).Build())
        {
            consumer.Assign(written);
            var deadline = DateTime.UtcNow + s.Timeout;
            ConsumeResult<string, string>? read = null;
            while (read?.Message?.Value != value && DateTime.UtcNow < deadline)
                read = consumer.Consume(TimeSpan.FromMilliseconds(Math.Min(500, timeoutMs)));
            if (read?.Message?.Value != value)
                throw new CheckFailure($"wrote a record to {written} but could not read it back within {Reach.Seconds(s.Timeout)}{log.Last}",
                    "a broker that accepts writes but does not serve fetches; look at Redpanda's log (docker logs redpanda on the Kafka host)");
            consumer.Close();
        }

        string deleted;
        try
        {
            await admin.DeleteTopicsAsync([topic], new DeleteTopicsOptions { OperationTimeout = s.Timeout, RequestTimeout = s.Timeout });
            deleted = "deleted";
        }
        catch (Exception e) when (e is KafkaException or DeleteTopicsException)
        {
            deleted = $"NOT deleted ({Reason(e)}): delete it with `rpk topic delete {topic}`";
        }
        return $"round trip through {topic} (partition {written.Partition.Value.ToString(CultureInfo.InvariantCulture)}; {created}; {deleted})";
    }

    private static string Reason(Exception e) => e switch
    {
        CreateTopicsException c => c.Results.FirstOrDefault()?.Error.Reason ?? c.Message,
        DeleteTopicsException d => d.Results.FirstOrDefault()?.Error.Reason ?? d.Message,
        KafkaException k => k.Error.Reason,
        _ => e.Message,
    };

    private static (string Host, int Port) HostAndPort(string server)
    {
        var colon = server.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(server[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            throw new CheckFailure($"'{server}' in {Variable} is not HOST:PORT",
                $"a malformed {Variable} in the secret {KubernetesSecrets.Kafka.Name}: rerun --target=Secrets");
        return (server[..colon], port);
    }

    /// <summary>librdkafka's own log lines, kept (not printed) so a failure can quote the last one.</summary>
    private sealed class LibraryLog
    {
        private readonly List<string> _lines = [];
        private readonly Lock _gate = new();

        public void Add(string line) { lock (_gate) _lines.Add(line); }

        public string Last { get { lock (_gate) return _lines.Count == 0 ? "" : $" (librdkafka: {_lines[^1]})"; } }
    }
}
