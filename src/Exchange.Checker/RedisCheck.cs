using Exchange.Contracts;
using StackExchange.Redis;

namespace Exchange.Checker;

/// <summary>Redis: connects with REDIS_HOST and REDIS_PORT as the applications do (no password, no TLS), PINGs, reads the version.</summary>
internal static class RedisCheck
{
    public static async Task<string> RunAsync(CheckerSettings s)
    {
        await Reach.TcpAsync(s.RedisHost, s.RedisPort, s.Timeout, KubernetesSecrets.RedisHost, KubernetesSecrets.RedisPort);
        var milliseconds = (int)s.Timeout.TotalMilliseconds;
        var options = new ConfigurationOptions
        {
            EndPoints = { { s.RedisHost, s.RedisPort } },
            ConnectTimeout = milliseconds,
            SyncTimeout = milliseconds,
            AsyncTimeout = milliseconds,
            AbortOnConnectFail = true,
            ConnectRetry = 1,
            ClientName = ConnectivityCheck.ImageName,
        };
        ConnectionMultiplexer redis;
        var log = new StringWriter();
        try
        {
            redis = await ConnectionMultiplexer.ConnectAsync(options, log);
        }
        catch (RedisConnectionException e)
        {
            throw Classify(e, s, log.ToString());
        }
        await using (redis)
        {
            try
            {
                var ping = await redis.GetDatabase().PingAsync();
                var server = redis.GetServer(s.RedisHost, s.RedisPort);
                return $"{s.RedisHost}:{s.RedisPort}: PING answered in {ping.TotalMilliseconds:0.#} ms; server {server.Version}";
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                throw new CheckFailure($"connected to {s.RedisHost}:{s.RedisPort}, but PING failed: {e.Message}",
                    "a Redis that wants AUTH or TLS (the applications send neither), or one too busy to answer");
            }
        }
    }

    private static CheckFailure Classify(RedisConnectionException e, CheckerSettings s, string log) => e.FailureType switch
    {
        ConnectionFailureType.AuthenticationFailure => new($"{s.RedisHost}:{s.RedisPort} wants a password: {e.Message}",
            "the cache has AUTH (and so TLS) turned on, which the applications are not configured for (REDIS_HOST/REDIS_PORT only)"),
        _ => new($"{s.RedisHost}:{s.RedisPort} accepted the connection but no Redis session came of it ({e.FailureType}: " +
                 $"{FirstSentence(e.Message)})",
            LikelyCause.WrongProtocol(KubernetesSecrets.RedisPort, "Redis") + ", or a Redis that requires TLS" +
            (log.Contains("Unexpected response", StringComparison.OrdinalIgnoreCase) ? " (it answered something else)" : "")),
    };

    /// <summary>The client's message up to its first full stop (the rest is advice for code that retries, which this is not).</summary>
    private static string FirstSentence(string text) => text.Split('\n')[0].Split(". ")[0].Trim().TrimEnd('.');
}
