using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Exchange.Contracts;

/// <summary>
/// When nobody works, so the environment sleeps: awake from <see cref="WakeAt"/> to <see cref="SleepAt"/> on each
/// of <see cref="WorkDays"/> (in <see cref="TimeZone"/>) that is not one of <see cref="Holidays"/>, asleep the rest.
/// The one definition the CDK app (the in-AWS sleep schedules), the workflow's wake-up (its cron entries),
/// Pause/Resume, Status and Cost all read.
/// </summary>
public sealed record SleepSchedule
{
    /// <summary>IANA zone the times are in (EventBridge Scheduler's ScheduleExpressionTimezone).</summary>
    public required string TimeZone { get; init; }
    public required TimeOnly WakeAt { get; init; }
    public required TimeOnly SleepAt { get; init; }
    public required IReadOnlyList<DayOfWeek> WorkDays { get; init; }

    /// <summary>Asleep all day on these dates (empty: holidays are ordinary work days).</summary>
    public IReadOnlyList<DateOnly> Holidays { get; init; } = [];

    /// <summary>Deep sleep: the workflow also runs Pause --deep at night (the EKS stack goes; Resume recreates it).</summary>
    public bool Deep { get; init; }

    /// <summary>With deep sleep, the wake-up starts this much before <see cref="WakeAt"/>: recreating the EKS stack takes ~20 minutes.</summary>
    public TimeSpan DeepWakeLead { get; init; } = TimeSpan.FromMinutes(30);

    private static readonly TimeSpan Week = TimeSpan.FromDays(7);

    /// <summary>Metadata key of the sleep schedules' template resources: the definition as JSON, so Cost prices any assembly with its own schedule.</summary>
    public const string MetadataKey = "ExchangeSleepSchedule";

