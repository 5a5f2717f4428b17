using System.Text.Json.Nodes;
using Exchange.Contracts;
using Exchange.Infra.Constructs;

namespace Exchange.Infra.Tests;

/// <summary>The in-AWS sleep: one EventBridge Scheduler schedule per resource, universal targets, no Lambda.</summary>
[Collection(SynthesizedAppCollection.Name)]
public sealed class SleepScheduleTests(SynthesizedApp app)
{
    public static TheoryData<StackKind, SleepTarget, string> Targets => new()
    {
        { StackKind.Eks, SleepTarget.Nodes, "arn:aws:scheduler:::aws-sdk:eks:updateNodegroupConfig" },
        { StackKind.Kafka, SleepTarget.Kafka, "arn:aws:scheduler:::aws-sdk:ec2:stopInstances" },
        { StackKind.Rds, SleepTarget.Database, "arn:aws:scheduler:::aws-sdk:rds:stopDBInstance" },
    };

    public static TheoryData<StackKind, SleepTarget> Sleepers => new()
    {
        { StackKind.Eks, SleepTarget.Nodes }, { StackKind.Kafka, SleepTarget.Kafka }, { StackKind.Rds, SleepTarget.Database },
    };

    public static TheoryData<StackKind, string> Actions => new()
    {
        { StackKind.Eks, "eks:UpdateNodegroupConfig" },
        { StackKind.Kafka, "ec2:StopInstances" },
        { StackKind.Rds, "rds:StopDBInstance" },
    };

    private (string Id, JsonObject Props) Schedule(StackKind stack) =>
        app.Resources(stack, "AWS::Scheduler::Schedule").Select(r => (r.Key, TemplateJson.Properties(r.Value))).Single();

    [Theory]
    [MemberData(nameof(Targets))]
    public void Each_resource_has_a_daily_sleep_schedule_at_20_00_Seoul_time_with_a_universal_target(
        StackKind stack, SleepTarget target, string targetArn)
    {
        var (_, props) = Schedule(stack);

        Assert.Equal(app.Config.Names.SleepScheduleName(target), (string?)props["Name"]);
        Assert.Equal("cron(0 20 * * ? *)", (string?)props["ScheduleExpression"]);
        Assert.Equal("Asia/Seoul", (string?)props["ScheduleExpressionTimezone"]);
        Assert.Equal("ENABLED", (string?)props["State"]);
        Assert.Equal("OFF", (string?)props["FlexibleTimeWindow"]!["Mode"]);
        Assert.Equal(targetArn, (string?)props["Target"]!["Arn"]);
    }

