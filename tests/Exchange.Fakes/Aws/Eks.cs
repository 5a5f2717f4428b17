using System.Text.Json.Nodes;
using Exchange.Fakes.Core;
using Exchange.Fakes.State;

namespace Exchange.Fakes.Aws;

/// <summary>`aws eks ...` over the cluster and node group the Eks stack's template declares.</summary>
internal static class Eks
{
    private static readonly string[] NodegroupOptions = ["--cluster-name", "--nodegroup-name"];

    public static IEnumerable<AwsOperation> Operations =>
    [
        new("eks", "update-kubeconfig", ["--name", "--alias", "--user-alias", "--kubeconfig", "--role-arn", "--dry-run", "--verbose"],
            ["--name"], c => WithCluster(c, c.Req("--name"), "DescribeCluster", cluster => UpdateKubeconfig.Run(c, cluster))),
        new("eks", "get-token", ["--cluster-name", "--cluster-id", "--role-arn"], ["--cluster-name"], UpdateKubeconfig.GetToken),
        new("eks", "describe-cluster", ["--name"], ["--name"], c => WithCluster(c, c.Req("--name"), null, DescribeCluster)),
        new("eks", "list-clusters", [], [], c => AwsResponse.Ok(new JsonObject { ["clusters"] = Json.Strings(c.State.Clusters.Keys) })),
        new("eks", "list-nodegroups", ["--cluster-name"], ["--cluster-name"], ListNodegroups),
        new("eks", "describe-nodegroup", NodegroupOptions, NodegroupOptions, c => WithNodegroup(c, DescribeNodegroup)),
        new("eks", "update-nodegroup-config", [.. NodegroupOptions, "--scaling-config", "--labels", "--taints", "--update-config", "--client-request-token"],
            NodegroupOptions, c => WithNodegroup(c, UpdateNodegroupConfig)),
        new("eks", "wait nodegroup-active", NodegroupOptions, NodegroupOptions, c => WithNodegroup(c, _ => AwsResponse.Empty()), "NodegroupActive"),
    ];

    private static AwsResponse DescribeCluster(ClusterState cluster) => AwsResponse.Ok(new JsonObject
    {
        ["cluster"] = new JsonObject
        {
            ["name"] = cluster.Name,
            ["arn"] = cluster.Arn,
            ["createdAt"] = Json.AwsTime(cluster.CreatedAt),
            ["version"] = cluster.Version,
            ["endpoint"] = cluster.Endpoint,
            ["resourcesVpcConfig"] = new JsonObject
            {
                ["clusterSecurityGroupId"] = cluster.ClusterSecurityGroupId,
                ["endpointPublicAccess"] = true,
                ["endpointPrivateAccess"] = true,
            },
            ["kubernetesNetworkConfig"] = new JsonObject { ["serviceIpv4Cidr"] = "172.20.0.0/16", ["ipFamily"] = "ipv4" },
            ["status"] = "ACTIVE",
            ["platformVersion"] = "eks.5",
            ["upgradePolicy"] = new JsonObject { ["supportType"] = "STANDARD" },
        },
    });

    private static AwsResponse ListNodegroups(AwsCall call) =>
        WithCluster(call, call.Req("--cluster-name"), null, cluster => AwsResponse.Ok(new JsonObject
        {
            ["nodegroups"] = Json.Strings(call.State.Nodegroups.Values.Where(n => n.ClusterName == cluster.Name).Select(n => n.NodegroupName)),
        }));

    private static AwsResponse DescribeNodegroup(NodegroupState nodegroup) => AwsResponse.Ok(new JsonObject
    {
        ["nodegroup"] = new JsonObject
        {
            ["nodegroupName"] = nodegroup.NodegroupName,
            ["clusterName"] = nodegroup.ClusterName,
            ["status"] = "ACTIVE",
            ["capacityType"] = nodegroup.CapacityType,
            ["scalingConfig"] = Scaling(nodegroup),
            ["instanceTypes"] = Json.Strings(nodegroup.InstanceTypes),
            ["amiType"] = "AL2023_x86_64_STANDARD",
            ["health"] = new JsonObject { ["issues"] = new JsonArray() },
            ["updateConfig"] = new JsonObject { ["maxUnavailable"] = 1 },
        },
    });

