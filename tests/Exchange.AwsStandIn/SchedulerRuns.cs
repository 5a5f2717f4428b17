using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Exchange.AwsStandIn;

/// <summary>How one run of a schedule ended: the target's call succeeded, or it failed every attempt with this error.</summary>
public sealed record ScheduleRun(string Schedule, int Attempts, string? ErrorCode, string? ErrorMessage, bool DeadLettered)
{
    public bool Succeeded => ErrorCode is null;
}

/// <summary>
/// EventBridge Scheduler running a schedule (tests say when; the stand-in keeps no clock): its universal target's API call
/// on the account, with the schedule's faults (a refused or throttled action), retried up to the retry policy's maximum
/// attempts, and after the last failure a dead-letter event in the queue of the target's DeadLetterConfig, with the
/// message attributes EventBridge Scheduler documents (ERROR_CODE, ERROR_MESSAGE, RETRY_ATTEMPTS, SCHEDULE_ARN, TARGET_ARN,
/// EXHAUSTED_RETRY_CONDITION, EXECUTION_ID). The universal targets the sleep schedules use are implemented; the role's
/// permissions are not evaluated.
/// </summary>
public static class SchedulerRuns
{
    /// <param name="at">when it runs (the dead-letter event's SentTimestamp); now by default</param>
    public static ScheduleRun Run(Cloud c, string name, DateTimeOffset? at = null)
    {
        var schedule = c.Schedules.GetValueOrDefault(name) ?? throw new ArgumentException($"No schedule {name} in the stand-in.", nameof(name));
        var target = schedule["Target"]!.AsObject();
        var targetArn = target["Arn"]!.GetValue<string>();
        var input = JsonNode.Parse(target["Input"]?.GetValue<string>() ?? "{}")!.AsObject();
        var attempts = 1 + (long.TryParse(target["RetryPolicy"]?["MaximumRetryAttempts"]?.ToString(), out var retries) ? retries : 185);
        var (action, protocol, call) = Target(c, targetArn, input);
        AwsError? last = null;
        var attempt = 0;
        while (attempt < attempts)
        {
            attempt++;
            try
            {
                if (c.Faults.TargetCall(action, protocol) is { } fault) throw fault;
                call();
                return new ScheduleRun(name, attempt, null, null, false);
            }
            catch (AwsError e)
            {
                last = e;
            }
        }
        var deadLetter = target["DeadLetterConfig"]?["Arn"]?.GetValue<string>();
        var queue = deadLetter is null ? null : c.Queues.Values.FirstOrDefault(q => q["Arn"]!.GetValue<string>() == deadLetter);
        if (queue is not null) queue["Messages"]!.AsArray().Add(DeadLetterEvent(schedule, target, last!, attempt - 1, at ?? DateTimeOffset.UtcNow));
        return new ScheduleRun(name, attempt, last!.Code, last.Message, queue is not null);
    }

    private static (string Action, string Protocol, Action Call) Target(Cloud c, string arn, JsonObject input)
    {
        string Text(string member) => input[member]?.GetValue<string>() ?? throw new AwsError("ValidationException", $"{member} is missing from the input");
        return arn switch
        {
            "arn:aws:scheduler:::aws-sdk:rds:stopDBInstance" => ("rds:StopDBInstance", "query",
                () => Services.DatabaseTransition(c, Text("DbInstanceIdentifier"), "rds:StopDBInstance", "available", "stopping", "stopped")),
            "arn:aws:scheduler:::aws-sdk:ec2:stopInstances" => ("ec2:StopInstances", "ec2",
                () => Services.Transition(c, input["InstanceIds"]!.AsArray().Select(i => i!.GetValue<string>()), "ec2:StopInstances", "stopping", "stopped")),
            "arn:aws:scheduler:::aws-sdk:eks:updateNodegroupConfig" => ("eks:UpdateNodegroupConfig", "rest-json", () =>
            {
                var key = $"{Text("ClusterName")}/{Text("NodegroupName")}";
                var nodegroup = c.Nodegroups.GetValueOrDefault(key)
                                ?? throw new AwsError("ResourceNotFoundException", $"No node group found for name: {Text("NodegroupName")}.");
                var scaling = input["ScalingConfig"]?.AsObject();
                Services.UpdateNodegroupScaling(c, nodegroup, scaling is null ? null
                    : new JsonObject(scaling.Select(p => KeyValuePair.Create(char.ToLowerInvariant(p.Key[0]) + p.Key[1..], p.Value?.DeepClone()))));
            }),
            _ => throw new ArgumentException($"The stand-in does not run the universal target {arn}."),
        };
    }

    private static JsonObject DeadLetterEvent(JsonObject schedule, JsonObject target, AwsError error, int retries, DateTimeOffset at)
    {
        var body = target["Input"]?.GetValue<string>() ?? "{}";
        JsonObject Attribute(string value) => new() { ["StringValue"] = value, ["DataType"] = "String" };
        return new JsonObject
        {
            ["MessageId"] = Guid.NewGuid().ToString(), ["Body"] = body,
            ["MD5OfBody"] = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(body))),
            ["SentTimestamp"] = at.ToUnixTimeMilliseconds(),
            ["MessageAttributes"] = new JsonObject
            {
                ["ERROR_CODE"] = Attribute(error.Code), ["ERROR_MESSAGE"] = Attribute(error.Message),
                ["RETRY_ATTEMPTS"] = Attribute(retries.ToString(CultureInfo.InvariantCulture)),
                ["EXHAUSTED_RETRY_CONDITION"] = Attribute("MaximumRetryAttempts"),
                ["SCHEDULE_ARN"] = Attribute(schedule["Arn"]!.GetValue<string>()), ["TARGET_ARN"] = Attribute(target["Arn"]!.GetValue<string>()),
                ["EXECUTION_ID"] = Attribute(Guid.NewGuid().ToString()),
            },
        };
    }
}
