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

    [Fact]
    public void A_sleep_that_keeps_failing_is_retried_as_its_policy_says_and_lands_in_its_dead_letter_queue_which_a_reader_does_not_empty()
    {
        var template = _world.Write("sleep.json", """
            { "Resources": {
                "Db": { "Type": "AWS::RDS::DBInstance", "Properties": { "DBInstanceIdentifier": "exchange-dev-mysql", "Engine": "mysql" } },
                "DeadLetters": { "Type": "AWS::SQS::Queue",
                  "Properties": { "QueueName": "exchange-dev-sleep-database-dlq", "MessageRetentionPeriod": 604800 } },
                "Sleep": { "Type": "AWS::Scheduler::Schedule", "Properties": { "Name": "exchange-dev-sleep-database",
                  "ScheduleExpression": "cron(0 20 * * ? *)", "FlexibleTimeWindow": { "Mode": "OFF" },
                  "Target": { "Arn": "arn:aws:scheduler:::aws-sdk:rds:stopDBInstance", "RoleArn": "arn:aws:iam::111122223333:role/sleep",
                              "Input": "{\"DbInstanceIdentifier\":\"exchange-dev-mysql\"}",
                              "RetryPolicy": { "MaximumRetryAttempts": "10", "MaximumEventAgeInSeconds": "3600" },
                              "DeadLetterConfig": { "Arn": { "Fn::GetAtt": ["DeadLetters", "Arn"] } } } } } },
              "Outputs": { "Queue": { "Value": { "Ref": "DeadLetters" } } } }
            """);
        Assert.Equal(0, _world.Aws("cloudformation", "deploy", "--template-file", template, "--stack-name", "Exchange-dev-Rds").ExitCode);
        var url = JsonNode.Parse(_world.Aws("cloudformation", "describe-stacks", "--stack-name", "Exchange-dev-Rds").Stdout)!["Stacks"]![0]!["Outputs"]![0]!
            ["OutputValue"]!.GetValue<string>();

        var first = SchedulerRuns.Run(_world.Cloud, "exchange-dev-sleep-database"); // the database is available: it stops
        var second = SchedulerRuns.Run(_world.Cloud, "exchange-dev-sleep-database"); // it is stopping now: RDS refuses every attempt
        _world.Faults.Throttle("rds:StopDBInstance", 3);

        Assert.True(first.Succeeded);
        Assert.Equal(("InvalidDBInstanceState", 11, true), (second.ErrorCode, second.Attempts, second.DeadLettered));
        Assert.Equal("https://sqs.ap-northeast-2.amazonaws.com/111122223333/exchange-dev-sleep-database-dlq", url);
        for (var read = 0; read < 2; read++)
        {
            var received = JsonNode.Parse(_world.Aws("sqs", "receive-message", "--queue-url", url, "--max-number-of-messages", "10", "--visibility-timeout",
                "0", "--message-system-attribute-names", "SentTimestamp", "--message-attribute-names", "All").Stdout)!["Messages"]!.AsArray();
            var attributes = Assert.Single(received)!["MessageAttributes"]!;
            Assert.Equal("InvalidDBInstanceState", attributes["ERROR_CODE"]!["StringValue"]!.GetValue<string>());
            Assert.Equal("10", attributes["RETRY_ATTEMPTS"]!["StringValue"]!.GetValue<string>());
            Assert.EndsWith(":schedule/default/exchange-dev-sleep-database", attributes["SCHEDULE_ARN"]!["StringValue"]!.GetValue<string>());
        }
        Assert.Contains("\"ApproximateNumberOfMessages\": \"1\"",
            _world.Aws("sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "ApproximateNumberOfMessages").Stdout);
        Assert.Contains("QueueDoesNotExist", _world.Aws("sqs", "get-queue-attributes", "--queue-url", url + "-gone",
            "--attribute-names", "ApproximateNumberOfMessages").Stderr);
        Assert.Empty(_world.Cloud.Violations);
    }

    [Fact]
    public void Throttling_that_passes_within_the_retries_puts_the_resource_to_sleep_and_leaves_the_queue_empty()
    {
        _world.Cloud.Databases["exchange-dev-mysql"] = new JsonObject { ["DBInstanceIdentifier"] = "exchange-dev-mysql", ["DBInstanceStatus"] = "available" };
        _world.Cloud.Queues["dlq"] = new JsonObject
        {
            ["Name"] = "dlq", ["Arn"] = "arn:aws:sqs:ap-northeast-2:111122223333:dlq", ["Messages"] = new JsonArray(),
        };
        _world.Cloud.Schedules["s"] = new JsonObject
        {
            ["Arn"] = "arn:aws:scheduler:ap-northeast-2:111122223333:schedule/default/s",
            ["Target"] = new JsonObject
            {
                ["Arn"] = "arn:aws:scheduler:::aws-sdk:rds:stopDBInstance", ["Input"] = """{"DbInstanceIdentifier":"exchange-dev-mysql"}""",
                ["RetryPolicy"] = new JsonObject { ["MaximumRetryAttempts"] = 10 },
                ["DeadLetterConfig"] = new JsonObject { ["Arn"] = "arn:aws:sqs:ap-northeast-2:111122223333:dlq" },
            },
        };
        _world.Faults.Throttle("rds:StopDBInstance", 3);

        var run = SchedulerRuns.Run(_world.Cloud, "s");

        Assert.Equal((true, 4), (run.Succeeded, run.Attempts));
        Assert.Equal("stopping", _world.Cloud.Databases["exchange-dev-mysql"]["DBInstanceStatus"]!.GetValue<string>());
        Assert.Empty(_world.Cloud.Queues["dlq"]["Messages"]!.AsArray());
    }

    public void Dispose() => _world.Dispose();
}
