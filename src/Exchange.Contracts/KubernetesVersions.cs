using System.Globalization;
using System.Text.RegularExpressions;

namespace Exchange.Contracts;

/// <summary>
/// Kubernetes minor versions ("1.35") and EKS node AMI release versions ("1.35.4-20260512": the Kubernetes patch
/// the AMI ships, then the build date). The release version names its own minor, so a node group's Kubernetes
/// version always follows from its release version.
/// </summary>
public static partial class KubernetesVersions
{
    /// <summary>EKS upgrades a control plane one minor version at a time.</summary>
    public static string Next(string minor)
    {
        var (major, n) = Parse(minor);
        return $"{major}.{n + 1}";
    }

    /// <summary>Negative when <paramref name="a"/> is older than <paramref name="b"/>.</summary>
    public static int Compare(string a, string b)
    {
        var (x, y) = (Parse(a), Parse(b));
        return x.Major != y.Major ? x.Major.CompareTo(y.Major) : x.Minor.CompareTo(y.Minor);
    }

    /// <summary>The minor versions after <paramref name="from"/> up to and including <paramref name="to"/>, oldest first.</summary>
    public static IReadOnlyList<string> After(string from, string to)
    {
        var versions = new List<string>();
        for (var v = from; Compare(v, to) < 0; v = Next(v)) versions.Add(Next(v));
        return versions;
    }

    public static bool IsMinor(string? text) => text is not null && MinorPattern().IsMatch(text);

    public static bool IsRelease(string? text) => text is not null && ReleasePattern().IsMatch(text);

    /// <summary>"1.35.4-20260512" -> "1.35".</summary>
    public static string MinorOfRelease(string release)
    {
        var match = ReleasePattern().Match(release);
        return match.Success
            ? match.Groups["minor"].Value
            : throw new FormatException($"'{release}' is not an EKS node AMI release version (e.g. 1.35.4-20260512: Kubernetes patch, then the build date).");
    }

    /// <summary>Orders two node AMI releases: by minor version, then Kubernetes patch, then build date.</summary>
    public static int CompareRelease(string a, string b)
    {
        var byMinor = Compare(MinorOfRelease(a), MinorOfRelease(b));
        if (byMinor != 0) return byMinor;
        var (x, y) = (ReleasePattern().Match(a), ReleasePattern().Match(b));
        static int Patch(Match m) => int.Parse(m.Groups["patch"].Value, CultureInfo.InvariantCulture);
        var byPatch = Patch(x).CompareTo(Patch(y));
        return byPatch != 0 ? byPatch : string.CompareOrdinal(x.Groups["date"].Value, y.Groups["date"].Value);
    }

    public static (int Major, int Minor) Parse(string minor)
    {
        var match = MinorPattern().Match(minor);
        if (!match.Success) throw new FormatException($"'{minor}' is not a Kubernetes minor version (e.g. 1.36).");
        return (int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^(\d+)\.(\d+)$")] private static partial Regex MinorPattern();
    [GeneratedRegex(@"^(?<minor>\d+\.\d+)\.(?<patch>\d+)-(?<date>\d{8})$")] private static partial Regex ReleasePattern();
}

/// <summary>The EKS managed add-ons every cluster gets, in the order they are installed around the node group.</summary>
public static class EksAddons
{
    /// <summary>Installed before the nodes (networking).</summary>
    public static readonly IReadOnlyList<string> BeforeNodes = ["vpc-cni", "kube-proxy"];

    /// <summary>Installed after the nodes (workloads that need a node to become ACTIVE).</summary>
    public static readonly IReadOnlyList<string> AfterNodes = ["coredns", "eks-pod-identity-agent"];

    public static IReadOnlyList<string> All => [.. BeforeNodes, .. AfterNodes];
}
