using System.Text.Json.Nodes;

namespace Exchange.AwsStandIn;

/// <summary>
/// EKS versions as the Upgrade target meets them: the rules EKS and CloudFormation apply to version changes, the
/// managed add-ons and their versions per Kubernetes minor version, updates with ids that settle on the next
/// DescribeUpdate (unless stalled), and the public SSM parameter naming the recommended node AMI release.
/// The catalog below is the stand-in's own data in AWS's formats, not a copy of AWS's lists.
/// </summary>
public static class Eks
{
    /// <summary>An add-on version, the minor versions it runs on, and those it is EKS's default for.</summary>
    public sealed record AddonVersion(string Version, string[] Compatible, string[] DefaultFor);

    public static readonly IReadOnlyDictionary<string, AddonVersion[]> AddonCatalog = new Dictionary<string, AddonVersion[]>
    {
        ["vpc-cni"] =
        [
            new("v1.20.4-eksbuild.2", ["1.33", "1.34", "1.35", "1.36"], ["1.33", "1.34", "1.35"]),
            new("v1.21.1-eksbuild.1", ["1.34", "1.35", "1.36", "1.37"], ["1.36", "1.37"]),
        ],
        ["kube-proxy"] =
        [
            new("v1.34.1-eksbuild.2", ["1.34"], ["1.34"]), new("v1.35.0-eksbuild.2", ["1.35"], ["1.35"]),
            new("v1.36.0-eksbuild.1", ["1.36"], ["1.36"]), new("v1.37.0-eksbuild.1", ["1.37"], ["1.37"]),
        ],
        ["coredns"] =
        [
            new("v1.12.4-eksbuild.1", ["1.33", "1.34", "1.35"], ["1.33", "1.34", "1.35"]),
            new("v1.13.1-eksbuild.1", ["1.35", "1.36", "1.37"], ["1.36", "1.37"]),
        ],
        ["eks-pod-identity-agent"] =
        [
            new("v1.3.9-eksbuild.3", ["1.33", "1.34", "1.35", "1.36", "1.37"], ["1.33", "1.34", "1.35", "1.36", "1.37"]),
        ],
    };

    /// <summary>The node AMI release EKS recommends per minor version (the public SSM parameter's value).</summary>
    public static readonly IReadOnlyDictionary<string, string> RecommendedRelease = new Dictionary<string, string>
    {
        ["1.34"] = "1.34.7-20260512", ["1.35"] = "1.35.7-20260903", ["1.36"] = "1.36.2-20261020", ["1.37"] = "1.37.0-20261201",
    };

    private const string AmiParameterPrefix = "/aws/service/eks/optimized-ami/";

    public static string DefaultAddonVersion(string addon, string clusterVersion) =>
        AddonCatalog.GetValueOrDefault(addon)?.FirstOrDefault(v => v.DefaultFor.Contains(clusterVersion))?.Version ?? "v1.0.0-eksbuild.1";

    // ---- the API ----

    public static JsonObject DescribeAddon(Cloud c, AwsRequest r) => new() { ["addon"] = Addon(c, r).DeepClone() };

    public static JsonObject DescribeAddonVersions(Cloud c, AwsRequest r)
    {
        var minor = r.Query("kubernetesVersion");
        var name = r.Query("addonName");
        return new()
        {
            ["addons"] = new JsonArray(AddonCatalog.Where(a => name.Length == 0 || a.Key == name).Select(a => (JsonNode)new JsonObject
            {
                ["addonName"] = a.Key, ["type"] = a.Key == "eks-pod-identity-agent" ? "security" : "networking", ["owner"] = "aws", ["publisher"] = "eks",
                ["addonVersions"] = new JsonArray(a.Value.Where(v => minor.Length == 0 || v.Compatible.Contains(minor)).Select(v => (JsonNode)new JsonObject
                {
                    ["addonVersion"] = v.Version, ["architecture"] = new JsonArray("amd64", "arm64"), ["requiresConfiguration"] = false,
                    ["compatibilities"] = new JsonArray(v.Compatible.Where(k => minor.Length == 0 || k == minor).Select(k => (JsonNode)new JsonObject
                    {
                        ["clusterVersion"] = k, ["platformVersions"] = new JsonArray("*"), ["defaultVersion"] = v.DefaultFor.Contains(k),
                    }).ToArray()),
                }).ToArray()),
            }).ToArray()),
        };
    }

