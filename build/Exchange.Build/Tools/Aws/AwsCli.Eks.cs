using System.Text.Json;
using Exchange.Build.Processes;

namespace Exchange.Build.Aws;

/// <summary>The EKS control plane's version and state.</summary>
public sealed record ClusterDescription(string Version, string Status);

/// <summary>A node group as EKS describes it: its size, Kubernetes version, AMI release version and state.</summary>
public sealed record NodegroupDescription(NodegroupScaling Scaling, string Version, string? ReleaseVersion, string Status);

/// <summary>A managed add-on's installed version and state.</summary>
public sealed record AddonDescription(string Name, string Version, string Status);

/// <summary>An add-on version EKS offers for a Kubernetes version, and whether it is EKS's default there.</summary>
public sealed record AddonVersionOffer(string Version, bool IsDefault);

/// <summary>An EKS update (UpdateAddon and friends answer one): its id, status (InProgress, Successful, Failed, Cancelled) and errors.</summary>
public sealed record EksUpdate(string Id, string Status, IReadOnlyList<string> Errors)
{
    public bool IsFinished => Status is not "InProgress";
}

/// <summary>The calls the Upgrade target makes: versions, add-ons, their updates, the recommended node AMI, the staged stack update.</summary>
public sealed partial class AwsCli
{
    public CommandLine DescribeClusterCommand(string cluster) => JsonCommand("eks", "describe-cluster", "--name", cluster);

    /// <summary>The control plane's version and status, or null when the cluster does not exist.</summary>
    public ClusterDescription? DescribeCluster(string cluster)
    {
        using var json = RunJsonOrNull(DescribeClusterCommand(cluster), NotFound);
        if (json is null) return null;
        var c = json.RootElement.GetProperty("cluster");
        return new ClusterDescription(c.GetProperty("version").GetString()!, c.GetProperty("status").GetString()!);
    }

    /// <summary>The node group (size, versions, state), or null when it does not exist.</summary>
    public NodegroupDescription? DescribeNodegroup(string cluster, string nodegroup)
    {
        using var json = RunJsonOrNull(DescribeNodegroupCommand(cluster, nodegroup), NotFound);
        if (json is null) return null;
        var n = json.RootElement.GetProperty("nodegroup");
        var scaling = n.GetProperty("scalingConfig");
        return new NodegroupDescription(
            new NodegroupScaling(scaling.GetProperty("minSize").GetInt32(), scaling.GetProperty("maxSize").GetInt32(),
                scaling.GetProperty("desiredSize").GetInt32()),
            n.TryGetProperty("version", out var version) ? version.GetString()! : "unknown",
            n.TryGetProperty("releaseVersion", out var release) ? release.GetString() : null,
            n.TryGetProperty("status", out var status) ? status.GetString()! : "unknown");
    }

    public CommandLine DescribeAddonCommand(string cluster, string addon) =>
        JsonCommand("eks", "describe-addon", "--cluster-name", cluster, "--addon-name", addon);

    /// <summary>The installed add-on, or null when the cluster does not have it.</summary>
    public AddonDescription? DescribeAddon(string cluster, string addon)
    {
        using var json = RunJsonOrNull(DescribeAddonCommand(cluster, addon), NotFound);
        if (json is null) return null;
        var a = json.RootElement.GetProperty("addon");
        return new AddonDescription(addon, a.GetProperty("addonVersion").GetString()!, a.GetProperty("status").GetString()!);
    }

    public CommandLine DescribeAddonVersionsCommand(string addon, string kubernetesVersion) =>
        JsonCommand("eks", "describe-addon-versions", "--addon-name", addon, "--kubernetes-version", kubernetesVersion);

    /// <summary>The versions of <paramref name="addon"/> EKS offers for <paramref name="kubernetesVersion"/>, each marked when it is the default.</summary>
    public IReadOnlyList<AddonVersionOffer> AddonVersions(string addon, string kubernetesVersion)
    {
        using var json = RunJson(DescribeAddonVersionsCommand(addon, kubernetesVersion));
        return json.RootElement.GetProperty("addons").EnumerateArray()
            .Where(a => a.GetProperty("addonName").GetString() == addon)
            .SelectMany(a => a.GetProperty("addonVersions").EnumerateArray())
            .Select(v => new AddonVersionOffer(v.GetProperty("addonVersion").GetString()!,
                v.TryGetProperty("compatibilities", out var compatibilities) && compatibilities.EnumerateArray().Any(c =>
                    c.GetProperty("clusterVersion").GetString() == kubernetesVersion
                    && c.TryGetProperty("defaultVersion", out var isDefault) && isDefault.GetBoolean())))
            .ToArray();
    }

