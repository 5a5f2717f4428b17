using System.Text.Json.Nodes;
using Exchange.AwsStandIn;
using Exchange.Contracts;

namespace Exchange.Pipeline.Tests;

/// <summary>The in-AWS sleep over a year: a failed sleep is seen, and a wake-on-demand survives a deploy that rewrites the schedules.</summary>
public sealed class SleepFailureTests : IDisposable
{
    private static PipelineWorld world => PipelineWorld.Shared;
    private readonly PipelineRun _run = new(world);
    private static readonly EnvironmentNames Names = Environments.Dev.Names;
    private static readonly DateTimeOffset SleepTime = DateTimeOffset.Parse("2026-12-01T11:00:00Z"); // Tuesday 20:00 in Seoul

    /// <summary>EventBridge Scheduler runs the daily sleep of <paramref name="target"/> (the stand-in keeps no clock: the test says when).</summary>
    private ScheduleRun Sleep(SleepTarget target, DateTimeOffset at)
    {
        lock (_run.Cloud) return SchedulerRuns.Run(_run.Cloud, Names.SleepScheduleName(target), at);
    }

    private Dictionary<string, JsonObject> Schedules()
    {
        lock (_run.Cloud) return _run.Cloud.Schedules.ToDictionary(s => s.Key, s => (JsonObject)s.Value.DeepClone());
    }

    [Fact]
    public void A_sleep_that_failed_shows_in_Status_and_FollowSchedule_at_night_reports_the_environment_awake()
    {
        _run.Deployed();
        _run.Env["EXCHANGE_NOW"] = "2026-12-01T14:00:00Z"; // 23:00 in Seoul
        _run.Cloud.Faults.Throttle("rds:StopDBInstance", 1 + SleepFailures.MaximumRetryAttempts); // RDS throttles every attempt tonight
        Assert.True(Sleep(SleepTarget.Nodes, SleepTime).Succeeded);
        Assert.True(Sleep(SleepTarget.Kafka, SleepTime).Succeeded);
        var database = Sleep(SleepTarget.Database, SleepTime);
        Assert.Equal(("Throttling", 11, true), (database.ErrorCode, database.Attempts, database.DeadLettered));

        var status = _run.Build("--target=Status");

        Assert.True(status.ExitCode == 0, status.ToString());
        // Long lines, wrapped at 120 columns: asserted unwrapped (Text joins a line to the one before it, so no leading indent;
        // a wrapped line's runs of spaces are one space).
        Assert.Contains("WARNING database: the sleep failed once in the last 7 days, last at 2026-12-01 20:00 Asia/Seoul (2026-12-01 11:00 UTC) " +
                        "after 10 retries: Throttling (Rate exceeded)", status.Text);
        Assert.Contains("so WARNING awake although the schedule says asleep: RDS available. the database sleep at 2026-12-01 20:00 " +
                        "Asia/Seoul (2026-12-01 11:00 UTC) failed: Throttling (Rate exceeded).", status.Text);
        Assert.Contains("Environment 'dev' is PARTLY PAUSED.", status.Output);

        var night = _run.Build("--target=FollowSchedule");

        Assert.True(night.ExitCode == 0, night.ToString());
        Assert.Contains("awake although the schedule says asleep: RDS available", night.Text);
        Assert.Matches(@"FollowSchedule\s+checked\s+AWAKE \(outside working hours\)", night.Output);

        // Paused by hand, the next night's sleep finds the database stopped: that is no failed sleep.
        Assert.True(_run.Build("--target=Pause").ExitCode == 0);
        var again = Sleep(SleepTarget.Database, SleepTime.AddDays(1));
        Assert.Equal("InvalidDBInstanceState", again.ErrorCode);
        _run.Env["EXCHANGE_NOW"] = "2026-12-02T14:00:00Z";

        var calm = _run.Build("--target=Status");

        Assert.Contains("failed sleeps database: 2 times in the last 7 days, last at 2026-12-02 20:00 Asia/Seoul (2026-12-02 11:00 UTC): " +
                        "InvalidDBInstanceState", calm.Text);
        Assert.Contains("already stopped (harmless)", calm.Output);
        Assert.Contains("  so           asleep by the schedule", calm.Output);
        Assert.DoesNotContain("WARNING", calm.Output);
    }

    [Fact]
    public void An_unrelated_change_to_the_schedules_never_cancels_an_active_Resume_until()
    {
        _run.Deployed();
        _run.Env["EXCHANGE_NOW"] = "2026-12-01T10:00:00Z"; // Tuesday 19:00 in Seoul
        Assert.True(_run.Build("--target=Resume", "--until=22:00").ExitCode == 0);
        var dailies = Enum.GetValues<SleepTarget>().Select(Names.SleepScheduleName).ToArray();
        var until = DateTimeOffset.Parse("2026-12-01T13:00:00Z");
        Assert.All(dailies, d => Assert.Equal(until, DateTimeOffset.Parse((string)Schedules()[d]["StartDate"]!)));
        // The schedules' template changes (a reworded description; the holiday list in their metadata loses a day), as an edit
        // of the sleep definition would: CloudFormation rewrites each schedule with its template's definition, without StartDate.
        foreach (var stack in new[] { StackKind.Eks, StackKind.Kafka, StackKind.Rds })
            _run.EditTemplate(stack, t => t.Replace(", every day at 20:00 Asia/Seoul", ", every day at 20:00 Asia/Seoul (reworded)", StringComparison.Ordinal)
                .Replace("\\\"2027-12-27\\\",", "", StringComparison.Ordinal));

        var deploy = _run.Build("--target=DeployInfra", "--exclusive");

        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        var after = Schedules();
        Assert.All(dailies, d => Assert.EndsWith("(reworded)", (string?)after[d]["Description"])); // really rewritten by the deploy ...
        Assert.All(dailies, d => Assert.Equal(until, DateTimeOffset.Parse((string?)after[d]["StartDate"] ?? "0001-01-01Z"))); // ... and postponed again
        Assert.Contains("Kept the wake-on-demand until 2026-12-01 22:00 Asia/Seoul", deploy.Text);
        Assert.All(dailies, d => Assert.True(after.ContainsKey(d + "-until")));

        var status = _run.Build("--target=Status");

        Assert.Contains("on demand    awake until 2026-12-01 22:00 Asia/Seoul", status.Output);
        Assert.DoesNotContain("lost the postponement", status.Output);
    }

    public void Dispose() => _run.Dispose();
}