    public static JsonObject UpdateAddon(Cloud c, AwsRequest r)
    {
        var addon = Addon(c, r);
        var cluster = Cluster(c, r.Route["name"]);
        var clusterVersion = cluster["version"]!.GetValue<string>();
        var version = r.Json["addonVersion"]?.GetValue<string>() ?? addon["addonVersion"]!.GetValue<string>();
        var known = AddonCatalog.GetValueOrDefault(r.Route["addonName"])?.FirstOrDefault(v => v.Version == version);
        if (known is null || !known.Compatible.Contains(clusterVersion))
            throw new AwsError("InvalidParameterException",
                $"Addon version specified is not supported, or is not compatible with the cluster's Kubernetes version {clusterVersion}: {version}");
        if (addon["status"]!.GetValue<string>() == "UPDATING")
            throw new AwsError("ResourceInUseException", $"Addon {r.Route["addonName"]} is currently being updated", 409);
        addon["status"] = "UPDATING";
        var update = NewUpdate(c, r.Route["name"], "AddonUpdate", ("AddonVersion", version),
            ("ResolveConflicts", r.Json["resolveConflicts"]?.GetValue<string>() ?? "NONE"));
        update["Addon"] = r.Route["addonName"];
        update["AddonVersion"] = version;
        return new() { ["update"] = Visible(update) };
    }

    /// <summary>An update settles (Successful, and its effect arrives) when it is next described, unless its action is stalled.</summary>
    public static JsonObject DescribeUpdate(Cloud c, AwsRequest r)
    {
        var update = c.Updates.GetValueOrDefault($"{r.Route["name"]}/{r.Route["updateId"]}")
                     ?? throw new AwsError("ResourceNotFoundException", $"No update found for ID: {r.Route["updateId"]}", 404);
        if (update["status"]!.GetValue<string>() == "InProgress" && update["Addon"]?.GetValue<string>() is { } addonName
            && !c.Faults.IsStalled("eks:UpdateAddon"))
        {
            var addon = c.Addons[$"{r.Route["name"]}/{addonName}"];
            addon["addonVersion"] = update["AddonVersion"]!.DeepClone();
            addon["status"] = "ACTIVE";
            addon["modifiedAt"] = Cloud.Time(DateTimeOffset.UtcNow);
            update["status"] = "Successful";
        }
        return new() { ["update"] = Visible(update) };
    }

    /// <summary>The public parameter of the recommended node AMI release, or null for any other name.</summary>
    public static JsonObject? PublicParameter(Cloud c, string name)
    {
        // /aws/service/eks/optimized-ami/1.36/amazon-linux-2023/x86_64/standard/recommended/release_version
        if (!name.StartsWith(AmiParameterPrefix, StringComparison.Ordinal) || !name.EndsWith("/recommended/release_version", StringComparison.Ordinal))
            return null;
        var minor = name[AmiParameterPrefix.Length..].Split('/')[0];
        var release = RecommendedRelease.GetValueOrDefault(minor)
                      ?? throw new AwsError("ParameterNotFound", "", 400);
        return new JsonObject
        {
            ["Name"] = name, ["Type"] = "String", ["Value"] = release, ["Version"] = 1, ["DataType"] = "text",
            ["LastModifiedDate"] = Cloud.Time(DateTimeOffset.UtcNow.AddDays(-3)), ["ARN"] = $"arn:aws:ssm:{c.Region}::parameter{name}",
        };
    }

    // ---- CloudFormation's side: what AWS::EKS::Cluster, Nodegroup and Addon updates do and refuse ----

    /// <summary>The control plane's version after a create or update: EKS moves it one minor version up at a time, never down.</summary>
    public static string ClusterVersion(Cloud c, string name, string? wanted)
    {
        var current = c.Clusters.GetValueOrDefault(name)?["version"]?.GetValue<string>();
        if (current is null) return wanted ?? "1.35";
        if (wanted is null || wanted == current) return current;
        var (from, to) = (Minor(current), Minor(wanted));
        if (to != from + 1)
            throw new ResourceFailedException("Resource handler returned message: \"Unsupported Kubernetes minor version update from " +
                                              $"{current} to {wanted} (Service: Eks, Status Code: 400)\" (HandlerErrorCode: InvalidRequest)");
        var behind = c.Nodegroups.Values.Where(n => n["clusterName"]!.GetValue<string>() == name && n["version"]!.GetValue<string>() != current)
            .Select(n => n["nodegroupName"]!.GetValue<string>()).ToArray();
        if (behind.Length > 0)
            throw new ResourceFailedException($"Resource handler returned message: \"Nodegroup(s) {string.Join(", ", behind)} must be updated to match " +
                                              $"cluster version {current} before updating cluster version (Service: Eks, Status Code: 400)\" " +
                                              "(HandlerErrorCode: InvalidRequest)");
        NewUpdate(c, name, "VersionUpdate", ("Version", wanted), ("PlatformVersion", "eks.1"))["status"] = "Successful";
        return wanted;
    }