    [JsonIgnore]
    public TimeZoneInfo Zone => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);

    /// <summary>How early the wake-up runs: <see cref="DeepWakeLead"/> with deep sleep, none without.</summary>
    [JsonIgnore]
    public TimeSpan WakeLead => Deep ? DeepWakeLead : TimeSpan.Zero;

    /// <summary>Hours awake in a week without holidays (5 x 12 = 60 by default).</summary>
    [JsonIgnore]
    public double AwakeHoursPerWeek => WorkDays.Distinct().Count() * (SleepAt - WakeAt).TotalHours;

    /// <summary>The share of a week the environment is up: awake hours, plus the wake-up lead of each work day.</summary>
    public decimal UpFraction(bool deep) =>
        (decimal)((AwakeHoursPerWeek + (deep ? WorkDays.Distinct().Count() * DeepWakeLead.TotalHours : 0)) / Week.TotalHours);

    /// <summary>Throws when the definition cannot be scheduled; the message says what to change.</summary>
    public SleepSchedule Validate()
    {
        const string where = "the sleep schedule in src/Exchange.Contracts/Environments.cs";
        try
        {
            _ = Zone;
        }
        catch (TimeZoneNotFoundException)
        {
            throw new InvalidSleepScheduleException($"Time zone '{TimeZone}' of {where} is unknown: use an IANA name such as Asia/Seoul.");
        }
        if (SleepAt <= WakeAt)
            throw new InvalidSleepScheduleException($"{where} sleeps at {SleepAt:HH\\:mm}, not after it wakes ({WakeAt:HH\\:mm}): awake hours must lie " +
                "within one day.");
        if (WorkDays.Count == 0) throw new InvalidSleepScheduleException($"{where} has no work days: remove the schedule to never wake.");
        var now = DateTime.UtcNow;
        if (Enumerable.Range(0, 24).Select(m => Zone.GetUtcOffset(now.AddMonths(m))).Distinct().Count() > 1)
            throw new InvalidSleepScheduleException($"Time zone '{TimeZone}' of {where} has daylight saving time; GitHub's cron is UTC only, " +
                                                    "so the wake-up would drift by an hour. Use a zone without DST.");
        if (WakeAt.Minute % 5 != 0 || SleepAt.Minute % 5 != 0 || WakeAt.Second != 0 || SleepAt.Second != 0)
            throw new InvalidSleepScheduleException($"{where}: use times on a 5-minute boundary (GitHub runs scheduled workflows at most every 5 minutes).");
        return this;
    }

    public bool IsHoliday(DateOnly day) => Holidays.Contains(day);

    public bool IsWorkDay(DateOnly day) => WorkDays.Contains(day.DayOfWeek) && !IsHoliday(day);

    /// <summary>True when the schedule wants the environment up at <paramref name="instant"/>.</summary>
    public bool IsAwake(DateTimeOffset instant)
    {
        var local = TimeZoneInfo.ConvertTime(instant, Zone);
        var time = TimeOnly.FromDateTime(local.DateTime);
        return IsWorkDay(DateOnly.FromDateTime(local.DateTime)) && time >= WakeAt && time < SleepAt;
    }

    /// <summary>The next time the schedule wakes or sleeps after <paramref name="instant"/> (within the next 60 days).</summary>
    public ScheduleTransition NextTransition(DateTimeOffset instant)
    {
        var awake = IsAwake(instant);
        var local = TimeZoneInfo.ConvertTime(instant, Zone);
        for (var day = DateOnly.FromDateTime(local.DateTime); day <= DateOnly.FromDateTime(local.DateTime).AddDays(60); day = day.AddDays(1))
        {
            if (!IsWorkDay(day)) continue;
            var at = At(day, awake ? SleepAt : WakeAt);
            if (at > instant) return new ScheduleTransition(at, Wakes: !awake);
        }
        throw new InvalidSleepScheduleException("The sleep schedule has no work day in the next 60 days.");
    }

    /// <summary>The instant of a local date and time in the schedule's zone.</summary>
    public DateTimeOffset At(DateOnly day, TimeOnly time)
    {
        var local = day.ToDateTime(time, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, Zone.GetUtcOffset(local));
    }

    /// <summary>
    /// EventBridge Scheduler cron (in <see cref="TimeZone"/>) for the in-AWS sleep: every day at <see cref="SleepAt"/>,
    /// so a weekend or holiday woken by hand goes back to sleep, and the database stop repeats daily (RDS restarts
    /// itself 7 days after a stop).
    /// </summary>
    [JsonIgnore]
    public string SleepCron => $"cron({SleepAt.Minute} {SleepAt.Hour} * * ? *)";

    /// <summary>GitHub Actions cron entries (UTC) that wake the environment: <see cref="WakeAt"/> minus <see cref="WakeLead"/> on each work day.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> WorkflowWakeCrons => UtcCrons(WorkDays.Distinct(), WakeAt.ToTimeSpan() - WakeLead);

    /// <summary>GitHub Actions cron entries (UTC) that deep-pause the environment at <see cref="SleepAt"/> every day (none without deep sleep).</summary>
    [JsonIgnore]
    public IReadOnlyList<string> WorkflowSleepCrons => Deep ? UtcCrons(Enum.GetValues<DayOfWeek>(), SleepAt.ToTimeSpan()) : [];

    private IReadOnlyList<string> UtcCrons(IEnumerable<DayOfWeek> days, TimeSpan localTime)
    {
        var offset = Zone.BaseUtcOffset;
        return days
            .Select(d => (double)(int)d * 24 * 60 + (localTime - offset).TotalMinutes) // minutes since Sunday 00:00 UTC
            .Select(m => ((m % (7 * 24 * 60)) + 7 * 24 * 60) % (7 * 24 * 60))
            .Select(m => (Day: (int)(m / (24 * 60)), Hour: (int)(m % (24 * 60)) / 60, Minute: (int)(m % 60)))
            .GroupBy(x => (x.Hour, x.Minute))
            .OrderBy(g => g.Key)
            .Select(g => $"{g.Key.Minute} {g.Key.Hour} * * {DayList(g.Select(x => x.Day))}")
            .ToArray();
    }

    /// <summary>0,1,2,3,4 -> 0-4; every day -> *.</summary>
    private static string DayList(IEnumerable<int> days)
    {
        var sorted = days.Distinct().Order().ToArray();
        if (sorted.Length == 7) return "*";
        var parts = new List<string>();
        for (var i = 0; i < sorted.Length;)
        {
            var j = i;
            while (j + 1 < sorted.Length && sorted[j + 1] == sorted[j] + 1) j++;
            parts.Add(j - i >= 2 ? $"{sorted[i]}-{sorted[j]}" : string.Join(",", sorted[i..(j + 1)]));
            i = j + 1;
        }
        return string.Join(",", parts);
    }

    /// <summary>One line for people: "asleep 20:00-08:00 Asia/Seoul, all Sat, Sun and 27 holidays to 2027-12-27; shallow".</summary>
    public string Describe()
    {
        var off = Enum.GetValues<DayOfWeek>().OrderBy(d => ((int)d + 6) % 7).Where(d => !WorkDays.Contains(d))
            .Select(d => d.ToString()[..3]).ToArray();
        var holidays = Holidays.Count == 0 ? "" : $"{(off.Length > 0 ? " and" : ", all")} {Holidays.Count} holidays to {Holidays.Max():yyyy-MM-dd}";
        return $"asleep {SleepAt:HH\\:mm}-{WakeAt:HH\\:mm} {TimeZone}{(off.Length > 0 ? $", all {string.Join(", ", off)}" : "")}{holidays}; " +
               (Deep ? $"deep (EKS stack removed at night, recreated from {WakeLead.TotalMinutes:0} min before waking)" : "shallow");
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The definition as JSON: the CDK app puts it in the EKS template's metadata, so Cost can price any assembly's schedule.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static SleepSchedule FromJson(string json) =>
        JsonSerializer.Deserialize<SleepSchedule>(json, Json) ?? throw new JsonException("empty sleep schedule");

    public override string ToString() => Describe();

    /// <summary>Formats an instant in the schedule's zone for people: "2026-12-01 20:00 Asia/Seoul (11:00 UTC)".</summary>
    public string Show(DateTimeOffset instant) =>
        TimeZoneInfo.ConvertTime(instant, Zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) +
        $" {TimeZone} ({instant.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC)";
}

