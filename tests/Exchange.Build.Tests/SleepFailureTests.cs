using System.Text.Json;
using System.Text.Json.Nodes;
using Exchange.Build.Aws;
using Exchange.Build.Operations;
using Exchange.Build.Pipeline.Tasks;
using Exchange.Build.Processes;
using Exchange.Contracts;

namespace Exchange.Build.Tests;

/// <summary>Failed sleeps read from the schedules' dead-letter queues, an environment awake at night, and a wake-on-demand a deploy rewrote.</summary>
public sealed class SleepFailureTests
{
    private static readonly SleepSchedule Schedule = Environments.Dev.Sleep!;
    private static readonly DateTimeOffset Night = DateTimeOffset.Parse("2026-12-01T14:00:00Z"); // Tuesday 23:00 in Seoul
    private static readonly DateTimeOffset SleptAt = DateTimeOffset.Parse("2026-12-01T11:00:00Z"); // 20:00 in Seoul

    /// <summary>A receive-message answer in botocore's shape, as EventBridge Scheduler's dead-letter events come.</summary>
    private static JsonElement Received(params (DateTimeOffset At, string? Code, string? Message)[] events) => JsonDocument.Parse(JsonSerializer.Serialize(new
    {
        Messages = events.Select(e => new Dictionary<string, object>
        {
            ["MessageId"] = Guid.NewGuid().ToString(), ["Body"] = """{"DbInstanceIdentifier":"exchange-dev-mysql"}""",
            ["Attributes"] = new { SentTimestamp = e.At.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture) },
            ["MessageAttributes"] = new Dictionary<string, object?>
            {
                ["ERROR_CODE"] = e.Code is null ? null : new { StringValue = e.Code, DataType = "String" },
                ["ERROR_MESSAGE"] = e.Message is null ? null : new { StringValue = e.Message, DataType = "String" },
            }.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value),
        }),
    })).RootElement;

    [Fact]
    public void A_dead_letter_event_gives_when_it_was_sent_and_the_targets_error_and_one_without_attributes_its_body()
    {
        var read = DeadLetterQueue.Parse(Received((SleptAt, "InvalidDBInstanceState", "Instance exchange-dev-mysql is not in available state."),
            (SleptAt.AddDays(-1), null, null)));

        Assert.Equal(SleptAt, read[0].At);
        Assert.True(read[0].DatabaseNotAvailable);
        Assert.Equal("unknown error", read[1].Code);
        Assert.Contains("exchange-dev-mysql", read[1].Message);
        Assert.False(read[1].DatabaseNotAvailable);
        Assert.Empty(DeadLetterQueue.Parse(JsonDocument.Parse("{}").RootElement)); // an empty receive has no Messages member
    }

    [Fact]
    public void A_database_found_already_stopped_is_named_harmless_and_any_other_failure_is_a_warning_with_its_error()
    {
        var queues = new Dictionary<SleepTarget, DeadLetterQueue?>
        {
            [SleepTarget.Nodes] = new(1, [new DeadLetter(SleptAt, "TooManyRequestsException", "Rate exceeded")]),
            [SleepTarget.Kafka] = new(0, []),
            [SleepTarget.Database] = new(2, [new DeadLetter(SleptAt.AddDays(-1), "InvalidDBInstanceState", "not in available state"),
                new DeadLetter(SleptAt, "InvalidDBInstanceState", "Instance exchange-dev-mysql is not in available state.")]),
        };

        var lines = SleepHealth.FailureLines(Schedule, queues).ToList();

        Assert.Equal(2, lines.Count);
        Assert.StartsWith("  WARNING      nodes: the sleep failed once in the last 7 days, last at 2026-12-01 20:00 Asia/Seoul", lines[0]);
        Assert.EndsWith("after 10 retries: TooManyRequestsException (Rate exceeded)", lines[0]);
        Assert.StartsWith("  failed sleeps database: 2 times in the last 7 days, last at 2026-12-01 20:00 Asia/Seoul (2026-12-01 11:00 UTC): " +
            "InvalidDBInstanceState", lines[1]);
        Assert.Contains("already stopped (harmless)", lines[1]);
        Assert.DoesNotContain("WARNING", lines[1]);
        Assert.Equal(["  failed sleeps none in the last 7 days"],
            SleepHealth.FailureLines(Schedule, queues.ToDictionary(q => q.Key, _ => (DeadLetterQueue?)null)));
    }

    [Fact]
    public void An_environment_awake_at_night_is_reported_with_what_is_up_the_failed_sleep_of_that_night_and_what_to_do()
    {
        var state = new EnvironmentState(StackKinds.DeployOrder.ToDictionary(k => k, _ => (JsonElement?)null),
            DeploymentOutputs.Parse(Environments.Dev.Names, "{}", "test"), new NodegroupScaling(0, 4, 0), "stopped", "available");
        var queues = new Dictionary<SleepTarget, DeadLetterQueue?>
        {
            [SleepTarget.Database] = new(2, [new DeadLetter(SleptAt.AddMinutes(40), "Throttling", "Rate exceeded"),
                new DeadLetter(SleptAt.AddDays(-2), "Throttling", "an older night")]),
        };

        var awake = SleepHealth.Awake(state);
        var warning = SleepHealth.AwakeWarning(Schedule, Night, awake, queues);

        Assert.Equal(["RDS available"], awake);
        Assert.StartsWith("awake although the schedule says asleep: RDS available. " +
                          "the database sleep at 2026-12-01 20:00 Asia/Seoul (2026-12-01 11:00 UTC) failed: Throttling (Rate exceeded).", warning);
        Assert.DoesNotContain("an older night", warning);
        Assert.Contains("./build.sh --target=Pause", warning);
        Assert.Contains("the next daily sleep is at 2026-12-02 20:00 Asia/Seoul", warning);
        Assert.Empty(SleepHealth.Awake(state with { DatabaseStatus = "stopped" }));
    }

    // ---- A wake-on-demand across a deploy that rewrote the schedules ----

    private static JsonObject Daily(SleepTarget target, string instance, string? startDate = null)
    {
        var daily = new JsonObject
        {
            ["Arn"] = $"arn:aws:scheduler:ap-northeast-2:111122223333:schedule/default/{Environments.Dev.Names.SleepScheduleName(target)}",
            ["Name"] = Environments.Dev.Names.SleepScheduleName(target), ["GroupName"] = "default", ["State"] = "ENABLED",
            ["ScheduleExpression"] = "cron(0 20 * * ? *)", ["ScheduleExpressionTimezone"] = "Asia/Seoul",
            ["FlexibleTimeWindow"] = new JsonObject { ["Mode"] = "OFF" },
            ["Target"] = new JsonObject
            {
                ["Arn"] = "arn:aws:scheduler:::aws-sdk:ec2:stopInstances", ["RoleArn"] = "arn:aws:iam::111122223333:role/Exchange-dev-Kafka-sleep",
                ["Input"] = $$"""{"InstanceIds":["{{instance}}"]}""",
            },
        };
        if (startDate is not null) daily["StartDate"] = startDate;
        return daily;
    }

    private static readonly DateTimeOffset Until = DateTimeOffset.Parse("2026-12-01T13:00:00Z"); // 22:00 in Seoul

    /// <summary>An account with a wake-on-demand until 22:00, whose daily Kafka schedule and one-time sleep are as given.</summary>
    private static RecordingRunner Account(JsonObject daily, JsonObject once) => new(c => c.Values.ToArray() switch
    {
        ["scheduler", "list-schedules", ..] => Ok(new JsonObject { ["Schedules"] = new JsonArray(new JsonObject { ["Name"] = once["Name"]!.DeepClone() }) }),
        ["scheduler", "get-schedule", "--name", var name, ..] when name == (string)daily["Name"]! => Ok(daily),
        ["scheduler", "get-schedule", "--name", var name, ..] when name == (string)once["Name"]! => Ok(once),
        _ => Ok(new JsonObject()),
    });

    private static ProcessResult Ok(JsonObject json) => new(0, json.ToJsonString(), "", TimeSpan.Zero);

    private static BuildContext At(RecordingRunner runner, DateTimeOffset now) =>
        Contexts.Build(runner, new() { ["account"] = "111122223333" }, new() { ["EXCHANGE_NOW"] = now.ToString("O") }, "DeployInfra");

    private static JsonObject Once(JsonObject daily) =>
        WakeRequest.OneTimeSleep(daily, Environments.Dev.Names.SleepUntilScheduleName(SleepTarget.Kafka), Until, Schedule);

    private static IReadOnlyList<string> Writes(RecordingRunner runner) => runner.Calls.Select(c => c.Command.Values.ToArray())
        .Where(v => v[0] == "scheduler" && v[1] is "update-schedule" or "create-schedule").Select(v => v[3]).ToList();

    [Fact]
    public void A_deploy_that_rewrote_a_postponed_daily_schedule_gets_its_StartDate_back()
    {
        var rewritten = Daily(SleepTarget.Kafka, "i-0aaa"); // CloudFormation's update left no StartDate
        var runner = Account(rewritten, Once(Daily(SleepTarget.Kafka, "i-0aaa")));

        FollowSchedule.KeepAwakeUntil(At(runner, SleptAt.AddHours(-1)), [StackKind.Kafka]);

        var write = JsonNode.Parse(Assert.Single(Writes(runner)))!;
        Assert.Equal("exchange-dev-sleep-kafka", (string?)write["Name"]);
        Assert.Equal("2026-12-01T13:00:00Z", (string?)write["StartDate"]);
        Assert.Equal(rewritten["Target"]!.ToJsonString(), write["Target"]!.ToJsonString());
    }

    [Fact]
    public void A_replaced_host_gets_the_one_time_sleep_aimed_at_it_again()
    {
        var daily = Daily(SleepTarget.Kafka, "i-0bbb-new", startDate: "2026-12-01T13:00:00Z");
        var runner = Account(daily, Once(Daily(SleepTarget.Kafka, "i-0aaa-old")));

        FollowSchedule.KeepAwakeUntil(At(runner, SleptAt.AddHours(-1)), [StackKind.Kafka]);

        var write = JsonNode.Parse(Assert.Single(Writes(runner)))!;
        Assert.Equal("exchange-dev-sleep-kafka-until", (string?)write["Name"]);
        Assert.Contains("i-0bbb-new", (string?)write["Target"]!["Input"]);
    }

    [Fact]
    public void Without_a_changed_schedule_stack_or_an_active_wake_on_demand_nothing_is_asked_or_written()
    {
        var daily = Daily(SleepTarget.Kafka, "i-0aaa");
        var untouched = Account(daily, Once(daily));
        var expired = Account(daily, Once(daily));

        FollowSchedule.KeepAwakeUntil(At(untouched, SleptAt.AddHours(-1)), [StackKind.Vpc, StackKind.Ecr]);
        FollowSchedule.KeepAwakeUntil(At(expired, Until.AddMinutes(1)), [StackKind.Kafka]);

        Assert.Empty(untouched.Calls);
        Assert.Empty(Writes(expired));
    }
}
