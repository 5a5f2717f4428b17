using System.Text.RegularExpressions;
using Exchange.Contracts;
using MySqlConnector;

namespace Exchange.Checker;

/// <summary>
/// MySQL: logs in with the db-credentials values exactly as an application would (user, password, database, the client's
/// default TLS negotiation), runs SELECT 1, and reads the server version, the user's auth plugin and whether TLS is on.
/// </summary>
internal static partial class MysqlCheck
{
    public static async Task<string> RunAsync(CheckerSettings s)
    {
        await Reach.TcpAsync(s.MysqlHost, s.MysqlPort, s.Timeout, KubernetesSecrets.MysqlHost, KubernetesSecrets.MysqlPort);
        var builder = new MySqlConnectionStringBuilder
        {
            Server = s.MysqlHost,
            Port = (uint)s.MysqlPort,
            UserID = s.MysqlUser,
            Password = s.MysqlPassword,
            Database = s.MysqlDatabase,
            ConnectionTimeout = (uint)Math.Max(1, Math.Ceiling(s.Timeout.TotalSeconds)),
            DefaultCommandTimeout = (uint)Math.Max(1, Math.Ceiling(s.Timeout.TotalSeconds)),
            Pooling = false,
            SslMode = MySqlSslMode.Preferred, // what a client does by default: TLS when the server offers it (RDS does)
            ApplicationName = ConnectivityCheck.ImageName,
        };
        await using var connection = new MySqlConnection(builder.ConnectionString);
        using var deadline = new CancellationTokenSource(s.Timeout * 2);
        try
        {
            await connection.OpenAsync(deadline.Token);
            var one = await Scalar(connection, "SELECT 1", deadline.Token);
            if (one != "1") throw new CheckFailure($"SELECT 1 returned '{one}'", "the server is not a working MySQL: check the RDS instance's state");
            var version = await Scalar(connection, "SELECT VERSION()", deadline.Token);
            var plugin = AuthPlugin(await Scalar(connection, "SHOW CREATE USER CURRENT_USER()", deadline.Token, column: 0));
            var tls = await Scalar(connection, "SHOW SESSION STATUS LIKE 'Ssl_version'", deadline.Token, column: 1);
            return $"{s.MysqlHost}:{s.MysqlPort} database {s.MysqlDatabase} as {s.MysqlUser}: SELECT 1 ok; server {version}; " +
                   $"auth plugin {plugin}; TLS {(string.IsNullOrEmpty(tls) ? "off" : tls)}";
        }
        catch (MySqlException e)
        {
            throw Classify(e, s);
        }
        catch (OperationCanceledException)
        {
            throw new CheckFailure($"{s.MysqlHost}:{s.MysqlPort} accepted the connection but did not complete a login within " +
                                   $"{Reach.Seconds(s.Timeout * 2)}", LikelyCause.WrongProtocol(KubernetesSecrets.MysqlPort, "MySQL") +
                                   ", or a server too busy to answer");
        }
    }

    /// <summary>What a refused login or query most likely means.</summary>
    internal static CheckFailure Classify(MySqlException e, CheckerSettings s) => e.ErrorCode switch
    {
        MySqlErrorCode.AccessDenied => new($"the server refused {s.MysqlUser}: {e.Message}",
            $"the password or the auth plugin: {KubernetesSecrets.MysqlPassword} in {KubernetesSecrets.Db.Name} is not this user's " +
            "password (the Secrets Manager secret changed since the Secrets step ran: rerun --target=Secrets), or the user's auth " +
            "plugin is one the client cannot complete (MySQL 8.4 creates users with caching_sha2_password, whose first login needs " +
            "TLS or the server's RSA key; old drivers such as the `mysql` npm package cannot speak it at all)"),
        MySqlErrorCode.UnknownDatabase => new($"database '{s.MysqlDatabase}' does not exist on {s.MysqlHost}: {e.Message}",
            $"{KubernetesSecrets.MysqlDatabase} in {KubernetesSecrets.Db.Name} names a database the server does not have: RDS creates the " +
            "configured one (RdsConfig.DbName) only when the instance is created; create it, or fix the secret (--target=Secrets)"),
        // A user without global privileges hears "access denied" for a database that does not exist, too.
        MySqlErrorCode.DatabaseAccessDenied => new($"{s.MysqlUser} may not use database '{s.MysqlDatabase}': {e.Message}",
            $"{KubernetesSecrets.MysqlDatabase} in {KubernetesSecrets.Db.Name} names a database that does not exist, or one {s.MysqlUser} " +
            "has no GRANT on (RDS gives its master user every database)"),
        MySqlErrorCode.UnableToConnectToHost when e.InnerException is System.Net.Sockets.SocketException socket =>
            Reach.Classify(socket, s.MysqlHost, s.MysqlPort, KubernetesSecrets.MysqlPort),
        MySqlErrorCode.UnableToConnectToHost => new($"could not log in at {s.MysqlHost}:{s.MysqlPort}: {e.Message}",
            LikelyCause.WrongProtocol(KubernetesSecrets.MysqlPort, "MySQL") + ", or the auth plugin: a handshake the client cannot complete"),
        _ => new($"MySQL error {(int)e.ErrorCode} ({e.ErrorCode}): {e.Message}",
            e.Message.Contains("auth", StringComparison.OrdinalIgnoreCase)
                ? "the auth plugin: the user's authentication method is one this client cannot complete"
                : "read the server's message above"),
    };

    /// <summary>The plugin named by SHOW CREATE USER; never anything else of it (the statement also carries the password hash).</summary>
    internal static string AuthPlugin(string? createUser)
    {
        if (createUser is null) return "unknown";
        var named = PluginPattern().Match(createUser);
        if (named.Success) return named.Groups["plugin"].Value;
        // MariaDB writes a mysql_native_password user as IDENTIFIED BY PASSWORD '*hash'.
        return createUser.Contains("IDENTIFIED BY PASSWORD", StringComparison.OrdinalIgnoreCase) ? "mysql_native_password" : "unknown";
    }

    private static async Task<string?> Scalar(MySqlConnection connection, string sql, CancellationToken cancel, int column = 0)
    {
        await using var command = new MySqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancel);
        return await reader.ReadAsync(cancel) && reader.FieldCount > column && !reader.IsDBNull(column) ? reader.GetValue(column).ToString() : null;
    }

    [GeneratedRegex(@"IDENTIFIED (?:WITH|VIA) [`'""]?(?<plugin>[A-Za-z0-9_]+)", RegexOptions.IgnoreCase)]
    private static partial Regex PluginPattern();
}
