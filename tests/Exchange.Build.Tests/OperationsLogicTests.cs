using System.Text.Json;
using Exchange.Build.Pipeline;
using Exchange.Build.Pipeline.Tasks;
using Exchange.Build.Processes;

namespace Exchange.Build.Tests;

/// <summary>Day-2 decisions that the fakes cannot put AWS into (transitional states), with a scripted AWS.</summary>
public class OperationsLogicTests
{
    private static ProcessResult Ok(object json) => new(0, JsonSerializer.Serialize(json), "", TimeSpan.Zero);
    private static ProcessResult Missing(string message) => new(254, "", $"An error occurred ({message})", TimeSpan.Zero);

    private static object Stack(string name, params (string Key, string Value)[] outputs) => new
    {
        Stacks = new[] { new { StackName = name, StackStatus = "CREATE_COMPLETE",
            Outputs = outputs.Select(o => new { OutputKey = o.Key, OutputValue = o.Value }) } },
    };

    [Fact]
    public void A_secret_pending_deletion_is_not_force_deleted_while_its_database_exists()
    {
        var runner = new RecordingRunner(c => c.Values.ToArray() switch
        {
            [_, "describe-secret", ..] => Ok(new { Name = "exchange-dev-db-credentials", DeletedDate = "2026-11-20T10:00:00Z" }),
            [_, "describe-stacks", _, "Exchange-dev-Rds", ..] => Ok(Stack("Exchange-dev-Rds")),
            _ => Ok(new { }),
        });
        var b = Contexts.Build(runner, new() { ["account"] = "111122223333" });

        var error = Assert.Throws<InvalidOperationException>(() => DeployInfra.ClearSecretRecoveryWindow(b));

        Assert.Contains("aws secretsmanager restore-secret --secret-id exchange-dev-db-credentials", error.Message);
        Assert.DoesNotContain(runner.Calls, c => c.Command.Values.Contains("delete-secret"));
    }

    [Fact]
    public void A_secret_left_pending_deletion_by_a_destroy_is_deleted_for_good_so_the_stack_can_recreate_it()
    {
        var runner = new RecordingRunner(c => c.Values.ToArray() switch
        {
            [_, "describe-secret", ..] => Ok(new { Name = "exchange-dev-db-credentials", DeletedDate = "2026-11-20T10:00:00Z" }),
            [_, "describe-stacks", ..] => Missing("ValidationError) when calling the DescribeStacks operation: Stack with id Exchange-dev-Rds does not exist"),
            _ => Ok(new { }),
        });
        var b = Contexts.Build(runner, new() { ["account"] = "111122223333" });

        DeployInfra.ClearSecretRecoveryWindow(b);

        Assert.Contains(runner.Calls, c => c.Command.Values.SequenceEqual(
            ["secretsmanager", "delete-secret", "--secret-id", "exchange-dev-db-credentials", "--force-delete-without-recovery",
             "--region", "ap-northeast-2", "--output", "json"]));
    }

    [Fact]
    public void Pause_waits_for_a_database_that_is_starting_and_then_stops_it()
    {
        var databaseStatuses = new Queue<string>(["starting", "starting", "available"]);
        var stopped = false;
        var runner = new RecordingRunner(c => c.Values.ToArray() switch
        {
            [_, "describe-stacks", _, var stack, ..] => Ok(stack.EndsWith("-Kafka", StringComparison.Ordinal)
                ? Stack(stack, ("KafkaInstanceId", "i-1")) : Stack(stack)),
            [_, "describe-nodegroup", ..] => Ok(new { nodegroup = new { scalingConfig = new { minSize = 0, maxSize = 4, desiredSize = 0 } } }),
            [_, "describe-instances", ..] => Ok(new { Reservations = new[] { new { Instances = new[] { new { State = new { Name = "stopped" } } } } } }),
            [_, "describe-db-instances", ..] => Ok(new
            {
                DBInstances = new[] { new { DBInstanceStatus = stopped ? "stopped" : databaseStatuses.Count > 1 ? databaseStatuses.Dequeue()
                    : databaseStatuses.Peek() } },
            }),
            [_, "stop-db-instance", ..] => Stop(),
            _ => Ok(new { }),
        });
        ProcessResult Stop() { stopped = true; return Ok(new { DBInstance = new { DBInstanceStatus = "stopping" } }); }
        using var dir = new TempDir();
        var b = Contexts.Build(runner, new() { ["account"] = "111122223333", ["wait-timeout"] = "5s", ["artifacts"] = dir.Path }, tasks: TaskNames.Pause);

        PauseResume.Pause(b);

        var calls = runner.Calls.Select(c => string.Join(' ', c.Command.Values)).ToList();
        Assert.Single(calls, c => c.StartsWith("rds stop-db-instance", StringComparison.Ordinal));
        Assert.DoesNotContain(calls, c => c.StartsWith("eks update-nodegroup-config", StringComparison.Ordinal)
            || c.StartsWith("ec2 stop-instances", StringComparison.Ordinal));
        Assert.Equal(StepOutcome.Changed, b.Report.Results.Single(r => r.Task == TaskNames.Pause).Outcome);
    }

    [Fact]
    public void Pause_fails_when_the_database_never_becomes_stoppable()
    {
        var runner = new RecordingRunner(c => c.Values.ToArray() switch
        {
            [_, "describe-stacks", _, var stack, ..] => Ok(Stack(stack)),
            [_, "describe-nodegroup", ..] => Ok(new { nodegroup = new { scalingConfig = new { minSize = 0, maxSize = 4, desiredSize = 0 } } }),
            [_, "describe-db-instances", ..] => Ok(new { DBInstances = new[] { new { DBInstanceStatus = "modifying" } } }),
            _ => Ok(new { }),
        });
        using var dir = new TempDir();
        var b = Contexts.Build(runner, new() { ["account"] = "111122223333", ["wait-timeout"] = "1s", ["artifacts"] = dir.Path }, tasks: TaskNames.Pause);

        var error = Assert.Throws<InvalidOperationException>(() => PauseResume.Pause(b));

        Assert.Contains("stayed 'modifying' and could not be stopped", error.Message);
        Assert.Contains("It is still billing", error.Message);
    }
}
