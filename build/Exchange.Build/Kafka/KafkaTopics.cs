using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Exchange.Contracts;

namespace Exchange.Build.Kafka;

/// <summary>One topic: its name, partitions and replication factor.</summary>
public sealed record KafkaTopic(string Name, int Partitions, int Replicas);

/// <summary>
/// The topics the environment declares (<see cref="EnvironmentConfig.KafkaTopics"/> with <see cref="KafkaConfig"/>'s partitions
/// and replicas), and a digest of them: the broker is asked again only when the digest, or the broker, changed.
/// </summary>
public sealed partial record DeclaredTopics(IReadOnlyList<KafkaTopic> Topics)
{
    public static DeclaredTopics Of(EnvironmentConfig environment)
    {
        var kafka = environment.Of<KafkaConfig>();
        return Checked(environment.KafkaTopics.Select(t => new KafkaTopic(t, kafka.Partitions, kafka.Replicas)).ToArray());
    }

    /// <summary>Throws unless every topic is a Kafka name with at least one partition and replica (names go into a shell script).</summary>
    public static DeclaredTopics Checked(IReadOnlyList<KafkaTopic> topics)
    {
        foreach (var topic in topics)
            if (!TopicName().IsMatch(topic.Name) || topic.Partitions < 1 || topic.Replicas < 1)
                throw new InvalidOperationException($"Kafka topic '{topic.Name}' ({topic.Partitions} partitions, replication {topic.Replicas}) is not " +
                                                    "a valid " +
                                                    "declaration: names are 1-249 of [a-zA-Z0-9._-], partitions and replicas at least 1 " +
                                                    "(src/Exchange.Contracts/Environments.cs).");
        return new DeclaredTopics(topics);
    }

    /// <summary>16 hex digits of SHA-256 over the declaration, one "name partitions replicas" line per topic, in name order.</summary>
    public string Digest => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(
        Topics.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => $"{t.Name} {t.Partitions} {t.Replicas}\n")))))[..16];

    [GeneratedRegex("^[a-zA-Z0-9._-]{1,249}$")] private static partial Regex TopicName();
}

/// <summary>
/// The shell script that runs on the Redpanda host through SSM Run Command: it lists the broker's topics and, when asked
/// to, creates each declared topic the broker lacks, with its declared partitions and replicas. It never deletes or
/// alters a topic. One line per fact, for <see cref="TopicReport"/>: <c>actual NAME PARTITIONS REPLICAS</c>,
/// <c>created NAME PARTITIONS REPLICAS</c>, <c>failed NAME rpk's message</c>.
/// </summary>
public static partial class TopicScript
{
    /// <summary>The instance tag that records which declaration (<see cref="DeclaredTopics.Digest"/>) was applied to that broker.</summary>
    public const string AppliedTag = "exchange:kafka-topics";

    /// <summary>The script's lines (SSM Run Command's commands: one line each, short enough to read in Plan).</summary>
    public static IReadOnlyList<string> Render(DeclaredTopics declared, bool create)
    {
        List<string> lines =
        [
            "set -eu",
            "L=$(docker exec redpanda rpk topic list)",
            "printf '%s\\n' \"$L\" | awk 'NR > 1 && NF >= 3 { print \"actual\", $1, $2, $3 }'",
        ];
        if (!create) return lines;
        lines.AddRange(
        [
            "has() {",
            "  printf '%s\\n' \"$L\" | awk -v t=\"$1\" 'NR > 1 && $1 == t { f = 1 } END { exit !f }'",
            "}",
            "t() {",
            "  has \"$1\" && return 0",
            "  if o=$(docker exec redpanda rpk topic create \"$1\" -p \"$2\" -r \"$3\" 2>&1)",
            "  then echo \"created $1 $2 $3\"",
            "  else echo \"failed $1 $(printf '%s' \"$o\" | tr '\\n' ' ')\"",
            "  fi",
            "}",
        ]);
        lines.AddRange(declared.Topics.Select(topic => $"t {topic.Name} {topic.Partitions} {topic.Replicas}"));
        return lines;
    }

    /// <summary>The topics a script made by <see cref="Render"/> creates when the broker lacks them (the plan world's empty broker).</summary>
    public static IReadOnlyList<KafkaTopic> Creates(string script) =>
        CreateCall().Matches(script).Select(m => new KafkaTopic(m.Groups[1].Value, int.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value))).ToArray();

    [GeneratedRegex(@"(?m)^t ([a-zA-Z0-9._-]+) (\d+) (\d+)$")] private static partial Regex CreateCall();
}

