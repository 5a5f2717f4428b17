using System.Globalization;
using System.Text.Json.Nodes;
using Exchange.Build.Operations;
using Exchange.Contracts;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>
/// The sleep schedule from the pipeline's side: wake-on-demand (<c>Resume --until</c>), what Status says about it,
/// and FollowSchedule, which the workflow runs on the schedule's cron entries.
/// </summary>
public static class FollowSchedule
{
    /// <summary>Resume --until: postpone each daily sleep schedule to the until-time and add a one-time sleep then.</summary>
    public static void StayAwakeUntil(BuildContext b, string text)
    {
        var schedule = b.Settings.Environment.Sleep!;
        var now = b.Now();
        var until = WakeRequest.Resolve(text, schedule, now);
        var skipped = WakeRequest.SkippedSleeps(schedule, now, until);
        var missing = new List<string>();
        foreach (var target in Enum.GetValues<SleepTarget>())
        {
            var name = b.Names.SleepScheduleName(target);
            if (b.Aws.GetSchedule(name) is not { } daily)
            {
                missing.Add(name);
                continue;
            }
            b.Aws.Run(b.Aws.UpdateScheduleCommand(WakeRequest.Postponed(daily, until)));
            var onceName = b.Names.SleepUntilScheduleName(target);
            var once = WakeRequest.OneTimeSleep(daily, onceName, until, schedule);
            b.Aws.Run(b.Aws.GetSchedule(onceName) is null ? b.Aws.CreateScheduleCommand(once) : b.Aws.UpdateScheduleCommand(once));
        }
        if (missing.Count == Enum.GetValues<SleepTarget>().Length)
            throw new InvalidOperationException($"No sleep schedule is deployed ({string.Join(", ", missing)}): run --target=DeployInfra, then Resume " +
                "--until again.");
        if (missing.Count > 0) b.Log.Warning($"Not deployed, so not postponed: {string.Join(", ", missing)} (run --target=DeployInfra).");
        b.Log.Information($"Awake until {schedule.Show(until)}" + (skipped.Count == 0 ? "." :
            $"; skipping the sleep at {string.Join(", ", skipped.Select(schedule.Show))}."));
        b.Report.Add(TaskNames.Resume + " --until", StepOutcome.Changed, $"awake until {schedule.Show(until)}");
    }

    /// <summary>
    /// After a deploy changed stacks that hold sleep schedules: CloudFormation rewrites a schedule it updates with its template's
    /// definition, which has no StartDate, and a replaced host leaves the one-time sleep aimed at the old one. An active
    /// wake-on-demand is put back on the daily schedules of those stacks, and its one-time sleeps get their targets again.
    /// With no stack of a schedule changed, this asks AWS nothing.
    /// </summary>
    public static void KeepAwakeUntil(BuildContext b, IReadOnlyCollection<StackKind> changed)
    {
        if (b.Settings.Environment.Sleep is not { } schedule) return;
        var targets = Pausing.All.Where(p => changed.Contains(p.Stack)).Select(p => p.Target).ToArray();
        if (targets.Length == 0 || AwakeUntil(b) is not { } until || until <= b.Now()) return;
        var restored = new List<string>();
        foreach (var target in targets)
        {
            if (b.Aws.GetSchedule(b.Names.SleepScheduleName(target)) is not { } daily) continue;
            if ((string?)daily["StartDate"] is not { } start || DateTimeOffset.Parse(start, CultureInfo.InvariantCulture) != until)
            {
                b.Aws.Run(b.Aws.UpdateScheduleCommand(WakeRequest.Postponed(daily, until)));
                restored.Add(b.Names.SleepScheduleName(target));
            }
            var onceName = b.Names.SleepUntilScheduleName(target);
            var once = WakeRequest.OneTimeSleep(daily, onceName, until, schedule);
            var deployed = b.Aws.GetSchedule(onceName);
            if (deployed is null || !JsonNode.DeepEquals(deployed["Target"], once["Target"]))
            {
                b.Aws.Run(deployed is null ? b.Aws.CreateScheduleCommand(once) : b.Aws.UpdateScheduleCommand(once));
                restored.Add(onceName);
            }
        }
        b.Log.Information(restored.Count == 0
            ? $"The wake-on-demand until {schedule.Show(until)} is still in place."
            : $"Kept the wake-on-demand until {schedule.Show(until)}: the deploy rewrote {string.Join(", ", restored)}, so they were set again.");
    }

