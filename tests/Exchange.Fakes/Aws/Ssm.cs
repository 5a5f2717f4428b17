using System.Text.Json.Nodes;
using Exchange.Fakes.Core;
using Exchange.Fakes.State;

namespace Exchange.Fakes.Aws;

/// <summary>
/// `aws ssm send-command|get-command-invocation` against the Redpanda host: the commands "run" at once and
/// answer what rpk would print for the six shard topics.
/// </summary>
internal static class Ssm
{
    private const int Shards = 3;

    public static IEnumerable<AwsOperation> Operations =>
    [
        new("ssm", "send-command", ["--instance-ids", "--targets", "--document-name", "--parameters", "--comment", "--timeout-seconds",
            "--output-s3-bucket-name", "--cloud-watch-output-config"], ["--document-name"], SendCommand),
        new("ssm", "get-command-invocation", ["--command-id", "--instance-id", "--plugin-name"], ["--command-id", "--instance-id"], GetInvocation),
    ];

    private static AwsResponse SendCommand(AwsCall call)
    {
        var ids = call.List("--instance-ids");
        var notRunning = ids.Where(id => call.State.Instances.GetValueOrDefault(id)?.State != "running").ToList();
        if (ids.Count == 0 || notRunning.Count > 0)
            return call.ServiceError("InvalidInstanceId",
                $"Instances [[{string.Join(", ", notRunning)}]] not in a valid state for account {call.Account}");
        var commandId = Guid.NewGuid().ToString();
        var command = new SsmCommandState(commandId, ids.ToList(), call.Req("--document-name"), Commands(call.Opt("--parameters") ?? ""),
            DateTimeOffset.UtcNow);
        call.State.SsmCommands[commandId] = command;
        return AwsResponse.Ok(new JsonObject
        {
            ["Command"] = new JsonObject
            {
                ["CommandId"] = commandId,
                ["DocumentName"] = command.DocumentName,
                ["RequestedDateTime"] = Json.AwsTime(command.RequestedAt),
                ["InstanceIds"] = Json.Strings(ids),
                ["Parameters"] = new JsonObject { ["commands"] = Json.Strings(command.Commands) },
                ["Status"] = "Pending",
                ["TargetCount"] = ids.Count,
            },
        });
    }

    private static AwsResponse GetInvocation(AwsCall call)
    {
        var instanceId = call.Req("--instance-id");
        if (!call.State.SsmCommands.TryGetValue(call.Req("--command-id"), out var command) || !command.InstanceIds.Contains(instanceId))
            return call.ServiceError("InvocationDoesNotExist", "");
        return AwsResponse.Ok(new JsonObject
        {
            ["CommandId"] = command.CommandId,
            ["InstanceId"] = instanceId,
            ["DocumentName"] = command.DocumentName,
            ["PluginName"] = "aws:runShellScript",
            ["ResponseCode"] = 0,
            ["ExecutionStartDateTime"] = Json.AwsTime(command.RequestedAt),
            ["ExecutionEndDateTime"] = Json.AwsTime(command.RequestedAt.AddSeconds(1)),
            ["Status"] = "Success",
            ["StatusDetails"] = "Success",
            ["StandardOutputContent"] = Output(command.Commands),
            ["StandardErrorContent"] = "",
        });
    }

    private static string Output(IEnumerable<string> commands)
    {
        var topics = Enumerable.Range(1, Shards)
            .SelectMany(n => new[] { $"matching-engine-shard-{n}-input", $"matching-engine-shard-{n}-output" }).ToList();
        var creates = commands.Any(c => c.Contains("rpk topic create"));
        IReadOnlyList<string>[] rows = creates
            ? [["TOPIC", "STATUS"], .. topics.Select(t => new[] { t, "OK" })]
            : [["NAME", "PARTITIONS", "REPLICAS"], .. topics.Select(t => new[] { t, "3", "1" })];
        return TextTable.Format(rows, 2);
    }

    /// <summary>`commands=["a","b"]` / `commands=a` shorthand or JSON `{"commands":[...]}`.</summary>
    private static List<string> Commands(string parameters)
    {
        var text = parameters.Trim();
        if (text.StartsWith('{') && JsonNode.Parse(text)?["commands"] is JsonArray array)
            return array.Select(c => c!.GetValue<string>()).ToList();
        var value = text.StartsWith("commands=") ? text["commands=".Length..] : text;
        return value.StartsWith('[') && JsonNode.Parse(value) is JsonArray list
            ? list.Select(c => c!.GetValue<string>()).ToList()
            : [value];
    }
}
