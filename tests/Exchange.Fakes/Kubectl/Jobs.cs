using System.Text.Json.Nodes;
using Exchange.Contracts;
using Exchange.Fakes.Core;
using Exchange.Fakes.State;

namespace Exchange.Fakes.Kubectl;

/// <summary>
/// Jobs: one pod that runs to completion at once when the cluster has nodes (Pending without). A Job of the connectivity
/// checker's image (Exchange.Contracts ConnectivityCheck) prints the checker's lines: every check passes, unless
/// FAKE_CHECK_FAIL ("CHECK:MESSAGE") makes one fail with that message, and then the Job fails as backoffLimit 0 makes it.
/// </summary>
internal static class Jobs
{
    public enum Outcome { Pending, Succeeded, Failed }

    public static Outcome Of(KubectlCall call, JsonObject job) =>
        call.Nodes().Count == 0 ? Outcome.Pending : IsChecker(job) && Failure() is not null ? Outcome.Failed : Outcome.Succeeded;

    /// <summary>Whether the Job runs the checker's image (any registry, any tag).</summary>
    public static bool IsChecker(JsonObject job) =>
        (job["spec"]?["template"]?["spec"]?["containers"] as JsonArray ?? []).Any(c =>
            Json.Str(c, "image") is { } image && image.Split('/')[^1].Split('@')[0].Split(':')[0] == ConnectivityCheck.ImageName);

    private static (string Check, string Message)? Failure() =>
        FakeEnv.Get(FakeEnv.CheckFail) is { } value && value.Split(':', 2) is [var check, var message]
            ? (check.Trim(), message.Trim())
            : FakeEnv.Get(FakeEnv.CheckFail) is { } bad
                ? throw new FakeSetupException($"{FakeEnv.CheckFail} is '{bad}': write CHECK:MESSAGE, e.g. redis:no answer within 10 s")
                : null;

    public static JsonObject Status(KubectlCall call, JsonObject job, KubeObjectState stored)
    {
        var started = Json.KubeTime(stored.CreatedAt);
        return Of(call, job) switch
        {
            Outcome.Pending => new JsonObject { ["active"] = 1, ["ready"] = 0, ["startTime"] = started },
            Outcome.Succeeded => new JsonObject
            {
                ["startTime"] = started, ["completionTime"] = started, ["succeeded"] = 1, ["ready"] = 0,
                ["conditions"] = new JsonArray(Condition("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods"),
                    Condition("Complete", "CompletionsReached", "Reached expected number of succeeded pods")),
            },
            _ => new JsonObject
            {
                ["startTime"] = started, ["failed"] = 1, ["ready"] = 0,
                ["conditions"] = new JsonArray(Condition("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
                    Condition("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")),
            },
        };
    }

    private static JsonObject Condition(string type, string reason, string message) => new()
    {
        ["type"] = type, ["status"] = "True", ["reason"] = reason, ["message"] = message,
        ["lastProbeTime"] = Json.KubeTime(DateTimeOffset.UtcNow), ["lastTransitionTime"] = Json.KubeTime(DateTimeOffset.UtcNow),
    };

    /// <summary>What the Job's container printed.</summary>
    public static IReadOnlyList<string> Logs(JsonObject job)
    {
        if (!IsChecker(job)) return ["done"];
        var failure = Failure();
        var lines = ConnectivityCheck.Checks.Select(check => failure is { } f && f.Check == check
            ? new CheckLine(check, false, 10004, f.Message)
            : new CheckLine(check, true, Latency(check), Detail(check))).Select(l => l.ToString()).ToList();
        lines.Add((failure is { } first
            ? new CheckResult(false, $"{first.Check}: {first.Message}")
            : new CheckResult(true, $"{string.Join(", ", ConnectivityCheck.Checks)} answered (93 ms)")).ToString());
        return lines;
    }

    private static long Latency(string check) => check switch { ConnectivityCheck.Mysql => 41, ConnectivityCheck.Redis => 6, _ => 46 };

    /// <summary>What the checker says about a data store that works (the stand-in keeps no secret values, so no host names).</summary>
    private static string Detail(string check) => check switch
    {
        ConnectivityCheck.Mysql => "db-credentials: SELECT 1 ok; server 8.4.7; auth plugin caching_sha2_password; TLS TLSv1.3",
        ConnectivityCheck.Redis => "redis-credentials: PING answered in 0.4 ms; server 7.1.0",
        ConnectivityCheck.Kafka => "kafka-credentials: 1 broker(s); the shard topics with their partitions; round trip through " +
                                   "exchange-checker-20261201080000-a1b2c3 (partition 0; created; deleted)",
        _ => "ok",
    };
}
