using Exchange.Contracts;

namespace Exchange.Build.Operations;

/// <summary>What the cluster runs: the control plane's minor version, the nodes' minor version and their AMI release.</summary>
public sealed record EksVersions(string ControlPlane, string Nodes, string? NodeRelease)
{
    public static EksVersions Configured(EksConfig eks) => new(eks.KubernetesVersion, eks.NodeKubernetesVersion, eks.NodeReleaseVersion);

    public override string ToString() => $"control plane {ControlPlane}, nodes {Nodes}" + (NodeRelease is null ? "" : $" (AMI release {NodeRelease})");
}

/// <summary>One step of an upgrade, in the order AWS requires: the control plane, then the add-ons, then the nodes, one minor version at a time.</summary>
public abstract record UpgradeStep(string Version)
{
    public abstract string Title { get; }
}

/// <summary>The control plane one minor version up, through the Eks stack (CloudFormation calls UpdateClusterVersion and waits).</summary>
public sealed record ControlPlaneStep(string From, string To) : UpgradeStep(To)
{
    public override string Title => $"control plane {From} -> {To}";
}

/// <summary>Every managed add-on to a version compatible with <see cref="UpgradeStep.Version"/> (EKS's default there, unless already as new).</summary>
public sealed record AddonsStep(string Version) : UpgradeStep(Version)
{
    public override string Title => $"add-ons -> the versions EKS recommends for {Version}";
}

/// <summary>
/// The node group onto <see cref="Release"/> (a rolling update, one node at a time), through the Eks stack. A null release is the one EKS
/// recommends for the version (read from AWS's public parameter when the step runs).
/// </summary>
public sealed record NodesStep(string Version, string? Release, string? FromRelease) : UpgradeStep(Version)
{
    public override string Title => $"node group -> {Release ?? $"the recommended {Version} AMI release"}" +
                                    (FromRelease is null ? "" : $" (from {FromRelease})");
}

/// <summary>An upgrade that cannot be made (a downgrade, a version EKS would refuse): the message says why and what to do.</summary>
public sealed class UpgradeRefusedException(string message) : Exception(message);

/// <summary>
/// The steps from what runs to a target minor version, in AWS's order: for each minor version after the control plane's, the control
/// plane, the add-ons, then the nodes (EKS moves a control plane only while the nodes run its own version). Nodes left behind by an
/// earlier run (or by EKS upgrading the control plane by itself) catch up first. At the target version, a new pinned AMI release
/// moves only the nodes. Pure: Upgrade runs these steps, Plan prints them.
/// </summary>
public static class UpgradePlan
{
    /// <param name="running">what the cluster runs</param>
    /// <param name="target">the minor version to reach</param>
    /// <param name="pinnedRelease">the node AMI release the configuration pins for a minor version, or null (then EKS's recommended one)</param>
    public static IReadOnlyList<UpgradeStep> For(EksVersions running, string target, Func<string, string?> pinnedRelease)
    {
        if (KubernetesVersions.Compare(target, running.ControlPlane) < 0)
            throw new UpgradeRefusedException($"The control plane runs Kubernetes {running.ControlPlane}; EKS cannot take a cluster back to {target}. " +
                                              $"Set KubernetesVersion = \"{running.ControlPlane}\" in src/Exchange.Contracts/Environments.cs " +
                                              "(with a NodeReleaseVersion for it), or pass --to with a version at or above it.");
        var steps = new List<UpgradeStep>();
        var nodes = running.Nodes;
        var release = running.NodeRelease;
        if (KubernetesVersions.Compare(nodes, running.ControlPlane) < 0)
        {
            steps.Add(new AddonsStep(running.ControlPlane));
            steps.Add(new NodesStep(running.ControlPlane, pinnedRelease(running.ControlPlane), release));
            (nodes, release) = (running.ControlPlane, pinnedRelease(running.ControlPlane));
        }
        var from = running.ControlPlane;
        foreach (var version in KubernetesVersions.After(running.ControlPlane, target))
        {
            steps.Add(new ControlPlaneStep(from, version));
            steps.Add(new AddonsStep(version));
            steps.Add(new NodesStep(version, pinnedRelease(version), release));
            (from, nodes, release) = (version, version, pinnedRelease(version));
        }
        if (steps.Count == 0 && pinnedRelease(target) is { } pinned && release is not null && KubernetesVersions.CompareRelease(pinned, release) > 0)
            steps.Add(new NodesStep(target, pinned, release));
        return steps;
    }

    /// <summary>
    /// The add-on version to move to for a Kubernetes version, or null to leave it: EKS's default there, unless what runs is compatible and
    /// not older.
    /// </summary>
    public static string? AddonTarget(string installed, IReadOnlyList<Aws.AddonVersionOffer> offered)
    {
        var preferred = offered.FirstOrDefault(o => o.IsDefault)?.Version
                        ?? offered.Select(o => o.Version).OrderByDescending(v => v, AddonVersionOrder).FirstOrDefault()
                        ?? throw new UpgradeRefusedException("EKS offers no version of this add-on for the new Kubernetes version.");
        var compatible = offered.Any(o => o.Version == installed);
        return compatible && AddonVersionOrder.Compare(installed, preferred) >= 0 ? null : preferred;
    }