    /// <summary>
    /// A node group's Kubernetes and AMI release versions after a create or update, with EKS's and CloudFormation's rules: the release is
    /// for the version, the nodes never run ahead of the control plane, and a version change comes alone.
    /// </summary>
    public static (string Version, string Release) NodegroupVersions(StackContext s, string id, StackContext? previous, string cluster)
    {
        var clusterVersion = s.Cloud.Clusters.GetValueOrDefault(cluster)?["version"]?.GetValue<string>() ?? "1.35";
        var version = s.Property(id, "Version") ?? clusterVersion;
        var release = s.Property(id, "ReleaseVersion") ?? RecommendedRelease.GetValueOrDefault(version) ?? $"{version}.0-20260101";
        string Fail(string message) =>
            throw new ResourceFailedException($"Resource handler returned message: \"{message} (Service: Eks, Status Code: 400)\" " +
                                              "(HandlerErrorCode: InvalidRequest)");
        if (!release.StartsWith(version + ".", StringComparison.Ordinal))
            Fail($"Requested release version {release} is not valid for kubernetes version {version}.");
        if (Minor(version) > Minor(clusterVersion))
            Fail($"Nodegroup Kubernetes version {version} must not be newer than the cluster's version {clusterVersion}.");
        if (previous is not null && previous.Resource(id) is not null)
        {
            string? Before(string name) => previous.Property(id, name);
            var versionChanged = Before("Version") != s.Property(id, "Version") || Before("ReleaseVersion") != s.Property(id, "ReleaseVersion");
            var others = s.Properties(id).Select(p => p.Key).Union(previous.Properties(id).Select(p => p.Key))
                .Where(k => k is not ("Version" or "ReleaseVersion"))
                .Where(k => s.Resolved(id, k)?.ToJsonString() != previous.Resolved(id, k)?.ToJsonString()).ToArray();
            if (versionChanged && others.Length > 0)
                Fail($"Version and ReleaseVersion updates cannot be combined with other updates (also changed: {string.Join(", ", others)})");
            if (versionChanged && s.Cloud.Nodegroups.GetValueOrDefault(Provisioner.PhysicalId(s, id)) is { } existing)
                NewUpdate(s.Cloud, cluster, "VersionUpdate", ("Version", version), ("ReleaseVersion", release))["Nodegroup"] =
                    existing["nodegroupName"]!.DeepClone();
        }
        return (version, release);
    }

    /// <summary>An add-on as CloudFormation creates it (EKS's default version for the cluster unless the template names one), or updates it.</summary>
    public static void ApplyAddon(StackContext s, string id)
    {
        var c = s.Cloud;
        var cluster = s.Property(id, "ClusterName") ?? "";
        var name = s.Property(id, "AddonName") ?? id;
        var existing = c.Addons.GetValueOrDefault($"{cluster}/{name}");
        var clusterVersion = c.Clusters.GetValueOrDefault(cluster)?["version"]?.GetValue<string>() ?? "1.35";
        var now = Cloud.Time(DateTimeOffset.UtcNow);
        var addon = new JsonObject
        {
            ["addonName"] = name, ["clusterName"] = cluster, ["status"] = "ACTIVE",
            // CloudFormation leaves the version alone when the template declares none.
            ["addonVersion"] = s.Property(id, "AddonVersion") ?? existing?["addonVersion"]?.GetValue<string>() ?? DefaultAddonVersion(name, clusterVersion),
            ["health"] = new JsonObject { ["issues"] = new JsonArray() },
            ["addonArn"] = $"arn:aws:eks:{c.Region}:{c.Account}:addon/{cluster}/{name}/{s.Hex(8, id)}-{s.Hex(4, id, "a")}",
            ["createdAt"] = existing?["createdAt"]?.DeepClone() ?? now, ["modifiedAt"] = now,
        };
        if (s.Property(id, "ConfigurationValues") is { } values) addon["configurationValues"] = values;
        c.Addons[$"{cluster}/{name}"] = addon;
    }

    // ---- helpers ----

    private static JsonObject Addon(Cloud c, AwsRequest r) =>
        c.Addons.GetValueOrDefault($"{r.Route["name"]}/{r.Route["addonName"]}")
        ?? throw new AwsError("ResourceNotFoundException", $"No addon: {r.Route["addonName"]} found in cluster: {r.Route["name"]}", 404);

    private static JsonObject Cluster(Cloud c, string name) =>
        c.Clusters.GetValueOrDefault(name) ?? throw new AwsError("ResourceNotFoundException", $"No cluster found for name: {name}.", 404);

    private static JsonObject NewUpdate(Cloud c, string cluster, string type, params (string Type, string Value)[] parameters)
    {
        var id = Guid.NewGuid().ToString();
        var update = new JsonObject
        {
            ["id"] = id, ["status"] = "InProgress", ["type"] = type, ["createdAt"] = Cloud.Time(DateTimeOffset.UtcNow),
            ["params"] = new JsonArray(parameters.Select(p => (JsonNode)new JsonObject { ["type"] = p.Type, ["value"] = p.Value }).ToArray()),
            ["errors"] = new JsonArray(),
        };
        c.Updates[$"{cluster}/{id}"] = update;
        return update;
    }

    /// <summary>An update as the API shows it (without the stand-in's own bookkeeping).</summary>
    private static JsonObject Visible(JsonObject update)
    {
        var copy = update.DeepClone().AsObject();
        foreach (var own in new[] { "Addon", "AddonVersion", "Nodegroup" }) copy.Remove(own);
        return copy;
    }

    private static int Minor(string version) => int.Parse(version.Split('.')[1], System.Globalization.CultureInfo.InvariantCulture);
}