    /// <summary>OVERWRITE, as the Eks stack creates the add-ons: EKS's settings win over edits made to the add-on's objects in the cluster.</summary>
    public CommandLine UpdateAddonCommand(string cluster, string addon, string version) =>
        JsonCommand("eks", "update-addon", "--cluster-name", cluster, "--addon-name", addon, "--addon-version", version,
            "--resolve-conflicts", "OVERWRITE");

    public EksUpdate UpdateAddon(string cluster, string addon, string version)
    {
        using var json = RunJson(UpdateAddonCommand(cluster, addon, version));
        return Update(json.RootElement);
    }

    public CommandLine DescribeAddonUpdateCommand(string cluster, string addon, string updateId) =>
        JsonCommand("eks", "describe-update", "--name", cluster, "--update-id", updateId, "--addon-name", addon);

    public EksUpdate DescribeAddonUpdate(string cluster, string addon, string updateId)
    {
        using var json = RunJson(DescribeAddonUpdateCommand(cluster, addon, updateId));
        return Update(json.RootElement);
    }

    private static EksUpdate Update(JsonElement root)
    {
        var u = root.GetProperty("update");
        var errors = u.TryGetProperty("errors", out var list)
            ? list.EnumerateArray().Select(e => $"{(e.TryGetProperty("errorCode", out var code) ? code.GetString() : "error")}: " +
                                                $"{(e.TryGetProperty("errorMessage", out var message) ? message.GetString() : "")}").ToArray()
            : [];
        return new EksUpdate(u.GetProperty("id").GetString()!, u.GetProperty("status").GetString()!, errors);
    }

    /// <summary>AWS's public parameter naming the newest EKS-optimized AL2023 AMI release for a Kubernetes version and node AMI type.</summary>
    public static string RecommendedReleaseParameter(string kubernetesVersion, string amiType) =>
        $"/aws/service/eks/optimized-ami/{kubernetesVersion}/amazon-linux-2023/{(amiType.Contains("ARM", StringComparison.Ordinal) ? "arm64" : "x86_64")}" +
        "/standard/recommended/release_version";

    public CommandLine RecommendedReleaseCommand(string kubernetesVersion, string amiType) =>
        JsonCommand("ssm", "get-parameter", "--name", RecommendedReleaseParameter(kubernetesVersion, amiType));

    public string RecommendedRelease(string kubernetesVersion, string amiType)
    {
        using var json = RunJson(RecommendedReleaseCommand(kubernetesVersion, amiType), new ProcessOptions
        {
            FailureHint = $"EKS publishes no AL2023 node AMI for Kubernetes {kubernetesVersion} here yet (or your role may not read the public parameter): " +
                          "check the version, or pin the release in NodeReleaseVersion (src/Exchange.Contracts/Environments.cs)",
        });
        return json.RootElement.GetProperty("Parameter").GetProperty("Value").GetString()!;
    }

    public CommandLine ExecuteChangeSetCommand(string stack, string changeSet) =>
        Command("cloudformation", "execute-change-set", "--stack-name", stack, "--change-set-name", changeSet);

    public CommandLine DescribeStackEventsCommand(string stack) => JsonCommand("cloudformation", "describe-stack-events", "--stack-name", stack);

    /// <summary>The newest failed resource of the stack's events ("LogicalId: reason"), or null when none failed.</summary>
    public string? LatestResourceFailure(string stack)
    {
        using var json = RunJson(DescribeStackEventsCommand(stack));
        return json.RootElement.GetProperty("StackEvents").EnumerateArray()
            .Where(e => e.GetProperty("ResourceStatus").GetString()!.EndsWith("_FAILED", StringComparison.Ordinal)
                        && e.GetProperty("LogicalResourceId").GetString() != stack)
            .Select(e => $"{e.GetProperty("LogicalResourceId").GetString()}: " +
                         $"{(e.TryGetProperty("ResourceStatusReason", out var reason) ? reason.GetString() : e.GetProperty("ResourceStatus").GetString())}")
            .FirstOrDefault();
    }
}
