using System.Text.Json.Nodes;

namespace Exchange.AwsStandIn.Tests;

/// <summary>EventBridge Scheduler as the real aws CLI meets it: the schedules a stack declares and the ones the pipeline writes.</summary>
public sealed class SchedulerTests : IDisposable
{
    private readonly World _world = new();

    private CliResult Put(string operation, string name, string expression) =>
        _world.Aws("scheduler", operation, "--cli-input-json", "file://" + _world.Write(name + ".json", $$"""
        { "Name": "{{name}}", "ScheduleExpression": "{{expression}}", "ScheduleExpressionTimezone": "Asia/Seoul", "FlexibleTimeWindow": { "Mode": "OFF" },
          "Target": { "Arn": "arn:aws:scheduler:::aws-sdk:rds:stopDBInstance", "RoleArn": "arn:aws:iam::111122223333:role/sleep", "Input": "{}",
                      "RetryPolicy": { "MaximumRetryAttempts": 0 } } }
        """));

    private JsonNode Get(string name) => JsonNode.Parse(_world.Aws("scheduler", "get-schedule", "--name", name).Stdout)!;

    [Fact]
    public void A_stack_declares_a_schedule_and_the_CLI_reads_lists_replaces_and_deletes_it()
    {
        var template = _world.Write("t.json", """
            { "Resources": { "Sleep": { "Type": "AWS::Scheduler::Schedule", "Properties": { "Name": "exchange-dev-sleep-database",
                "ScheduleExpression": "cron(0 20 ? * MON-FRI *)", "FlexibleTimeWindow": { "Mode": "OFF" },
                "Target": { "Arn": "arn:aws:scheduler:::aws-sdk:rds:stopDBInstance", "RoleArn": "arn:aws:iam::111122223333:role/sleep",
                            "RetryPolicy": { "MaximumRetryAttempts": "0" } } } } },
              "Outputs": { "Arn": { "Value": { "Fn::GetAtt": ["Sleep", "Arn"] } } } }
            """);
        Assert.Equal(0, _world.Aws("cloudformation", "deploy", "--template-file", template, "--stack-name", "Exchange-dev-Rds").ExitCode);

        var declared = Get("exchange-dev-sleep-database");
        var replaced = Put("update-schedule", "exchange-dev-sleep-database", "cron(0 22 ? * MON-FRI *)");
        var listed = JsonNode.Parse(_world.Aws("scheduler", "list-schedules", "--name-prefix", "exchange-dev-sleep-").Stdout)!;

        Assert.Equal("arn:aws:scheduler:ap-northeast-2:111122223333:schedule/default/exchange-dev-sleep-database", declared["Arn"]!.GetValue<string>());
        Assert.Equal(0, declared["Target"]!["RetryPolicy"]!["MaximumRetryAttempts"]!.GetValue<int>());
        Assert.True(replaced.ExitCode == 0, replaced.ToString());
        Assert.Equal("cron(0 22 ? * MON-FRI *)", Get("exchange-dev-sleep-database")["ScheduleExpression"]!.GetValue<string>());
        Assert.Equal("Asia/Seoul", Get("exchange-dev-sleep-database")["ScheduleExpressionTimezone"]!.GetValue<string>()); // the whole definition, as sent
        Assert.Equal(["exchange-dev-sleep-database"], listed["Schedules"]!.AsArray().Select(s => s!["Name"]!.GetValue<string>()));
        Assert.Equal(0, _world.Aws("scheduler", "delete-schedule", "--name", "exchange-dev-sleep-database").ExitCode);
        Assert.Contains("(ResourceNotFoundException) when calling the GetSchedule operation",
            _world.Aws("scheduler", "get-schedule", "--name", "exchange-dev-sleep-database").Stderr);
        Assert.Empty(_world.Cloud.Violations);
    }

    [Fact]
    public void Creating_a_schedule_twice_conflicts_and_updating_a_missing_one_is_not_found()
    {
        Assert.Equal(0, Put("create-schedule", "exchange-dev-sleep-nodes-until", "at(2026-12-02T22:00:00)").ExitCode);

        var twice = Put("create-schedule", "exchange-dev-sleep-nodes-until", "at(2026-12-02T22:00:00)");
        var missing = Put("update-schedule", "exchange-dev-sleep-kafka", "cron(0 20 * * ? *)");

        Assert.Contains("(ConflictException) when calling the CreateSchedule operation: Schedule exchange-dev-sleep-nodes-until already exists.", twice.Stderr);
        Assert.Contains("(ResourceNotFoundException) when calling the UpdateSchedule operation", missing.Stderr);
    }

    public void Dispose() => _world.Dispose();
}
