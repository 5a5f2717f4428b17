using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Exchange.Contracts;

namespace Exchange.Build.Operations;

/// <summary>
/// <c>Resume --until=22:00</c>: the environment stays up until then and the sleeps before it are skipped.
/// The schedules cannot run logic, so the marker lives in EventBridge Scheduler itself: each daily sleep schedule
/// gets a StartDate of the until-time (the invocations before it do not happen), and a one-time
/// <c>at(...)</c> schedule with the same universal target puts the resource to sleep at the until-time and deletes
/// itself. Status reads the one-time schedules back; Pause and a plain Resume remove them.
/// </summary>
public static partial class WakeRequest
{
    /// <summary>The longest wake-on-demand; longer is a typo or a reason to change the schedule.</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromDays(7);

    public static bool IsValid(string text) => TimeOfDay().IsMatch(text) || LocalDateTime().IsMatch(text);

    /// <summary>HH:mm is the next such time in the schedule's zone (today, or tomorrow when it has passed); yyyy-MM-ddTHH:mm is that local time.</summary>
    public static DateTimeOffset Resolve(string text, SleepSchedule schedule, DateTimeOffset now)
    {
        DateTimeOffset until;
        if (TimeOfDay().IsMatch(text))
        {
            var time = TimeOnly.ParseExact(text.PadLeft(5, '0'), "HH:mm", CultureInfo.InvariantCulture);
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, schedule.Zone).DateTime);
            until = schedule.At(today, time);
            if (until <= now) until = schedule.At(today.AddDays(1), time);
        }
        else if (LocalDateTime().IsMatch(text))
        {
            var local = DateTime.ParseExact(text, "yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);
            until = schedule.At(DateOnly.FromDateTime(local), TimeOnly.FromDateTime(local));
            if (until <= now) throw new ArgumentException($"--until={text} is already past (now {schedule.Show(now)}).");
        }
        else throw new ArgumentException($"--until '{text}' is not HH:mm or yyyy-MM-ddTHH:mm.");
        if (until - now > Longest)
            throw new ArgumentException($"--until={text} is more than {Longest.TotalDays:0} days away; change the sleep schedule instead.");
        return until;
    }

    /// <summary>The daily sleeps (at the schedule's sleep time) between <paramref name="now"/> and <paramref name="until"/>: the ones skipped.</summary>
    public static IReadOnlyList<DateTimeOffset> SkippedSleeps(SleepSchedule schedule, DateTimeOffset now, DateTimeOffset until)
    {
        var first = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, schedule.Zone).DateTime);
        return Enumerable.Range(0, (int)Longest.TotalDays + 2)
            .Select(d => schedule.At(first.AddDays(d), schedule.SleepAt))
            .Where(at => at > now && at < until)
            .ToArray();
    }

    /// <summary>The daily schedule's definition with the sleeps before <paramref name="until"/> skipped (StartDate).</summary>
    public static JsonObject Postponed(JsonObject daily, DateTimeOffset until)
    {
        var copy = (JsonObject)daily.DeepClone();
        copy["StartDate"] = Iso(until);
        return copy;
    }

    /// <summary>The daily schedule's definition back to normal (no StartDate).</summary>
    public static JsonObject Restored(JsonObject daily)
    {
        var copy = (JsonObject)daily.DeepClone();
        copy.Remove("StartDate");
        return copy;
    }

    /// <summary>A one-time schedule with the daily one's target (same universal target, input and role) at <paramref name="until"/>.</summary>
    public static JsonObject OneTimeSleep(JsonObject daily, string name, DateTimeOffset until, SleepSchedule schedule) => new()
    {
        ["Name"] = name,
        ["GroupName"] = daily["GroupName"]?.DeepClone() ?? "default",
        ["Description"] = $"Resume --until: sleep at {schedule.Show(until)} instead of the daily sleep",
        ["ScheduleExpression"] =
            $"at({TimeZoneInfo.ConvertTime(until, schedule.Zone).DateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture)})",
        ["ScheduleExpressionTimezone"] = schedule.TimeZone,
        ["FlexibleTimeWindow"] = new JsonObject { ["Mode"] = "OFF" },
        ["State"] = "ENABLED",
        ["ActionAfterCompletion"] = "DELETE",
        ["Target"] = daily["Target"]!.DeepClone(),
    };

    /// <summary>When a one-time sleep schedule fires: its at(...) expression in its zone; null for any other schedule.</summary>
    public static DateTimeOffset? FiresAt(JsonObject oneTime)
    {
        var match = AtExpression().Match((string?)oneTime["ScheduleExpression"] ?? "");
        if (!match.Success) return null;
        var zone = TimeZoneInfo.FindSystemTimeZoneById((string?)oneTime["ScheduleExpressionTimezone"] ?? "UTC");
        var local = DateTime.ParseExact(match.Groups[1].Value, "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    private static string Iso(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^([01]?[0-9]|2[0-3]):[0-5][0-9]$")] private static partial Regex TimeOfDay();
    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]$")] private static partial Regex LocalDateTime();
    [GeneratedRegex(@"^at\(([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})\)$")] private static partial Regex AtExpression();
}
