using System.Globalization;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Exchange.Contracts;
using MySqlConnector;
using StackExchange.Redis;

namespace Exchange.Checker;

/// <summary>What a preview's data stores need: its MySQL database and user, its Redis logical database, its Kafka topics.</summary>
internal sealed record PreviewStores(string Database, string User, string Password, int RedisDatabase, IReadOnlyList<string> Topics, int Partitions)
{
    /// <summary>From the Job's variables; the Redis database only when Redis is among the checks (a destroy without a slot leaves it out).</summary>
    public static PreviewStores From(Func<string, string?> environment, bool creating, bool redis = true)
    {
        var problems = new List<string>();
        string Need(string name)
        {
            var value = environment(name);
            if (string.IsNullOrWhiteSpace(value)) problems.Add($"{name} is not set: the provisioning Job sets it (DeployPreview/DestroyPreview)");
            return value?.Trim() ?? "";
        }
        var database = Need(PreviewProvisioning.Database);
        var user = Need(PreviewProvisioning.User);
        var password = creating ? Need(PreviewProvisioning.Password) : "";
        if (database.Length > 0 && !Provisioning.IsIdentifier(database, 64))
            problems.Add($"{PreviewProvisioning.Database} '{database}' is not a plain identifier");
        if (user.Length > 0 && !Provisioning.IsIdentifier(user, 32)) problems.Add($"{PreviewProvisioning.User} '{user}' is not a plain identifier");
        var redisText = redis ? Need(PreviewProvisioning.RedisDatabase) : "";
        if (redisText.Length > 0 && !(int.TryParse(redisText, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is >= 1 and <= 15))
            problems.Add($"{PreviewProvisioning.RedisDatabase} '{redisText}' is not a Redis database from 1 to 15 (0 is the main namespace's)");
        var topics = (environment(PreviewProvisioning.Topics) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var partitionsText = environment(PreviewProvisioning.TopicPartitions) ?? "";
        var partitions = int.TryParse(partitionsText, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0;
        if (creating && topics.Length > 0 && partitions <= 0)
            problems.Add($"{PreviewProvisioning.TopicPartitions} '{partitionsText}' is not a partition count");
        if (problems.Count > 0) throw new MisconfiguredException(string.Join("; ", problems));
        return new PreviewStores(database, user, password, redis ? int.Parse(redisText, CultureInfo.InvariantCulture) : 0, topics, partitions);
    }
}

/// <summary>
/// Creates or drops a preview's slice of the shared data stores, logged in as the master user (the main namespace's db-credentials):
/// <c>CREATE DATABASE</c>, a user granted only that database, its password set from the Secret (never printed); the Redis logical
/// database emptied on drop; the topics created with the configured partitions, deleted on drop. Every step is idempotent and says
/// whether it changed anything.
/// </summary>
internal static partial class Provisioning
{
    public static bool IsIdentifier(string name, int maxLength) => name.Length <= maxLength && IdentifierPattern().IsMatch(name);

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex IdentifierPattern();

    private static MySqlConnection Master(CheckerSettings s) => new(new MySqlConnectionStringBuilder
    {
        Server = s.MysqlHost, Port = (uint)s.MysqlPort, UserID = s.MysqlUser, Password = s.MysqlPassword,
        ConnectionTimeout = (uint)Math.Max(1, Math.Ceiling(s.Timeout.TotalSeconds)),
        DefaultCommandTimeout = (uint)Math.Max(1, Math.Ceiling(s.Timeout.TotalSeconds)),
        Pooling = false, SslMode = MySqlSslMode.Preferred, ApplicationName = ConnectivityCheck.ImageName,
    }.ConnectionString);

    /// <summary>The database and its user (granted only it), created or brought in line; says what it changed.</summary>
    public static async Task<string> CreateDatabaseAsync(CheckerSettings s, PreviewStores p)
    {
        await using var connection = Master(s);
        await connection.OpenAsync();
        var changes = new List<string>();
        var hasDatabase = await Count(connection, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = @a", p.Database) > 0;
        if (!hasDatabase)
        {
            await Execute(connection, $"CREATE DATABASE IF NOT EXISTS `{p.Database}`");
            changes.Add($"created database {p.Database}");
        }
        var hasUser = await Count(connection, "SELECT COUNT(*) FROM mysql.user WHERE User = @a AND Host = '%'", p.User) > 0;
        if (!hasUser)
        {
            await Execute(connection, $"CREATE USER IF NOT EXISTS '{p.User}'@'%' IDENTIFIED BY @password", p.Password);
            changes.Add($"created user {p.User}");
        }
        else if (!await CanLogIn(s, p))
        {
            await Execute(connection, $"ALTER USER '{p.User}'@'%' IDENTIFIED BY @password", p.Password);
            changes.Add($"set {p.User}'s password from its Secret");
        }
        if (!await HasGrant(connection, p))
        {
            await Execute(connection, $"GRANT ALL PRIVILEGES ON `{p.Database}`.* TO '{p.User}'@'%'");
            changes.Add($"granted {p.User} all on {p.Database} (only)");
        }
        return changes.Count == 0 ? $"database {p.Database} and user {p.User} (granted only it): unchanged" : string.Join("; ", changes);
    }

    /// <summary>The databases of previews on the server (their names start with the prefix), sorted.</summary>
    public static async Task<IReadOnlyList<string>> ListDatabasesAsync(CheckerSettings s)
    {
        await using var connection = Master(s);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE CONCAT(REPLACE(@prefix, '_', '\\_'), '%') ORDER BY 1",
            connection);
        command.Parameters.AddWithValue("@prefix", PreviewProvisioning.DatabasePrefix);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) names.Add(reader.GetString(0));
        return names;
    }

    /// <summary>The broker's topics with a '.' in their name: a preview's topics are its prefix, a '.', and a main topic (which has none).</summary>
    public static IReadOnlyList<string> ListPrefixedTopics(CheckerSettings s)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig
        {
            BootstrapServers = s.KafkaBootstrapServers, ClientId = ConnectivityCheck.ImageName, SocketTimeoutMs = (int)s.Timeout.TotalMilliseconds,
        }).Build();
        return admin.GetMetadata(s.Timeout).Topics.Where(t => t.Error.Code == ErrorCode.NoError && t.Topic.Contains('.', StringComparison.Ordinal))
            .Select(t => t.Topic).Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The user and the database, dropped when they exist.</summary>
    public static async Task<string> DropDatabaseAsync(CheckerSettings s, PreviewStores p)
    {
        await using var connection = Master(s);
        await connection.OpenAsync();
        var changes = new List<string>();
        if (await Count(connection, "SELECT COUNT(*) FROM mysql.user WHERE User = @a AND Host = '%'", p.User) > 0)
        {
            await Execute(connection, $"DROP USER IF EXISTS '{p.User}'@'%'");
            changes.Add($"dropped user {p.User}");
        }
        if (await Count(connection, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = @a", p.Database) > 0)
        {
            await Execute(connection, $"DROP DATABASE IF EXISTS `{p.Database}`");
            changes.Add($"dropped database {p.Database}");
        }
        return changes.Count == 0 ? $"database {p.Database} and user {p.User}: already gone" : string.Join("; ", changes);
    }

    /// <summary>Empties the preview's Redis logical database (its keys only; the main namespace's database 0 is never touched).</summary>
    public static async Task<string> FlushRedisAsync(CheckerSettings s, PreviewStores p)
    {
        var milliseconds = (int)s.Timeout.TotalMilliseconds;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { { s.RedisHost, s.RedisPort } }, ConnectTimeout = milliseconds, SyncTimeout = milliseconds, AsyncTimeout = milliseconds,
            AbortOnConnectFail = true, ConnectRetry = 1, ClientName = ConnectivityCheck.ImageName, AllowAdmin = true,
        });
        var server = redis.GetServer(s.RedisHost, s.RedisPort);
        var keys = await server.DatabaseSizeAsync(p.RedisDatabase);
        if (keys == 0) return $"Redis database {p.RedisDatabase}: already empty";
        await server.FlushDatabaseAsync(p.RedisDatabase);
        return $"Redis database {p.RedisDatabase}: removed {keys} key(s)";
    }

    /// <summary>The preview's topics with the configured partitions (created when missing), or deleted on drop.</summary>
    public static async Task<string> TopicsAsync(CheckerSettings s, PreviewStores p, bool create)
    {
        if (p.Topics.Count == 0) return "no topics";
        var timeoutMs = (int)s.Timeout.TotalMilliseconds;
        using var admin = new AdminClientBuilder(new AdminClientConfig
        {
            BootstrapServers = s.KafkaBootstrapServers, ClientId = ConnectivityCheck.ImageName, SocketTimeoutMs = timeoutMs,
        }).Build();
        var existing = admin.GetMetadata(s.Timeout).Topics.Where(t => t.Error.Code == ErrorCode.NoError).Select(t => t.Topic).ToHashSet();
        var options = new { Operation = s.Timeout };
        if (create)
        {
            var missing = p.Topics.Where(t => !existing.Contains(t)).ToArray();
            if (missing.Length == 0) return $"{p.Topics.Count} topic(s) {string.Join(",", p.Topics)}: unchanged";
            await admin.CreateTopicsAsync(missing.Select(t => new TopicSpecification { Name = t, NumPartitions = p.Partitions, ReplicationFactor = 1 }),
                new CreateTopicsOptions { OperationTimeout = options.Operation, RequestTimeout = options.Operation });
            return $"created {missing.Length} topic(s) with {p.Partitions} partition(s): {string.Join(",", missing)}";
        }
        var present = p.Topics.Where(existing.Contains).ToArray();
        if (present.Length == 0) return $"topics {string.Join(",", p.Topics)}: already gone";
        await admin.DeleteTopicsAsync(present, new DeleteTopicsOptions { OperationTimeout = options.Operation, RequestTimeout = options.Operation });
        return $"deleted {present.Length} topic(s): {string.Join(",", present)}";
    }

    private static async Task<bool> CanLogIn(CheckerSettings s, PreviewStores p)
    {
        await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder
        {
            Server = s.MysqlHost, Port = (uint)s.MysqlPort, UserID = p.User, Password = p.Password, Pooling = false,
            SslMode = MySqlSslMode.Preferred, ConnectionTimeout = (uint)Math.Max(1, Math.Ceiling(s.Timeout.TotalSeconds)),
        }.ConnectionString);
        try
        {
            await connection.OpenAsync();
            return true;
        }
        catch (MySqlException e) when (e.ErrorCode == MySqlErrorCode.AccessDenied)
        {
            return false;
        }
    }

    private static async Task<bool> HasGrant(MySqlConnection connection, PreviewStores p)
    {
        await using var command = new MySqlCommand($"SHOW GRANTS FOR '{p.User}'@'%'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var wanted = $"ON `{p.Database}`.*";
        while (await reader.ReadAsync())
        {
            var grant = reader.GetString(0);
            if (grant.Contains("ALL PRIVILEGES", StringComparison.OrdinalIgnoreCase) && grant.Contains(wanted, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    private static async Task<long> Count(MySqlConnection connection, string sql, string a)
    {
        await using var command = new MySqlCommand(sql, connection);
        command.Parameters.AddWithValue("@a", a);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task Execute(MySqlConnection connection, string sql, string? password = null)
    {
        await using var command = new MySqlCommand(sql, connection);
        if (password is not null) command.Parameters.AddWithValue("@password", password);
        await command.ExecuteNonQueryAsync();
    }
}