    /// <summary>Pause, or a Resume without --until: a wake-on-demand in place is over; the daily schedules go back to normal.</summary>
    public static void ClearAwakeUntil(BuildContext b)
    {
        if (b.Settings.Environment.Sleep is null) return;
        var onceSchedules = b.Aws.ListSchedules(b.Names.SleepSchedulePrefix).Where(n => n.EndsWith("-until", StringComparison.Ordinal)).ToArray();
        if (onceSchedules.Length == 0) return;
        foreach (var target in Enum.GetValues<SleepTarget>())
            if (b.Aws.GetSchedule(b.Names.SleepScheduleName(target)) is { } daily && daily.ContainsKey("StartDate"))
                b.Aws.Run(b.Aws.UpdateScheduleCommand(WakeRequest.Restored(daily)));
        foreach (var name in onceSchedules) b.Aws.Run(b.Aws.DeleteScheduleCommand(name));
        b.Log.Information($"Cancelled the wake-on-demand ({string.Join(", ", onceSchedules)}): the daily sleep schedules apply again.");
    }

    /// <summary>The latest one-time sleep in place (Resume --until), or null.</summary>
    public static DateTimeOffset? AwakeUntil(BuildContext b) =>
        b.Settings.Environment.Sleep is null ? null
            : b.Aws.ListSchedules(b.Names.SleepSchedulePrefix)
                .Where(n => n.EndsWith("-until", StringComparison.Ordinal))
                .Select(n => b.Aws.GetSchedule(n) is { } s ? WakeRequest.FiresAt(s) : null)
                .Max();

    /// <summary>Status: the schedule, the next transition, and whether the environment sleeps by the schedule or by hand.</summary>
    public static IEnumerable<string> StatusLines(BuildContext b, EnvironmentState state)
    {
        if (b.Settings.Environment.Sleep is not { } schedule)
        {
            yield return "  no sleep schedule: the environment runs until someone pauses it";
            yield break;
        }
        var now = b.Now();
        var awakeBySchedule = schedule.IsAwake(now);
        var next = schedule.NextTransition(now);
        var until = AwakeUntil(b);
        yield return $"  schedule     {schedule.Describe()}";
        var dailies = Enum.GetValues<SleepTarget>().ToDictionary(t => t, t => b.Aws.GetSchedule(b.Names.SleepScheduleName(t)));
        yield return $"  in AWS       {dailies.Values.Count(d => d is not null)} of {dailies.Count} daily sleep schedules deployed " +
                     $"({b.Names.SleepSchedulePrefix}*)";
        yield return $"  now          {schedule.Show(now)}: the schedule says {(awakeBySchedule ? "awake" : "asleep")}";
        yield return $"  next         {(next.Wakes ? "wakes" : "sleeps")} at {schedule.Show(next.At)}";
        if (until is { } u && u > now)
        {
            yield return $"  on demand    awake until {schedule.Show(u)} (Resume --until; Pause cancels it)";
            var lost = dailies.Where(d => d.Value is { } daily && daily["StartDate"] is null).Select(d => b.Names.SleepScheduleName(d.Key)).ToArray();
            if (lost.Length > 0)
                yield return $"  WARNING      {string.Join(", ", lost)} lost the postponement (a deploy outside the pipeline rewrote them): their next sleep " +
                             $"happens. Run ./build.sh --target={TaskNames.DeployInfra} (it sets it again), or Resume --until again";
        }
        var queues = SleepHealth.Read(b);
        foreach (var line in SleepHealth.FailureLines(schedule, queues)) yield return line;
        var asleep = state.Phase is "paused" or "deep-paused";
        var awake = SleepHealth.Awake(state);
        var verdict = (asleep, awakeBySchedule, until > now) switch
        {
            (true, false, _) => "asleep by the schedule",
            (true, true, _) => "asleep by hand (Pause during working hours; Resume wakes it)",
            (false, false, true) => "awake on demand (Resume --until)",
            (false, false, false) when awake.Count > 0 => "WARNING " + SleepHealth.AwakeWarning(schedule, now, awake, queues),
            (false, false, false) => $"{state.Phase} outside working hours",
            _ => "awake by the schedule",
        };
        yield return $"  so           {verdict}";
        if (schedule.Holidays.Count > 0 && DateOnly.FromDateTime(now.UtcDateTime) > schedule.Holidays.Max())
            yield return $"  WARNING      the holiday list ends {schedule.Holidays.Max():yyyy-MM-dd}: extend it in src/Exchange.Contracts/SleepSchedule.cs";
    }