    [Theory]
    [MemberData(nameof(Sleepers))]
    public void A_failed_sleep_is_retried_with_backoff_for_an_hour_and_then_lands_in_the_schedules_own_dead_letter_queue(
        StackKind stack, SleepTarget target)
    {
        var (_, props) = Schedule(stack);
        var queues = app.Resources(stack, "AWS::SQS::Queue");

        // Not 185 retries over a day (the default), not none: a node group mid-update or throttling passes within the hour.
        Assert.Equal(10, (int)props["Target"]!["RetryPolicy"]!["MaximumRetryAttempts"]!);
        Assert.Equal(3600, (int)props["Target"]!["RetryPolicy"]!["MaximumEventAgeInSeconds"]!);
        var (queueId, queue) = Assert.Single(queues);
        Assert.Equal(queueId, (string?)props["Target"]!["DeadLetterConfig"]!["Arn"]!["Fn::GetAtt"]![0]);
        var queueProps = TemplateJson.Properties(queue);
        Assert.Equal(app.Config.Names.SleepDeadLetterQueueName(target), (string?)queueProps["QueueName"]);
        Assert.Equal(7 * 24 * 3600, (int)queueProps["MessageRetentionPeriod"]!);
        Assert.True((bool)queueProps["SqsManagedSseEnabled"]!);
        Assert.Null(queueProps["FifoQueue"]); // Scheduler takes standard queues only
        Assert.Equal("Delete", (string?)queue["DeletionPolicy"]);
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public void The_dead_letter_queue_refuses_every_request_that_is_not_HTTPS(StackKind stack, string action)
    {
        var queueId = app.Resources(stack, "AWS::SQS::Queue").Single().Key;
        var policy = TemplateJson.Properties(app.Resources(stack, "AWS::SQS::QueuePolicy").Single().Value);
        Assert.Contains(action, Schedule(stack).Props.ToJsonString().Replace("aws-sdk:", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);

        Assert.Equal(queueId, (string?)policy["Queues"]!.AsArray().Single()!["Ref"]);
        var deny = policy["PolicyDocument"]!["Statement"]!.AsArray().Single()!;
        Assert.Equal("Deny", (string?)deny["Effect"]);
        Assert.Equal("sqs:*", (string?)deny["Action"]);
        Assert.Equal("false", (string?)deny["Condition"]!["Bool"]!["aws:SecureTransport"]);
    }

    [Fact]
    public void The_schedule_description_holds_nothing_a_holiday_edit_changes()
    {
        // An update of the schedule drops a wake-on-demand's StartDate: editing the holidays must not rewrite it.
        var (_, props) = Schedule(StackKind.Rds);
        var description = (string)props["Description"]!;
        var noHolidays = ExchangeApp.Create(new InfraSettings { Config = Environments.Dev with { Sleep = app.Config.Sleep! with { Holidays = [] } } });
        var rds = System.Text.Json.JsonSerializer.Serialize(
            Amazon.CDK.Assertions.Template.FromStack(noHolidays.Stack<Exchange.Infra.Stacks.RdsStack>()).ToJSON());

        Assert.Equal($"Sleep: database {app.Config.Names.DbInstanceIdentifier}, every day at 20:00 Asia/Seoul", description);
        Assert.Contains(description, rds, StringComparison.Ordinal);
    }

    [Fact]
    public void The_node_group_schedule_scales_the_named_node_group_to_zero_and_keeps_its_maximum()
    {
        var input = Input(Schedule(StackKind.Eks).Props);

        Assert.Equal("{Ref:Cluster}", (string?)input["ClusterName"]);
        Assert.Equal("{SpotNodegroup.NodegroupName}", (string?)input["NodegroupName"]);
        Assert.Equal(0, (int)input["ScalingConfig"]!["DesiredSize"]!);
        Assert.Equal(0, (int)input["ScalingConfig"]!["MinSize"]!);
        Assert.Equal(app.Config.Of<EksConfig>().NodeMaxSize, (int)input["ScalingConfig"]!["MaxSize"]!);
    }

    [Fact]
    public void The_Redpanda_schedule_stops_exactly_the_Redpanda_instance()
    {
        var input = Input(Schedule(StackKind.Kafka).Props);

        Assert.Equal(["{Ref:RedpandaInstance}"], input["InstanceIds"]!.AsArray().Select(i => (string?)i));
    }

    [Fact]
    public void The_database_schedule_stops_the_database_by_its_identifier()
    {
        var input = Input(Schedule(StackKind.Rds).Props);

        Assert.Equal(app.Config.Names.DbInstanceIdentifier, (string?)input["DbInstanceIdentifier"]);
        Assert.Single(input);
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public void The_execution_role_trusts_only_the_scheduler_of_this_account_and_allows_only_its_one_action_and_its_dead_letters(
        StackKind stack, string iamAction)
    {
        var (_, props) = Schedule(stack);
        var roleId = (string)props["Target"]!["RoleArn"]!["Fn::GetAtt"]![0]!;
        var role = TemplateJson.Properties(app.Resources(stack, "AWS::IAM::Role")[roleId]);

        var trust = role["AssumeRolePolicyDocument"]!["Statement"]!.AsArray().Single()!;
        Assert.Equal("scheduler.amazonaws.com", (string?)trust["Principal"]!["Service"]);
        Assert.Equal("sts:AssumeRole", (string?)trust["Action"]);
        Assert.Equal("AWS::AccountId", (string?)trust["Condition"]!["StringEquals"]!["aws:SourceAccount"]!["Ref"]);

        var statements = role["Policies"]!.AsArray().Single()!["PolicyDocument"]!["Statement"]!.AsArray();
        Assert.Equal(2, statements.Count);
        var statement = statements[0]!;
        Assert.Equal("Allow", (string?)statement["Effect"]);
        Assert.Equal(iamAction, (string?)statement["Action"]);
        Assert.Equal(ExpectedResource(stack), Token(statement["Resource"]));
        // ... and send its dead-letter events to its own queue, nothing else.
        var deadLetters = statements[1]!;
        Assert.Equal("Allow", (string?)deadLetters["Effect"]);
        Assert.Equal("sqs:SendMessage", (string?)deadLetters["Action"]);
        Assert.Equal($"{{{app.Resources(stack, "AWS::SQS::Queue").Single().Key}.Arn}}", Token(deadLetters["Resource"]));
        Assert.Null(role["ManagedPolicyArns"]);
        Assert.DoesNotContain(app.Resources(stack, "AWS::IAM::Policy").Values,
            p => TemplateJson.Properties(p)["Roles"]!.AsArray().Any(r => (string?)r!["Ref"] == roleId));
    }

    [Fact]
    public void The_sleep_uses_no_Lambda_and_the_node_group_schedule_lives_in_the_EKS_stack_that_deep_pause_removes()
    {
        foreach (var kind in StackKinds.DeployOrder)
            Assert.DoesNotContain(TemplateJson.AllResources(app.Json[kind]), r
                => TemplateJson.Type(r.Resource)!.StartsWith("AWS::Lambda::", StringComparison.Ordinal));
        var owners = StackKinds.DeployOrder.Where(k => app.Resources(k, "AWS::Scheduler::Schedule").Count > 0).ToArray();
        Assert.Equal([StackKind.Rds, StackKind.Kafka, StackKind.Eks], owners);
    }

    [Fact]
    public void Each_schedule_carries_the_sleep_definition_for_Cost()
    {
        var metadata = (string)app.Resources(StackKind.Rds, "AWS::Scheduler::Schedule").Single().Value["Metadata"]![SleepSchedule.MetadataKey]!;

        Assert.Equal(app.Config.Sleep, SleepSchedule.FromJson(metadata), new ScheduleComparer());
    }

    [Fact]
    public void An_environment_without_a_sleep_schedule_gets_no_schedules_and_no_scheduler_roles()
    {
        var config = Environments.Dev with { Sleep = null };
        var other = ExchangeApp.Create(new InfraSettings { Config = config });
        var assembly = other.App.Synth();

        foreach (var stack in other.Stacks)
        {
            var json = File.ReadAllText(Path.Combine(assembly.Directory, stack.TemplateFile));
            Assert.DoesNotContain("AWS::Scheduler::Schedule", json, StringComparison.Ordinal);
            Assert.DoesNotContain("scheduler.amazonaws.com", json, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Redpanda_fits_its_instance_memory_and_a_host_too_small_fails_the_synth()
    {
        RedpandaInstance.CheckMemoryBudget(app.Config.Of<KafkaConfig>().InstanceType);
        var tooSmall = Assert.Throws<ArgumentException>(() => RedpandaInstance.CheckMemoryBudget("t4g.micro"));
        Assert.Contains("t4g.small", tooSmall.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => RedpandaInstance.CheckMemoryBudget("m7g.large"));

        // The budget is about the memory the user data actually gives Redpanda.
        var userData = TemplateJson.UserData(app.Resources(StackKind.Kafka, "AWS::EC2::Instance")["RedpandaInstance"]);
        Assert.Contains($"--memory {RedpandaInstance.RedpandaMemoryMiB / 1024}G", userData, StringComparison.Ordinal);
    }

    private string ExpectedResource(StackKind stack) => stack switch
    {
        StackKind.Eks => "{SpotNodegroup.Arn}",
        StackKind.Kafka => "arn:{Ref:AWS::Partition}:ec2:ap-northeast-2:{Ref:AWS::AccountId}:instance/{Ref:RedpandaInstance}",
        _ => $"arn:{{Ref:AWS::Partition}}:rds:ap-northeast-2:{{Ref:AWS::AccountId}}:db:{{Ref:{RdsStackLogicalId}}}",
    };

    private const string RdsStackLogicalId = "Database";

    /// <summary>The schedule's Input with tokens written as {Ref:X} / {X.Attr}, parsed.</summary>
    private static JsonObject Input(JsonObject props) => JsonNode.Parse(Token(props["Target"]!["Input"]))!.AsObject();

    private static string Token(JsonNode? node) => node switch
    {
        JsonValue v => (string)v!,
        JsonObject o when o["Ref"] is { } r => $"{{Ref:{(string)r!}}}",
        JsonObject o when o["Fn::GetAtt"] is JsonArray a => $"{{{(string)a[0]!}.{(string)a[1]!}}}",
        JsonObject o when o["Fn::Join"] is JsonArray j => string.Join((string)j[0]!, j[1]!.AsArray().Select(Token)),
        _ => throw new InvalidOperationException($"unexpected token {node?.ToJsonString()}"),
    };

    private sealed class ScheduleComparer : IEqualityComparer<SleepSchedule?>
    {
        public bool Equals(SleepSchedule? x, SleepSchedule? y) => x?.ToJson() == y?.ToJson();
        public int GetHashCode(SleepSchedule? obj) => obj?.ToJson().GetHashCode() ?? 0;
    }
}
