using System.Text.Json.Nodes;
using Exchange.Fakes.State;

namespace Exchange.Fakes.Aws;

/// <summary>
/// `aws scheduler ...` (EventBridge Scheduler) over the schedules the stacks declare and the ones the pipeline
/// creates. Create and update take --cli-input-json and check the API's required members; update replaces the
/// whole definition, as the real UpdateSchedule does.
/// </summary>
internal static class Scheduler
{
    private static readonly string[] Required = ["FlexibleTimeWindow", "Name", "ScheduleExpression", "Target"];
    private static readonly string[] Members =
    [
        "ActionAfterCompletion", "ClientToken", "Description", "EndDate", "FlexibleTimeWindow", "GroupName", "KmsKeyArn", "Name",
        "ScheduleExpression", "ScheduleExpressionTimezone", "StartDate", "State", "Target",
    ];

    public static IEnumerable<AwsOperation> Operations =>
    [
        new("scheduler", "get-schedule", ["--name", "--group-name"], ["--name"], Get),
        new("scheduler", "list-schedules", ["--name-prefix", "--group-name", "--state", "--max-results", "--next-token"], [], List),
        new("scheduler", "create-schedule", ["--cli-input-json"], ["--cli-input-json"], c => Put(c, create: true)),
        new("scheduler", "update-schedule", ["--cli-input-json"], ["--cli-input-json"], c => Put(c, create: false)),
        new("scheduler", "delete-schedule", ["--name", "--group-name"], ["--name"], Delete),
    ];

    public static string Arn(string region, string account, string name) => $"arn:aws:scheduler:{region}:{account}:schedule/default/{name}";

    private static AwsResponse Get(AwsCall call) => call.State.Schedules.TryGetValue(call.Req("--name"), out var s)
        ? AwsResponse.Ok(Json(s, call))
        : call.ServiceError("ResourceNotFoundException", $"Schedule {call.Req("--name")} does not exist.");

    private static AwsResponse List(AwsCall call)
    {
        var prefix = call.Opt("--name-prefix") ?? "";
        var found = call.State.Schedules.Values.Where(s => s.Name.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(s => s.Name, StringComparer.Ordinal)
            .Select(s => (JsonNode)new JsonObject
            {
                ["Arn"] = Arn(call.Region, call.Account, s.Name), ["GroupName"] = "default", ["Name"] = s.Name, ["State"] = s.State,
                ["Target"] = new JsonObject { ["Arn"] = (string?)JsonNode.Parse(s.Target)!["Arn"] },
            });
        return AwsResponse.Ok(new JsonObject { ["Schedules"] = new JsonArray(found.ToArray()) });
    }

    private static AwsResponse Put(AwsCall call, bool create)
    {
        JsonObject input;
        try { input = JsonNode.Parse(call.Req("--cli-input-json"))!.AsObject(); }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            return AwsResponse.Failure(AwsCall.OtherErrorExit, $"\nError parsing parameter 'cli-input-json': Invalid JSON: {e.Message}\n");
        }
        if (input.Select(p => p.Key).FirstOrDefault(k => !Members.Contains(k)) is { } unknown)
            return AwsResponse.Failure(AwsCall.OtherErrorExit, $"\nParameter validation failed:\nUnknown parameter in input: \"{unknown}\", must be one of: {string.Join(", ", Members)}\n");
        if (Required.FirstOrDefault(r => input[r] is null) is { } missing)
            return AwsResponse.Failure(AwsCall.OtherErrorExit, $"\nParameter validation failed:\nMissing required parameter in input: \"{missing}\"\n");
        var name = (string)input["Name"]!;
        var exists = call.State.Schedules.ContainsKey(name);
        if (create && exists) return call.ServiceError("ConflictException", $"Schedule {name} already exists.");
        if (!create && !exists) return call.ServiceError("ResourceNotFoundException", $"Schedule {name} does not exist.");
        call.State.Schedules[name] = FromDefinition(input, call.State.Schedules.GetValueOrDefault(name)?.StackName);
        return AwsResponse.Ok(new JsonObject { ["ScheduleArn"] = Arn(call.Region, call.Account, name) });
    }

    private static AwsResponse Delete(AwsCall call) => call.State.Schedules.Remove(call.Req("--name"))
        ? AwsResponse.Ok(new JsonObject())
        : call.ServiceError("ResourceNotFoundException", $"Schedule {call.Req("--name")} does not exist.");

    /// <summary>A schedule from an API request or a template's properties (intrinsics already resolved).</summary>
    public static ScheduleState FromDefinition(JsonObject d, string? stackName) => new()
    {
        Name = (string)d["Name"]!,
        StackName = stackName,
        Expression = (string?)d["ScheduleExpression"] ?? "",
        Timezone = (string?)d["ScheduleExpressionTimezone"],
        State = (string?)d["State"] ?? "ENABLED",
        StartDate = (string?)d["StartDate"],
        Description = (string?)d["Description"],
        ActionAfterCompletion = (string?)d["ActionAfterCompletion"],
        FlexibleTimeWindowMode = (string?)d["FlexibleTimeWindow"]?["Mode"] ?? "OFF",
        Target = d["Target"]!.ToJsonString(),
    };

    private static JsonObject Json(ScheduleState s, AwsCall call)
    {
        var json = new JsonObject
        {
            ["Arn"] = Arn(call.Region, call.Account, s.Name),
            ["CreationDate"] = "2026-11-30T10:00:00+09:00",
            ["FlexibleTimeWindow"] = new JsonObject { ["Mode"] = s.FlexibleTimeWindowMode },
            ["GroupName"] = "default",
            ["LastModificationDate"] = "2026-11-30T10:00:00+09:00",
            ["Name"] = s.Name,
            ["ScheduleExpression"] = s.Expression,
            ["State"] = s.State,
            ["Target"] = JsonNode.Parse(s.Target),
        };
        if (s.Timezone is not null) json["ScheduleExpressionTimezone"] = s.Timezone;
        if (s.StartDate is not null) json["StartDate"] = s.StartDate;
        if (s.Description is not null) json["Description"] = s.Description;
        if (s.ActionAfterCompletion is not null) json["ActionAfterCompletion"] = s.ActionAfterCompletion;
        return json;
    }
}
