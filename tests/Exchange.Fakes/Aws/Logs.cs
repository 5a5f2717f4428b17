using System.Text.Json.Nodes;

namespace Exchange.Fakes.Aws;

/// <summary>`aws logs describe-log-groups|delete-log-group`: EKS control-plane log groups outlive the cluster, as in AWS.</summary>
internal static class Logs
{
    public static IEnumerable<AwsOperation> Operations =>
    [
        new("logs", "describe-log-groups", ["--log-group-name-prefix", "--log-group-name-pattern", "--limit", "--next-token"], [], Describe),
        new("logs", "delete-log-group", ["--log-group-name"], ["--log-group-name"], Delete),
    ];

    private static AwsResponse Describe(AwsCall call)
    {
        var prefix = call.Opt("--log-group-name-prefix") ?? "";
        var pattern = call.Opt("--log-group-name-pattern") ?? "";
        var groups = call.State.LogGroups.Values
            .Where(g => g.LogGroupName.StartsWith(prefix, StringComparison.Ordinal) && g.LogGroupName.Contains(pattern, StringComparison.Ordinal))
            .OrderBy(g => g.LogGroupName, StringComparer.Ordinal)
            .Select(g => new JsonObject
            {
                ["logGroupName"] = g.LogGroupName,
                ["creationTime"] = g.CreationTime,
                ["metricFilterCount"] = 0,
                ["arn"] = $"arn:aws:logs:{call.Region}:{call.Account}:log-group:{g.LogGroupName}:*",
                ["storedBytes"] = g.StoredBytes,
                ["logGroupClass"] = "STANDARD",
                ["logGroupArn"] = $"arn:aws:logs:{call.Region}:{call.Account}:log-group:{g.LogGroupName}",
            });
        return AwsResponse.Ok(new JsonObject { ["logGroups"] = Core.Json.Array(groups) });
    }

    private static AwsResponse Delete(AwsCall call) => call.State.LogGroups.Remove(call.Req("--log-group-name"))
        ? AwsResponse.Empty()
        : call.ServiceError("ResourceNotFoundException", "The specified log group does not exist.");
}
