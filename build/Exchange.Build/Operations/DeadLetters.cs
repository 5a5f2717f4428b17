using System.Globalization;
using System.Text.Json;
using Exchange.Contracts;

namespace Exchange.Build.Operations;

/// <summary>One sleep call that kept failing: when EventBridge Scheduler gave up, and the target's error.</summary>
public sealed record DeadLetter(DateTimeOffset At, string Code, string Message)
{
    /// <summary>RDS refused to stop a database that was not "available": already stopped (harmless), or still starting after its 7-day restart.</summary>
    public bool DatabaseNotAvailable => Code.Contains("InvalidDBInstanceState", StringComparison.Ordinal)
                                        || Message.Contains("not in available state", StringComparison.Ordinal);

    public override string ToString() => $"{Code} ({Message})";
}

/// <summary>A sleep schedule's dead-letter queue: how many events it holds (approximately, as SQS counts) and the ones read.</summary>
public sealed record DeadLetterQueue(int Count, IReadOnlyList<DeadLetter> Read)
{
    public DeadLetter? Last => Read.MaxBy(d => d.At);

    /// <summary>
    /// The events of a receive-message answer: SentTimestamp, and the ERROR_CODE and ERROR_MESSAGE attributes EventBridge Scheduler
    /// puts on a dead-letter event (an event without them is shown with its body).
    /// </summary>
    public static IReadOnlyList<DeadLetter> Parse(JsonElement received)
    {
        if (!received.TryGetProperty("Messages", out var messages)) return [];
        return messages.EnumerateArray().Select(m =>
        {
            var sent = m.TryGetProperty("Attributes", out var system) && system.TryGetProperty("SentTimestamp", out var ts)
                       && long.TryParse(ts.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms)
                ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : DateTimeOffset.MinValue;
            string? Attribute(string name) => m.TryGetProperty("MessageAttributes", out var a) && a.TryGetProperty(name, out var v)
                                              && v.TryGetProperty("StringValue", out var s) ? s.GetString() : null;
            return new DeadLetter(sent, Attribute("ERROR_CODE") ?? "unknown error",
                Attribute("ERROR_MESSAGE") ?? (m.TryGetProperty("Body", out var body) ? body.GetString() ?? "" : ""));
        }).ToArray();
    }
}

/// <summary>What Status and FollowSchedule say about failed sleeps and an environment awake when the schedule says asleep.</summary>
public static class SleepHealth
{
    /// <summary>The dead-letter queue of each sleep schedule (null where the queue does not exist: its stack is not deployed).</summary>
    public static IReadOnlyDictionary<SleepTarget, DeadLetterQueue?> Read(BuildContext b)
    {
        var account = b.Settings.Account ?? b.EnsureAccount().Account;
        return Enum.GetValues<SleepTarget>().ToDictionary(t => t, t => b.Aws.ReadDeadLetters(b.Aws.QueueUrl(account, b.Names.SleepDeadLetterQueueName(t))));
    }

    /// <summary>One line per schedule that failed within the queue's retention; the WARNING ones failed for a reason other than "already asleep".</summary>
    public static IEnumerable<string> FailureLines(SleepSchedule schedule, IReadOnlyDictionary<SleepTarget, DeadLetterQueue?> queues)
    {
        var days = SleepFailures.DeadLetterRetention.TotalDays;
        if (queues.Values.All(q => q is null or { Count: 0 }))
        {
            yield return $"  failed sleeps none in the last {days:0} days";
            yield break;
        }
        foreach (var (target, queue) in queues)
        {
            if (queue?.Last is not { } last) continue;
            var when = schedule.Show(last.At);
            var count = queue.Count == 1 ? "once" : $"{queue.Count} times";
            yield return last.DatabaseNotAvailable
                ? $"  failed sleeps {Noun(target)}: {count} in the last {days:0} days, last at {when}: {last} - the database was not available to stop: " +
                  "already stopped (harmless), or still starting after RDS restarted it"
                : $"  WARNING      {Noun(target)}: the sleep failed {count} in the last {days:0} days, last at {when} after " +
                  $"{SleepFailures.MaximumRetryAttempts} retries: {last}";
        }
    }

    /// <summary>What is up although it should sleep (empty when everything that sleeps is asleep).</summary>
    public static IReadOnlyList<string> Awake(EnvironmentState state)
    {
        var up = new List<string>();
        if (state.Nodes is { DesiredSize: > 0 } nodes) up.Add($"the node group at {nodes.DesiredSize}");
        if (state.KafkaState is "running" or "pending") up.Add("Redpanda running");
        if (state.DatabaseStatus is "available" or "starting" or "backing-up" or "modifying") up.Add($"RDS {state.DatabaseStatus}");
        return up;
    }

    /// <summary>The warning for an environment awake outside working hours without a wake-on-demand.</summary>
    public static string AwakeWarning(SleepSchedule schedule, DateTimeOffset now, IReadOnlyList<string> awake,
        IReadOnlyDictionary<SleepTarget, DeadLetterQueue?> queues)
    {
        var lastSleep = LastSleep(schedule, now);
        var failed = queues.Where(q => q.Value?.Last is { } d && d.At >= lastSleep - TimeSpan.FromMinutes(5))
            .Select(q => $"the {Noun(q.Key)} sleep at {schedule.Show(lastSleep)} failed: {q.Value!.Last}").ToArray();
        return $"awake although the schedule says asleep: {string.Join(", ", awake)}. " +
               (failed.Length > 0 ? string.Join("; ", failed) + ". " : "") +
               $"If nobody woke it on purpose, put it to sleep: ./build.sh --target=Pause (or Resume --until=HH:mm to keep it up; " +
               $"the next daily sleep is at {schedule.Show(NextSleep(schedule, now))}).";
    }

    private static DateTimeOffset LastSleep(SleepSchedule schedule, DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, schedule.Zone).DateTime);
        var at = schedule.At(today, schedule.SleepAt);
        return at <= now ? at : schedule.At(today.AddDays(-1), schedule.SleepAt);
    }

    private static DateTimeOffset NextSleep(SleepSchedule schedule, DateTimeOffset now) => LastSleep(schedule, now).AddDays(1);

    private static string Noun(SleepTarget target) => target switch
    {
        SleepTarget.Nodes => "nodes",
        SleepTarget.Kafka => "Redpanda",
        _ => "database",
    };
}
