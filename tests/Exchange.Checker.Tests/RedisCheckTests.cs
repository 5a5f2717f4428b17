using Exchange.Contracts;

namespace Exchange.Checker.Tests;

/// <summary>The Redis check against a real redis-server on 127.0.0.1 (and a MariaDB, to stand for "another service on that port").</summary>
public sealed class RedisCheckTests(RedisServer redis, MariaDbServer mariadb) : IClassFixture<RedisServer>, IClassFixture<MariaDbServer>
{
    private static CheckerRun Check(int port) => CheckerProcess.Run(new Dictionary<string, string>
    {
        [KubernetesSecrets.RedisHost] = "127.0.0.1",
        [KubernetesSecrets.RedisPort] = port.ToString(),
    }, "--checks=redis", "--timeout=2");

    [Fact]
    public void The_check_pings_and_reads_the_server_version()
    {
        var run = Check(redis.Port);

        Assert.True(run.ExitCode == 0, run.ToString());
        var line = Assert.Single(CheckReport.Parse(run.Stdout).Checks);
        Assert.Equal(ConnectivityCheck.Redis, line.Check);
        Assert.Matches($@"^127\.0\.0\.1:{redis.Port}: PING answered in [0-9.]+ ms; server 7\.", line.Detail);
    }

    [Fact]
    public void A_closed_port_fails_as_refused_and_names_REDIS_PORT()
    {
        var run = Check(LocalServer.FreePort());

        Assert.Equal(ConnectivityCheck.CheckFailed, run.ExitCode);
        Assert.Contains("refused the connection. Likely cause: nothing listens on that port: a wrong port in the secret (REDIS_PORT)",
            CheckReport.Parse(run.Stdout).Result!.Message);
    }

    [Fact]
    public void A_port_where_another_service_answers_fails_as_not_Redis()
    {
        var run = Check(mariadb.Port);

        Assert.Equal(ConnectivityCheck.CheckFailed, run.ExitCode);
        var result = CheckReport.Parse(run.Stdout).Result!.Message;
        Assert.Contains($"127.0.0.1:{mariadb.Port} accepted the connection but no Redis session came of it", result);
        Assert.Contains("Likely cause: what answers there is not Redis: a wrong port in the secret (REDIS_PORT)", result);
    }
}