/// <summary>
/// How the in-AWS sleep copes with a failed call: EventBridge Scheduler retries it with exponential backoff, up to
/// <see cref="MaximumRetryAttempts"/> times within <see cref="MaximumEventAge"/> (a node group mid-update answers
/// ResourceInUseException for minutes; throttling passes), and then puts a dead-letter event in the schedule's SQS queue,
/// which keeps it <see cref="DeadLetterRetention"/>: Status and FollowSchedule read the queue to say when a sleep failed and why.
/// </summary>
public static class SleepFailures
{
    public const int MaximumRetryAttempts = 10;
    public static readonly TimeSpan MaximumEventAge = TimeSpan.FromHours(1);
    /// <summary>A week: a failure of a Friday night is still there after a long weekend; the queue stays small.</summary>
    public static readonly TimeSpan DeadLetterRetention = TimeSpan.FromDays(7);
}

/// <summary>A sleep schedule that cannot be scheduled; the message says what to change.</summary>
public sealed class InvalidSleepScheduleException(string message) : Exception(message);

/// <summary>The next change the schedule makes: the instant, and whether it wakes or puts to sleep.</summary>
public sealed record ScheduleTransition(DateTimeOffset At, bool Wakes);

/// <summary>
/// Korean public holidays (관공서의 공휴일에 관한 규정) that fall on a weekday, substitute holidays included, for 2026
/// and 2027 (weekend ones need no entry: the weekend sleeps anyway).
/// A dated list in one place: extend it each year from the government's calendar (월력요항), and Status warns when
/// it no longer covers today.
/// </summary>
public static class KoreanPublicHolidays
{
    public static readonly IReadOnlyList<DateOnly> Listed =
    [
        // 2026
        new(2026, 1, 1), new(2026, 2, 16), new(2026, 2, 17), new(2026, 2, 18), new(2026, 3, 2), new(2026, 5, 5),
        new(2026, 5, 25), new(2026, 6, 3), new(2026, 8, 17), new(2026, 9, 24), new(2026, 9, 25), new(2026, 10, 5),
        new(2026, 10, 9), new(2026, 12, 25),
        // 2027
        new(2027, 1, 1), new(2027, 2, 8), new(2027, 2, 9), new(2027, 3, 1), new(2027, 5, 5), new(2027, 5, 13),
        new(2027, 8, 16), new(2027, 9, 14), new(2027, 9, 15), new(2027, 9, 16), new(2027, 10, 4), new(2027, 10, 11),
        new(2027, 12, 27),
    ];
}
