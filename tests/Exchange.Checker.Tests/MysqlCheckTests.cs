using Exchange.Contracts;

namespace Exchange.Checker.Tests;

/// <summary>The MySQL check against a real MariaDB on 127.0.0.1 (see the README for what MariaDB cannot prove about MySQL 8.4).</summary>
public sealed class MysqlCheckTests(MariaDbServer mariadb) : IClassFixture<MariaDbServer>
{
    private Dictionary<string, string> Secret() => new()
    {
        [KubernetesSecrets.MysqlHost] = "127.0.0.1",
        [KubernetesSecrets.MysqlPort] = mariadb.Port.ToString(),
        [KubernetesSecrets.MysqlUsername] = MariaDbServer.User,
        [KubernetesSecrets.MysqlPassword] = MariaDbServer.Password,
        [KubernetesSecrets.MysqlDatabase] = MariaDbServer.Database,
    };

    private static CheckerRun Check(Dictionary<string, string> environment) => CheckerProcess.Run(environment, "--checks=mysql", "--timeout=2");

    [Fact]
    public void The_check_logs_in_runs_SELECT_1_and_reads_the_server_version_and_the_users_auth_plugin()
    {
        var run = Check(Secret());

        Assert.True(run.ExitCode == 0, run.ToString());
        var line = Assert.Single(CheckReport.Parse(run.Stdout).Checks);
        Assert.True(line.Passed, run.ToString());
        Assert.Contains($"127.0.0.1:{mariadb.Port} database {MariaDbServer.Database} as {MariaDbServer.User}: SELECT 1 ok; server 10.", line.Detail);
        Assert.Contains("MariaDB", line.Detail);
        Assert.Contains("auth plugin mysql_native_password; TLS off", line.Detail);
        Assert.Equal(new CheckResult(true, "mysql answered"), CheckReport.Parse(run.Stdout).Result! with { Message = "mysql answered" });
        Assert.DoesNotContain(MariaDbServer.Password, run.Output);
    }

    [Fact]
    public void A_wrong_password_fails_and_names_the_password_or_the_auth_plugin_without_showing_either_password()
    {
        var environment = Secret();
        environment[KubernetesSecrets.MysqlPassword] = "Wrong-pw-0d41b7";

        var run = Check(environment);

        Assert.Equal(ConnectivityCheck.CheckFailed, run.ExitCode);
        var result = CheckReport.Parse(run.Stdout).Result!;
        Assert.StartsWith($"mysql: the server refused {MariaDbServer.User}: Access denied for user '{MariaDbServer.User}'", result.Message);
        Assert.Contains("Likely cause: the password or the auth plugin: MYSQL_PASSWORD in db-credentials", result.Message);
        Assert.Contains("caching_sha2_password", result.Message);
        Assert.DoesNotContain("Wrong-pw-0d41b7", run.Output);
        Assert.DoesNotContain(MariaDbServer.Password, run.Output);
    }

    [Fact]
    public void A_closed_port_fails_as_refused_and_names_the_port_in_the_secret()
    {
        var environment = Secret();
        var closed = LocalServer.FreePort();
        environment[KubernetesSecrets.MysqlPort] = closed.ToString();

        var run = Check(environment);

        Assert.Equal(ConnectivityCheck.CheckFailed, run.ExitCode);
        Assert.Equal($"mysql: 127.0.0.1:{closed} refused the connection. Likely cause: nothing listens on that port: a wrong port in the secret " +
                     "(MYSQL_PORT), or the server is stopped (a paused environment: ./build.sh --target=Resume).",
            CheckReport.Parse(run.Stdout).Result!.Message);
    }

    [Fact]
    public void A_missing_database_fails_and_names_MYSQL_DATABASE()
    {
        var environment = Secret();
        environment[KubernetesSecrets.MysqlDatabase] = "no_such_database";

        var run = Check(environment);

        Assert.Equal(ConnectivityCheck.CheckFailed, run.ExitCode);
        var result = CheckReport.Parse(run.Stdout).Result!.Message;
        Assert.StartsWith($"mysql: database 'no_such_database' does not exist on 127.0.0.1: Unknown database 'no_such_database'", result);
        Assert.Contains("Likely cause: MYSQL_DATABASE in db-credentials names a database the server does not have", result);
    }

    [Fact]
    public void A_secret_value_quoted_by_a_server_message_is_masked()
    {
        // A database named like the password: the server's "Unknown database" message quotes it.
        var environment = Secret();
        environment[KubernetesSecrets.MysqlDatabase] = MariaDbServer.Password;

        var run = Check(environment);

        Assert.Equal(ConnectivityCheck.CheckFailed, run.ExitCode);
        Assert.Contains("database '[REDACTED]' does not exist", run.Stdout);
        Assert.DoesNotContain(MariaDbServer.Password, run.Output);
    }

    [Fact]
    public void A_missing_variable_stops_the_checker_before_it_connects_and_names_the_secret_it_comes_from()
    {
        var environment = Secret();
        environment.Remove(KubernetesSecrets.MysqlHost);

        var run = Check(environment);

        Assert.Equal(ConnectivityCheck.Misconfigured, run.ExitCode);
        Assert.Equal("result FAILED: the checker cannot start: MYSQL_HOST is not set: the Job takes it from the secret db-credentials " +
                     "(key MYSQL_HOST); run --target=Secrets\n", run.Stdout);
    }
}

/// <summary>What MariaDB cannot show: how MySQL 8.4 (RDS) writes a user's plugin, read without ever keeping the hash beside it.</summary>
public sealed class AuthPluginTests
{
    [Theory]
    [InlineData("CREATE USER `admin`@`%` IDENTIFIED WITH 'caching_sha2_password' AS '$A$005$0Ab1Cd2Ef3' REQUIRE NONE PASSWORD EXPIRE DEFAULT",
        "caching_sha2_password")]
    [InlineData("CREATE USER 'app'@'%' IDENTIFIED WITH 'mysql_native_password' AS '*2B602296A79E0A8784ACC5C88D92E46588CCA3C3'", "mysql_native_password")]
    [InlineData("CREATE USER `app`@`%` IDENTIFIED BY PASSWORD '*2B602296A79E0A8784ACC5C88D92E46588CCA3C3'", "mysql_native_password")]
    [InlineData("CREATE USER `app`@`%` IDENTIFIED VIA ed25519 USING 'ZIgUREUg5PVgQ6LskhXmO+eZLS0nC8be6HPjYWR4YJY'", "ed25519")]
    [InlineData("CREATE USER `app`@`%`", "unknown")]
    public void The_auth_plugin_is_read_from_SHOW_CREATE_USER_as_MySQL_and_MariaDB_write_it(string statement, string plugin)
    {
        Assert.Equal(plugin, MysqlCheck.AuthPlugin(statement));
    }
}
