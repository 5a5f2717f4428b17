namespace Exchange.Contracts;

/// <summary>
/// When EKS standard support ends for each Kubernetes version the environments may run. After that
/// date EKS moves the cluster to extended support ($0.60/h instead of $0.10/h) or, with
/// <c>UpgradePolicy STANDARD</c>, upgrades it by itself; redeploying the old version then fails.
/// A test fails once the configured version is past its date, so CI says it in time.
/// </summary>
public static class KubernetesSupport
{
    /// <summary>Version -> last day of standard support (AWS EKS Kubernetes version calendar).</summary>
    public static readonly IReadOnlyDictionary<string, DateOnly> StandardSupportEnds = new Dictionary<string, DateOnly>
    {
        // Released on EKS 2026-01-28.
        ["1.35"] = new(2027, 3, 27),
    };

    /// <summary>Doctor, Status and Cost warn this long before the configured or running version leaves standard support.</summary>
    public static readonly TimeSpan WarnBefore = TimeSpan.FromDays(60);

    /// <summary>The end of standard support of <paramref name="version"/>, when this table knows it.</summary>
    public static DateOnly? TryStandardSupportEnd(string version) => StandardSupportEnds.TryGetValue(version, out var end) ? end : null;

    /// <summary>The end of standard support of <paramref name="version"/>, or an error that says to add it here.</summary>
    public static DateOnly StandardSupportEnd(string version) =>
        StandardSupportEnds.TryGetValue(version, out var end)
            ? end
            : throw new ArgumentException($"Kubernetes {version} has no standard-support end date in src/Exchange.Contracts/KubernetesSupport.cs; " +
                                          "add it from the EKS Kubernetes version calendar.", nameof(version));
}