    /// <summary>
    /// What the workflow runs on the schedule's cron entries: up when the schedule says awake (building and pushing
    /// unchanged images is a no-op; Resume; the workloads applied again), and with deep sleep Pause --deep when it
    /// says asleep - unless someone asked to stay awake (Resume --until). Shallow sleep is the in-AWS schedules' job.
    /// </summary>
    public static void Run(BuildContext b)
    {
        var schedule = b.Settings.Environment.Sleep
            ?? throw new InvalidOperationException($"Environment '{b.Settings.Environment.EnvName}' has no sleep schedule: nothing to follow.");
        var now = b.Now();
        var awake = schedule.IsAwake(now) || schedule.IsAwake(now + schedule.WakeLead);
        b.Log.Information($"{schedule.Show(now)}: the schedule says {(awake ? "awake" : "asleep")} ({schedule.Describe()}).");
        if (awake)
        {
            Images.Build(b);
            Images.Push(b);
            PauseResume.Resume(b);
            Workloads.ApplyK8s(b);
            PreviewTargets.SweepQuietly(b); // expired previews and orphans go while the cluster is up
            b.Report.Add(TaskNames.FollowSchedule, StepOutcome.Changed, "woken by the schedule");
            return;
        }
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, schedule.Zone).DateTime);
        var why = schedule.IsHoliday(today) ? "a holiday" : !schedule.WorkDays.Contains(today.DayOfWeek) ? "not a work day" : "outside working hours";
        if (!schedule.Deep)
        {
            // The in-AWS schedules do the shallow sleep; this run says whether it took.
            var up = AwakeUntil(b) is { } wanted && wanted > now ? [] : SleepHealth.Awake(EnvironmentState.Read(b));
            if (up.Count > 0)
            {
                var warning = SleepHealth.AwakeWarning(schedule, now, up, SleepHealth.Read(b));
                b.Log.Warning(warning);
                b.Report.Add(TaskNames.FollowSchedule, StepOutcome.Checked, $"AWAKE ({why}): {warning}");
                return;
            }
            b.Report.Add(TaskNames.FollowSchedule, StepOutcome.Unchanged, $"asleep ({why}); the in-AWS schedules do the shallow sleep");
            return;
        }
        if (AwakeUntil(b) is { } until && until > now)
        {
            b.Report.Add(TaskNames.FollowSchedule, StepOutcome.Unchanged, $"awake on demand until {schedule.Show(until)}: no deep sleep tonight");
            return;
        }
        if (!Pausing.DeepRemoved.All(EnvironmentState.Read(b).IsDeployed))
        {
            b.Report.Add(TaskNames.FollowSchedule, StepOutcome.Unchanged, "already deep asleep");
            return;
        }
        PauseResume.Pause(b, deepRequested: true);
        b.Report.Add(TaskNames.FollowSchedule, StepOutcome.Changed, $"deep sleep ({why})");
    }
}
