using System.Text.Json.Nodes;
using Exchange.Fakes.Core;
using Exchange.Fakes.State;

namespace Exchange.Fakes.Aws;

/// <summary>`aws cloudformation describe-stacks|describe-stack-events|list-exports` over the stacks `cdk deploy` recorded.</summary>
internal static class CloudFormation
{
    public static IEnumerable<AwsOperation> Operations =>
    [
        new("cloudformation", "describe-stacks", ["--stack-name", "--next-token"], [], DescribeStacks),
        new("cloudformation", "describe-stack-events", ["--stack-name", "--next-token"], ["--stack-name"], DescribeStackEvents),
        new("cloudformation", "list-exports", ["--next-token"], [], ListExports),
    ];

    private static AwsResponse DescribeStacks(AwsCall call)
    {
        var name = call.Opt("--stack-name");
        if (name is null)
            return AwsResponse.Ok(new JsonObject { ["Stacks"] = Json.Array(call.State.Stacks.Values.Select(Describe)) });
        var stack = Find(call, name);
        return stack is null
            ? call.ServiceError("ValidationError", $"Stack with id {name} does not exist")
            : AwsResponse.Ok(new JsonObject { ["Stacks"] = new JsonArray(Describe(stack)) });
    }

    private static AwsResponse DescribeStackEvents(AwsCall call)
    {
        var name = call.Req("--stack-name");
        var stack = Find(call, name);
        if (stack is null)
            return call.ServiceError("ValidationError", $"Stack [{name}] does not exist");
        var events = stack.Events.OrderByDescending(e => e.Timestamp).Select(e => new JsonObject
        {
            ["StackId"] = stack.StackId,
            ["EventId"] = e.EventId,
            ["StackName"] = stack.StackName,
            ["LogicalResourceId"] = e.LogicalResourceId,
            ["PhysicalResourceId"] = e.PhysicalResourceId,
            ["ResourceType"] = e.ResourceType,
            ["Timestamp"] = Json.AwsTime(e.Timestamp),
            ["ResourceStatus"] = e.ResourceStatus,
            ["ResourceStatusReason"] = e.ResourceStatusReason,
        });
        return AwsResponse.Ok(new JsonObject { ["StackEvents"] = Json.Array(events.Select(Json.WithoutNulls)) });
    }

    private static AwsResponse ListExports(AwsCall call) => AwsResponse.Ok(new JsonObject
    {
        ["Exports"] = Json.Array(call.State.Stacks.Values.SelectMany(s => s.Outputs
            .Where(o => o.ExportName is not null)
            .Select(o => new JsonObject { ["ExportingStackId"] = s.StackId, ["Name"] = o.ExportName, ["Value"] = o.OutputValue }))),
    });

    /// <summary>By name or by stack ARN, as the API accepts either.</summary>
    private static StackState? Find(AwsCall call, string nameOrId) =>
        call.State.Stacks.GetValueOrDefault(nameOrId) ?? call.State.Stacks.Values.FirstOrDefault(s => s.StackId == nameOrId);

    private static JsonObject Describe(StackState stack)
    {
        var json = new JsonObject
        {
            ["StackId"] = stack.StackId,
            ["StackName"] = stack.StackName,
            ["CreationTime"] = Json.AwsTime(stack.CreationTime),
            ["LastUpdatedTime"] = stack.LastUpdatedTime is { } updated ? Json.AwsTime(updated) : null,
            ["RollbackConfiguration"] = new JsonObject(),
            ["StackStatus"] = stack.Status,
            ["DisableRollback"] = false,
            ["NotificationARNs"] = new JsonArray(),
            ["Capabilities"] = Json.Strings(["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]),
            ["Outputs"] = Json.Array(stack.Outputs.Select(o => Json.WithoutNulls(new JsonObject
            {
                ["OutputKey"] = o.OutputKey,
                ["OutputValue"] = o.OutputValue,
                ["Description"] = o.Description,
                ["ExportName"] = o.ExportName,
            }))),
            ["Tags"] = new JsonArray(),
            ["EnableTerminationProtection"] = false,
            ["DriftInformation"] = new JsonObject { ["StackDriftStatus"] = "NOT_CHECKED" },
        };
        return Json.WithoutNulls(json);
    }
}
