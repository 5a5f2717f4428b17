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
/// Everything that differs between environments: what the whole environment shares (name, region, zones,
/// account, sleep schedule, shard count) and one record per stack (<see cref="Stacks"/>), each stack taking
/// only its own. The design document's <c>config/dev.ts</c>, updated to the facts of Nov 2026 (README.md,
/// "What differs from the design document").
/// </summary>
public sealed record EnvironmentConfig
{
    public required string EnvName { get; init; }
    public required string Region { get; init; }
    public required IReadOnlyList<string> AvailabilityZones { get; init; }

    /// <summary>Engine shards (the document runs three: shard-1..3); the workloads and the Kafka topics follow.</summary>
    public required int ShardCount { get; init; }

    /// <summary>When the environment sleeps (in-AWS schedules, the workflow's wake-up, Cost); null: it never sleeps on its own.</summary>
    public SleepSchedule? Sleep { get; init; }

    /// <summary>The AWS account this environment lives in, when pinned; null means "pass --account".</summary>
    public string? Account { get; init; }

    /// <summary>One configuration record per stack that has settings (at most one of each type).</summary>
    public required IReadOnlyList<StackConfig> Stacks { get; init; }

    public EnvironmentNames Names => new(EnvName);

    /// <summary>The configuration record of one stack, or an error naming the file to add it to.</summary>
    public T Of<T>() where T : StackConfig =>
        Stacks.OfType<T>().SingleOrDefault()
        ?? throw new InvalidOperationException($"Environment '{EnvName}' has no {typeof(T).Name}: add one to its Stacks in " +
            "src/Exchange.Contracts/Environments.cs.");

    /// <summary>This configuration with <paramref name="config"/> in place of the stack's current record.</summary>
    public EnvironmentConfig With<T>(T config) where T : StackConfig =>
        this with { Stacks = Stacks.Select(s => s is T ? config : s).ToArray() };

    /// <summary>The shard topics: matching-engine-shard-N-input / -output (two per shard).</summary>
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
