using System.Globalization;
using Exchange.Contracts;

namespace Exchange.Checker;

/// <summary>
/// What the checker connects to and expects, from the environment variables the Job sets: the workloads' own names, taken
/// from the same secrets (<see cref="KubernetesSecrets"/>), and the expectations from <see cref="CheckerConfigMap"/>.
/// </summary>
internal sealed record CheckerSettings
{
    public required IReadOnlyList<string> Checks { get; init; }
    public required TimeSpan Timeout { get; init; }
    public string MysqlHost { get; init; } = "";
    public int MysqlPort { get; init; }
    public string MysqlUser { get; init; } = "";
    public string MysqlPassword { get; init; } = "";
    public string MysqlDatabase { get; init; } = "";
    public string RedisHost { get; init; } = "";
    public int RedisPort { get; init; }
    public string KafkaBootstrapServers { get; init; } = "";
    public IReadOnlyList<string> KafkaTopics { get; init; } = [];
    public int KafkaTopicPartitions { get; init; }

    /// <summary>Values no output may show.</summary>
    public IReadOnlyList<string> Secrets => MysqlPassword.Length > 0 ? [MysqlPassword] : [];

    public const string Usage = "usage: exchange-checker [--checks=mysql,redis,kafka] [--timeout=10s]";

    public static CheckerSettings From(string[] args, Func<string, string?> environment)
    {
        var checks = ConnectivityCheck.Checks;
        var timeout = TimeSpan.FromSeconds(10);
        foreach (var arg in args)
        {
            if (arg.StartsWith("--checks=", StringComparison.Ordinal))
            {
                checks = arg["--checks=".Length..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (checks.Count == 0 || checks.Any(c => !ConnectivityCheck.Checks.Contains(c)))
                    throw new MisconfiguredException($"--checks takes some of {string.Join(",", ConnectivityCheck.Checks)}, not '{arg}'. {Usage}");
            }
            else if (arg.StartsWith("--timeout=", StringComparison.Ordinal)
                     && double.TryParse(arg["--timeout=".Length..].TrimEnd('s'), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                     && seconds is > 0 and <= 600)
                timeout = TimeSpan.FromSeconds(seconds);
            else
                throw new MisconfiguredException($"Unknown or malformed argument '{arg}'. {Usage}");
        }

        var problems = new List<string>();
        string Need(string name)
        {
            var value = environment(name);
            if (string.IsNullOrWhiteSpace(value)) problems.Add($"{name} is not set: {Source(name)}");
            return value?.Trim() ?? "";
        }
        int Port(string name)
        {
            var text = Need(name);
            if (text.Length > 0 && !(int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536))
                problems.Add($"{name} is '{text}', not a TCP port: {Source(name)}");
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;
        }

        var settings = new CheckerSettings { Checks = checks, Timeout = timeout };
        if (checks.Contains(ConnectivityCheck.Mysql))
            settings = settings with
            {
                MysqlHost = Need(KubernetesSecrets.MysqlHost), MysqlPort = Port(KubernetesSecrets.MysqlPort),
                MysqlUser = Need(KubernetesSecrets.MysqlUsername), MysqlPassword = environment(KubernetesSecrets.MysqlPassword) ?? "",
                MysqlDatabase = Need(KubernetesSecrets.MysqlDatabase),
            };
        if (checks.Contains(ConnectivityCheck.Mysql) && settings.MysqlPassword.Length == 0)
            problems.Add($"{KubernetesSecrets.MysqlPassword} is not set: {Source(KubernetesSecrets.MysqlPassword)}");
        if (checks.Contains(ConnectivityCheck.Redis))
            settings = settings with { RedisHost = Need(KubernetesSecrets.RedisHost), RedisPort = Port(KubernetesSecrets.RedisPort) };
        if (checks.Contains(ConnectivityCheck.Kafka))
        {
            var partitions = Need(CheckerConfigMap.KafkaTopicPartitions);
            settings = settings with
            {
                KafkaBootstrapServers = Need(KubernetesSecrets.KafkaBootstrapServers),
                KafkaTopics = Need(CheckerConfigMap.KafkaTopics).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                KafkaTopicPartitions = int.TryParse(partitions, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 0,
            };
            if (partitions.Length > 0 && settings.KafkaTopicPartitions == 0)
                problems.Add($"{CheckerConfigMap.KafkaTopicPartitions} is '{partitions}', not a partition count: " +
                             Source(CheckerConfigMap.KafkaTopicPartitions));
        }
        if (problems.Count > 0) throw new MisconfiguredException(string.Join("; ", problems));
        return settings;
    }

    /// <summary>Where the Job takes a variable from, for the message that says it is missing.</summary>
    private static string Source(string variable) =>
        KubernetesSecrets.All.FirstOrDefault(s => s.Keys.Contains(variable)) is { } secret
            ? $"the Job takes it from the secret {secret.Name} (key {variable}); run --target=Secrets"
            : CheckerConfigMap.Definition.Keys.Contains(variable)
                ? $"the Job takes it from the ConfigMap {CheckerConfigMap.Definition.Name} (key {variable}), which Verify applies"
                : "the Job sets it";
}
