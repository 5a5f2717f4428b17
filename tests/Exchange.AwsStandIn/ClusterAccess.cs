using System.Text.Json.Nodes;

namespace Exchange.AwsStandIn;

/// <summary>An EKS access entry (as DescribeAccessEntry answers) and its associated access policies.</summary>
public sealed class AccessEntryRecord
{
    public required JsonObject Entry { get; init; }
    public List<JsonObject> Policies { get; init; } = [];

    public AccessEntryRecord Copy() => new() { Entry = (JsonObject)Entry.DeepClone(), Policies = Policies.Select(p => (JsonObject)p.DeepClone()).ToList() };
}

/// <summary>
/// EKS access entries as EKS keeps them: one per principal and cluster (a second is refused: ResourceInUseException), for an IAM
/// role that exists, named by its real ARN with its path (EKS refuses the ARN without it), each with cluster-wide access policies.
/// CloudFormation's AWS::EKS::AccessEntry makes and removes them (<see cref="Provisioner"/>); ListAccessEntries and
/// ListAssociatedAccessPolicies read them; the cluster's API (<see cref="ClusterApi"/>) authenticates callers by them.
/// </summary>
public static class ClusterAccess
{
    public static string Key(string cluster, string principalArn) => $"{cluster}|{principalArn}";

    /// <summary>CreateAccessEntry with its access policies, as CloudFormation does it for AWS::EKS::AccessEntry.</summary>
    public static void Create(Cloud c, string cluster, string principalArn, string type, IEnumerable<(string PolicyArn, string Scope)> policies)
    {
        if (!c.Clusters.ContainsKey(cluster))
            throw new AwsError("ResourceNotFoundException", $"No cluster found for name: {cluster}.", 404);
        var parts = principalArn.Split(':', 6);
        var resource = parts.Length == 6 ? parts[5] : "";
        var valid = parts is ["arn", _, "iam", "", _, _] && (resource.StartsWith("user/", StringComparison.Ordinal) ||
                    resource.StartsWith("role/", StringComparison.Ordinal) && c.Roles.TryGetValue(resource.Split('/').Last(), out var role)
                    && role["Arn"]!.GetValue<string>() == principalArn);
        if (!valid) throw new AwsError("InvalidParameterException", "The specified principalArn is invalid: invalid principal.");
        if (c.AccessEntries.ContainsKey(Key(cluster, principalArn)))
            throw new AwsError("ResourceInUseException", "The specified access entry resource is already in use on this cluster.", 409);
        var now = Cloud.Time(DateTimeOffset.UtcNow);
        c.AccessEntries[Key(cluster, principalArn)] = new AccessEntryRecord
        {
            Entry = new JsonObject
            {
                ["clusterName"] = cluster, ["principalArn"] = principalArn, ["kubernetesGroups"] = new JsonArray(),
                ["accessEntryArn"] = $"arn:aws:eks:{c.Region}:{c.Account}:access-entry/{cluster}/{resource.Split('/')[0]}/{parts[4]}/" +
                                     $"{resource.Split('/').Last()}/{c.Hex(8, cluster, principalArn)}",
                ["createdAt"] = now, ["modifiedAt"] = now, ["tags"] = new JsonObject(), ["username"] = principalArn, ["type"] = type,
            },
        };
        Associate(c, cluster, principalArn, policies);
    }

    /// <summary>Replaces the entry's access policies (an update of the resource's AccessPolicies).</summary>
    public static void Associate(Cloud c, string cluster, string principalArn, IEnumerable<(string PolicyArn, string Scope)> policies)
    {
        var now = Cloud.Time(DateTimeOffset.UtcNow);
        c.AccessEntries[Key(cluster, principalArn)].Policies.Clear();
        c.AccessEntries[Key(cluster, principalArn)].Policies.AddRange(policies.Select(p => new JsonObject
        {
            ["policyArn"] = p.PolicyArn, ["accessScope"] = new JsonObject { ["type"] = p.Scope, ["namespaces"] = new JsonArray() },
            ["associatedAt"] = now, ["modifiedAt"] = now,
        }));
    }

    public static void Delete(Cloud c, string cluster, string principalArn) => c.AccessEntries.Remove(Key(cluster, principalArn));

    public static AccessEntryRecord Find(Cloud c, string cluster, string principalArn) =>
        c.AccessEntries.GetValueOrDefault(Key(cluster, principalArn))
        ?? throw new AwsError("ResourceNotFoundException", $"The specified access entry resource {principalArn} could not be found.", 404);

    public static JsonObject List(Cloud c, string cluster)
    {
        if (!c.Clusters.ContainsKey(cluster)) throw new AwsError("ResourceNotFoundException", $"No cluster found for name: {cluster}.", 404);
        return new JsonObject
        {
            ["accessEntries"] = new JsonArray(c.AccessEntries.Values.Where(e => e.Entry["clusterName"]!.GetValue<string>() == cluster)
                .Select(e => (JsonNode)e.Entry["principalArn"]!.GetValue<string>()).ToArray()),
        };
    }

    public static JsonObject ListPolicies(Cloud c, string cluster, string principalArn) => new()
    {
        ["clusterName"] = cluster, ["principalArn"] = principalArn,
        ["associatedAccessPolicies"] = new JsonArray(Find(c, cluster, principalArn).Policies.Select(p => (JsonNode)p.DeepClone()).ToArray()),
    };

    /// <summary>
    /// What EKS makes of a caller: the IAM principal its credentials stand for (an assumed role's session becomes the role's real ARN,
    /// path included) and that principal's access on the cluster: null when it has no entry (the API answers Unauthorized).
    /// </summary>
    public static (string? Principal, string? Access) Of(Cloud c, string cluster, Identity caller)
    {
        var principal = Principal(c, caller);
        if (principal is null || c.AccessEntries.GetValueOrDefault(Key(cluster, principal)) is not { } entry) return (principal, null);
        var policies = entry.Policies.Select(p => p["policyArn"]!.GetValue<string>().Split('/').Last()).ToList();
        var access = policies.Any(p => p is "AmazonEKSClusterAdminPolicy" or "AmazonEKSAdminPolicy") ? "admin"
            : policies.Contains("AmazonEKSEditPolicy") ? "edit"
            : policies.Contains("AmazonEKSViewPolicy") ? "view" : "none";
        return (principal, access);
    }

    private static string? Principal(Cloud c, Identity caller)
    {
        var parts = caller.Arn.Split(':', 6);
        if (parts is [_, _, "sts", _, _, var session] && session.StartsWith("assumed-role/", StringComparison.Ordinal))
            return c.Roles.GetValueOrDefault(session.Split('/')[1])?["Arn"]?.GetValue<string>();
        return parts is [_, _, "iam", _, _, _] ? caller.Arn : null;
    }
}