    /// <summary>Orders add-on versions such as v1.20.4-eksbuild.2 by their numbers.</summary>
    public static readonly IComparer<string> AddonVersionOrder = Comparer<string>.Create((a, b) =>
    {
        static long[] Numbers(string v) => System.Text.RegularExpressions.Regex.Matches(v, @"\d+").Select(m => long.Parse(m.Value)).ToArray();
        var (x, y) = (Numbers(a), Numbers(b));
        for (var i = 0; i < Math.Min(x.Length, y.Length); i++)
            if (x[i] != y[i]) return x[i].CompareTo(y[i]);
        return x.Length.CompareTo(y.Length);
    });
}

/// <summary>What Doctor, Status and Cost say about versions: the end of standard support coming, and versions that differ from the configuration.</summary>
public static class KubernetesChecks
{
    /// <summary>
    /// A warning from <see cref="KubernetesSupport.WarnBefore"/> before the end of <paramref name="version"/>'s standard support (and after
    /// it), naming the command; null before then. A version the table does not know gets a note saying where to add its date.
    /// </summary>
    public static string? SupportWarning(string version, DateTimeOffset now, string what = "the cluster")
    {
        if (KubernetesSupport.TryStandardSupportEnd(version) is not { } end)
            return $"Kubernetes {version} ({what}) has no standard-support end date in src/Exchange.Contracts/KubernetesSupport.cs: add it from " +
                   "the EKS Kubernetes version calendar, so Doctor and Status can warn in time.";
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var days = end.DayNumber - today.DayNumber;
        if (days > KubernetesSupport.WarnBefore.TotalDays) return null;
        var command = $"./build.sh --target=Upgrade --to={KubernetesVersions.Next(version)}";
        return days >= 0
            ? $"Kubernetes {version} ({what}) leaves EKS standard support on {end:yyyy-MM-dd}, in {days} day{(days == 1 ? "" : "s")}. Then EKS upgrades " +
              $"the control plane by itself (UpgradePolicy STANDARD; extended support would bill $0.60/h instead of $0.10/h) and the nodes stay " +
              $"behind. Upgrade before then: {command} (README: Upgrades)."
            : $"Kubernetes {version} ({what}) left EKS standard support on {end:yyyy-MM-dd}: EKS upgrades the control plane by itself (or has), and " +
              $"the nodes and add-ons stay behind until you run {command} (README: Upgrades).";
    }

    /// <summary>Where what runs differs from the configuration, each with what to do; empty when they agree.</summary>
    public static IReadOnlyList<string> Skew(EksVersions running, EksConfig configured)
    {
        var problems = new List<string>();
        var byControlPlane = KubernetesVersions.Compare(running.ControlPlane, configured.KubernetesVersion);
        if (byControlPlane > 0)
            problems.Add($"The control plane runs Kubernetes {running.ControlPlane}, but the configuration says {configured.KubernetesVersion} (EKS " +
                         "upgrades a control plane by itself at the end of standard support; or Upgrade --to went ahead of it). A cluster cannot go " +
                         $"back: set KubernetesVersion = \"{running.ControlPlane}\" and a NodeReleaseVersion for it in " +
                         "src/Exchange.Contracts/Environments.cs, " +
                         "then run ./build.sh --target=Upgrade (add-ons and nodes follow).");
        else if (byControlPlane < 0)
            problems.Add($"The configuration says Kubernetes {configured.KubernetesVersion}, the control plane runs {running.ControlPlane}: run " +
                         "./build.sh --target=Upgrade (control plane, add-ons, then nodes, one minor version at a time).");
        if (KubernetesVersions.Compare(running.Nodes, running.ControlPlane) < 0)
            problems.Add($"The nodes run Kubernetes {running.Nodes}, the control plane {running.ControlPlane}: run ./build.sh --target=Upgrade " +
                         $"--to={running.ControlPlane} to bring the add-ons and the nodes up to it.");
        else if (byControlPlane == 0 && running.NodeRelease is { } release && release != configured.NodeReleaseVersion)
            problems.Add(KubernetesVersions.IsRelease(release) && KubernetesVersions.CompareRelease(release, configured.NodeReleaseVersion) > 0
                ? $"The nodes run AMI release {release}, newer than the configured {configured.NodeReleaseVersion} (an AMI cannot be rolled back): " +
                  $"set NodeReleaseVersion = \"{release}\" in src/Exchange.Contracts/Environments.cs."
                : $"The nodes run AMI release {release}, the configuration pins {configured.NodeReleaseVersion}: run ./build.sh --target=Upgrade " +
                  "(it rolls the nodes onto it, one at a time).");
        return problems;
    }
}
