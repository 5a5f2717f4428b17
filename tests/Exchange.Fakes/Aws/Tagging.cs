using System.Text.Json.Nodes;
using Exchange.Fakes.Core;

namespace Exchange.Fakes.Aws;

/// <summary>
/// `aws resourcegroupstaggingapi get-resources` over tagged leftovers (FAKE_LEFTOVER_LOAD_BALANCERS), and
/// `aws elbv2 delete-load-balancer` to clean them up.
/// </summary>
internal static class Tagging
{
    public static IEnumerable<AwsOperation> Operations =>
    [
        new("resourcegroupstaggingapi", "get-resources", ["--tag-filters", "--resource-type-filters", "--resources-per-page", "--pagination-token"],
            [], GetResources),
        new("elbv2", "delete-load-balancer", ["--load-balancer-arn"], ["--load-balancer-arn"], DeleteLoadBalancer),
    ];

    private static AwsResponse GetResources(AwsCall call)
    {
        var filters = call.Args.GetAll("--tag-filters").Select(ParseFilter).ToList();
        var types = call.List("--resource-type-filters");
        var matches = call.State.TaggedResources
            .Where(r => types.Count == 0 || types.Any(t => OfType(r.Key, t)))
            .Where(r => filters.All(f => r.Value.TryGetValue(f.Key, out var v) && (f.Values.Count == 0 || f.Values.Contains(v))))
            .Select(r => new JsonObject
            {
                ["ResourceARN"] = r.Key,
                ["Tags"] = Json.Array(r.Value.Select(t => new JsonObject { ["Key"] = t.Key, ["Value"] = t.Value })),
            });
        return AwsResponse.Ok(new JsonObject { ["ResourceTagMappingList"] = Json.Array(matches) });
    }

    private static AwsResponse DeleteLoadBalancer(AwsCall call)
    {
        // Deleting an absent load balancer succeeds in ELBv2 too.
        call.State.TaggedResources.Remove(call.Req("--load-balancer-arn"));
        return AwsResponse.Empty();
    }

    /// <summary>"elasticloadbalancing:loadbalancer" matches arn:aws:elasticloadbalancing:R:A:loadbalancer/...</summary>
    private static bool OfType(string arn, string type)
    {
        var parts = arn.Split(':', 6);
        var wanted = type.Split(':', 2);
        return parts.Length == 6 && parts[2] == wanted[0] && (wanted.Length == 1 || parts[5].StartsWith(wanted[1], StringComparison.Ordinal));
    }

    /// <summary>Shorthand `Key=K,Values=V1,V2` or JSON `{"Key":"K","Values":["V"]}`.</summary>
    private static (string Key, List<string> Values) ParseFilter(string text)
    {
        if (text.TrimStart().StartsWith('{') && JsonNode.Parse(text) is JsonObject json)
            return (Json.Str(json, "Key") ?? "", (json["Values"] as JsonArray ?? []).Select(v => v!.GetValue<string>()).ToList());
        var valuesAt = text.IndexOf(",Values=", StringComparison.Ordinal);
        var key = (valuesAt < 0 ? text : text[..valuesAt]).Replace("Key=", "");
        var values = valuesAt < 0 ? [] : text[(valuesAt + ",Values=".Length)..].Split(',').ToList();
        return (key, values);
    }
}