    /// <summary>Validates like EKS (min &lt;= desired &lt;= max, max &gt;= 1); FAKE_NODEGROUP_IGNORES_SCALING accepts without changing.</summary>
    private static AwsResponse UpdateNodegroupConfig(AwsCall call, NodegroupState nodegroup)
    {
        var wanted = ParseScaling(call.Opt("--scaling-config") ?? "");
        var min = wanted.GetValueOrDefault("minSize", nodegroup.MinSize);
        var max = wanted.GetValueOrDefault("maxSize", nodegroup.MaxSize);
        var desired = wanted.GetValueOrDefault("desiredSize", nodegroup.DesiredSize);
        if (max < 1)
            return call.ServiceError("InvalidParameterException", "Maximum capacity 0 can't be less than 1");
        if (min > desired)
            return call.ServiceError("InvalidParameterException", $"Minimum capacity {min} can't be greater than desired size {desired}");
        if (desired > max)
            return call.ServiceError("InvalidParameterException", $"Desired capacity {desired} can't be greater than max size {max}");
        if (!FakeEnv.IsOn(FakeEnv.NodegroupIgnoresScaling))
            (nodegroup.MinSize, nodegroup.MaxSize, nodegroup.DesiredSize) = (min, max, desired);
        nodegroup.UpdateCount++;
        var parameters = wanted.Select(kv => new JsonObject
        {
            ["type"] = char.ToUpperInvariant(kv.Key[0]) + kv.Key[1..],
            ["value"] = kv.Value.ToString(),
        });
        return AwsResponse.Ok(new JsonObject
        {
            ["update"] = new JsonObject
            {
                ["id"] = new Guid(Convert.FromHexString(Json.StableHex(32, nodegroup.NodegroupName, nodegroup.UpdateCount.ToString()))).ToString(),
                ["status"] = "InProgress",
                ["type"] = "ConfigUpdate",
                ["params"] = Json.Array(parameters),
                ["createdAt"] = Json.AwsTime(DateTimeOffset.UtcNow),
                ["errors"] = new JsonArray(),
            },
        });
    }

    private static JsonObject Scaling(NodegroupState n) =>
        new() { ["minSize"] = n.MinSize, ["maxSize"] = n.MaxSize, ["desiredSize"] = n.DesiredSize };

    /// <summary>Shorthand `minSize=0,maxSize=4,desiredSize=0` or JSON.</summary>
    private static Dictionary<string, int> ParseScaling(string text)
    {
        if (text.TrimStart().StartsWith('{') && JsonNode.Parse(text) is JsonObject json)
            return json.ToDictionary(p => p.Key, p => p.Value!.GetValue<int>());
        return text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0].Trim(), p => int.Parse(p[1].Trim()));
    }

    private static AwsResponse WithCluster(AwsCall call, string name, string? apiName, Func<ClusterState, AwsResponse> action)
    {
        if (call.State.Clusters.TryGetValue(name, out var cluster))
            return action(cluster);
        var error = call.ServiceError("ResourceNotFoundException", $"No cluster found for name: {name}.");
        // update-kubeconfig reports the DescribeCluster call it makes
        return apiName is null ? error : AwsResponse.Failure(AwsCall.ServiceErrorExit,
            $"\nAn error occurred (ResourceNotFoundException) when calling the {apiName} operation: No cluster found for name: {name}.\n");
    }

    private static AwsResponse WithNodegroup(AwsCall call, Func<NodegroupState, AwsResponse> action) =>
        WithNodegroup(call, (_, n) => action(n));

    private static AwsResponse WithNodegroup(AwsCall call, Func<AwsCall, NodegroupState, AwsResponse> action)
    {
        var clusterName = call.Req("--cluster-name");
        var name = call.Req("--nodegroup-name");
        return WithCluster(call, clusterName, null, _ => call.State.Nodegroups.TryGetValue($"{clusterName}/{name}", out var nodegroup)
            ? action(call, nodegroup)
            : call.ServiceError("ResourceNotFoundException", $"No node group found for name: {name}."));
    }
}
