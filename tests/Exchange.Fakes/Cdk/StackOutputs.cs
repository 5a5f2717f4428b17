using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Exchange.Fakes.Aws;
using Exchange.Fakes.Core;
using Exchange.Fakes.State;

namespace Exchange.Fakes.Cdk;

/// <summary>
/// The values a deployed stack's Outputs take. Intrinsics are evaluated against the fake resources;
/// ECR URIs point at FAKE_ECR_REGISTRY; what cannot be evaluated falls back to a stable value by key.
/// </summary>
internal static partial class StackOutputs
{
    public static List<StackOutputState> Resolve(StackContext stack, Func<string, string?> imports)
    {
        var outputs = new List<StackOutputState>();
        foreach (var (key, node) in stack.Template["Outputs"] as JsonObject ?? [])
        {
            if (Json.Str(node, "Condition") is { } condition && Intrinsics.TryResolve(stack, new JsonObject { ["Condition"] = condition }, imports) == "false")
                continue;
            var value = node?["Value"] is { } expression ? Intrinsics.TryResolve(stack, expression, imports) : null;
            value = ToRegistry(value ?? Fallback(stack, key, node?["Value"]));
            var export = node?["Export"]?["Name"] is { } name ? Intrinsics.TryResolve(stack, name, imports) : null;
            outputs.Add(new StackOutputState(key, value, Json.Str(node, "Description"), export));
        }
        return outputs;
    }

    /// <summary>An ECR repository URI (account.dkr.ecr.region.amazonaws.com/name) rewritten to the local registry.</summary>
    private static string ToRegistry(string value)
    {
        var match = EcrUri().Match(value);
        return match.Success && FakeEnv.Get(FakeEnv.EcrRegistry) is not null ? Ecr.RepositoryUri(match.Groups[2].Value, match.Groups[1].Value) : value;
    }

    private static string Fallback(StackContext stack, string key, JsonNode? expression)
    {
        string Referenced(string type, string attribute, string otherwise) =>
            References(expression).FirstOrDefault(id => stack.Type(id) == type) is { } id ? Resources.Attribute(stack, id, attribute) : otherwise;
        string? Cluster() => stack.Resources.Select(r => r.Key).FirstOrDefault(id => stack.Type(id) == "AWS::EKS::Cluster");

        if (key.EndsWith("RepoUri"))
            return Referenced("AWS::ECR::Repository", "RepositoryUri",
                Ecr.RepositoryUri("exchange/" + key[..^"RepoUri".Length].ToLowerInvariant(), stack.Region));
        return key switch
        {
            _ when key.EndsWith("RdsEndpoint") => $"exchange-dev-mysql.abc123.{stack.Region}.rds.amazonaws.com",
            _ when key.EndsWith("RedisEndpoint") => $"exchange-dev-redis.abc123.0001.{stack.ShortRegion}.cache.amazonaws.com",
            _ when key.EndsWith("Port") => key.Contains("Redis") ? "6379" : "3306",
            _ when key.EndsWith("PrivateIp") => Resources.PrivateIp,
            _ when key.EndsWith("InstanceId") => "i-0" + stack.Hex(16, key),
            "ClusterName" => Cluster() is { } c ? Resources.PhysicalId(stack, c) : "exchange-dev",
            "ClusterArn" => Resources.ClusterArn(stack, Cluster() is { } c ? Resources.PhysicalId(stack, c) : "exchange-dev"),
            "ClusterEndpoint" => Resources.ClusterEndpoint(stack, Cluster() is { } c ? Resources.PhysicalId(stack, c) : "exchange-dev"),
            _ when key.EndsWith("SecurityGroupId") => "sg-0" + stack.Hex(16, key),
            _ when key.EndsWith("VpcId") => "vpc-0" + stack.Hex(16, key),
            _ => $"{key}-{stack.Hex(10, key)}",
        };
    }

    /// <summary>Logical ids an expression refers to (Ref and Fn::GetAtt).</summary>
    private static IEnumerable<string> References(JsonNode? node) => node switch
    {
        JsonObject o when o.Count == 1 && o.First().Key == "Ref" => [o.First().Value?.ToString() ?? ""],
        JsonObject o when o.Count == 1 && o.First().Key == "Fn::GetAtt" =>
            [o.First().Value is JsonArray a ? a[0]?.ToString() ?? "" : o.First().Value?.ToString().Split('.')[0] ?? ""],
        JsonObject o => o.SelectMany(p => References(p.Value)),
        JsonArray a => a.SelectMany(References),
        _ => [],
    };

    [GeneratedRegex(@"^\d{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/(.+)$")]
    private static partial Regex EcrUri();
}