public enum TopicState
{
    /// <summary>Declared, and the broker has it with at least the declared partitions.</summary>
    Present,
    /// <summary>Declared, missing, and created now.</summary>
    Created,
    /// <summary>Declared and missing (Status, which creates nothing).</summary>
    Missing,
    /// <summary>Declared, but the broker's topic has fewer partitions: left as it is (adding partitions moves keys).</summary>
    FewerPartitions,
    /// <summary>On the broker but not declared: left as it is (nothing is ever deleted).</summary>
    Undeclared,
    /// <summary>Declared, missing, and rpk could not create it.</summary>
    Failed,
}

/// <summary>One topic of the comparison: what the configuration declares and what the broker has.</summary>
public sealed record TopicLine(string Name, KafkaTopic? Declared, KafkaTopic? Actual, TopicState State, string? Detail = null)
{
    public bool NeedsAttention => State is TopicState.Missing or TopicState.FewerPartitions or TopicState.Failed or TopicState.Undeclared;

    public string Describe() => State switch
    {
        TopicState.Present when Actual!.Partitions > Declared!.Partitions =>
            $"present, {Actual.Partitions} partitions ({Declared.Partitions} declared; more is fine)",
        TopicState.Present when Actual!.Replicas != Declared!.Replicas =>
            $"present, {Actual.Partitions} partitions, replication {Actual.Replicas} ({Declared.Replicas} declared: changing it is a manual step)",
        TopicState.Present => $"present, {Actual!.Partitions} partitions, replication {Actual.Replicas}",
        TopicState.Created => $"created, {Declared!.Partitions} partitions, replication {Declared.Replicas}",
        TopicState.Missing => $"MISSING ({Declared!.Partitions} partitions declared)",
        TopicState.FewerPartitions => $"has {Actual!.Partitions} partitions, {Declared!.Partitions} declared: left as it is (more partitions would move " +
                                      "keys to other partitions; add them by hand with rpk topic add-partitions if you mean it)",
        TopicState.Undeclared => $"not declared ({Actual!.Partitions} partitions): left as it is, nothing is deleted",
        TopicState.Failed => $"could not be created: {Detail}",
        _ => State.ToString(),
    };
}

/// <summary>Declared against actual, from the script's output.</summary>
public sealed record TopicReport(IReadOnlyList<TopicLine> Lines)
{
    public IReadOnlyList<TopicLine> Created => Lines.Where(l => l.State == TopicState.Created).ToArray();
    public IReadOnlyList<TopicLine> Failed => Lines.Where(l => l.State == TopicState.Failed).ToArray();
    public IReadOnlyList<TopicLine> Attention => Lines.Where(l => l.NeedsAttention).ToArray();

    public static TopicReport Parse(DeclaredTopics declared, string output)
    {
        var actual = new Dictionary<string, KafkaTopic>(StringComparer.Ordinal);
        var created = new HashSet<string>(StringComparer.Ordinal);
        var failed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            switch (parts)
            {
                case ["actual", var name, var rest] when rest.Split(' ') is [var p, var r] && int.TryParse(p, out var partitions)
                                                         && int.TryParse(r, out var replicas):
                    actual[name] = new KafkaTopic(name, partitions, replicas);
                    break;
                case ["created", var name, ..]:
                    created.Add(name);
                    break;
                case ["failed", var name, ..]:
                    failed[name] = parts.Length > 2 ? parts[2] : "rpk said nothing";
                    break;
            }
        }
        var lines = new List<TopicLine>();
        foreach (var topic in declared.Topics)
        {
            var has = actual.GetValueOrDefault(topic.Name);
            lines.Add(has is not null
                ? new TopicLine(topic.Name, topic, has, has.Partitions < topic.Partitions ? TopicState.FewerPartitions : TopicState.Present)
                : created.Contains(topic.Name) ? new TopicLine(topic.Name, topic, null, TopicState.Created)
                : failed.TryGetValue(topic.Name, out var why) ? new TopicLine(topic.Name, topic, null, TopicState.Failed, why)
                : new TopicLine(topic.Name, topic, null, TopicState.Missing));
        }
        // rpk lists no internal topics (__consumer_offsets, _schemas); names with a leading underscore are the broker's own.
        foreach (var (name, topic) in actual.Where(a => declared.Topics.All(t => t.Name != a.Key) && !a.Key.StartsWith('_')).OrderBy(a => a.Key))
            lines.Add(new TopicLine(name, null, topic, TopicState.Undeclared));
        return new TopicReport(lines);
    }
}
