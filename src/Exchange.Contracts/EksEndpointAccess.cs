using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Exchange.Contracts;

/// <summary>
/// Who reaches the EKS API endpoint from the internet (<see cref="EksConfig.PublicAccessCidrs"/>):
/// IPv4 CIDRs, typically the team's office and VPN ranges. No CIDRs means no public endpoint at all
/// (private only: reachable from inside the VPC). <c>0.0.0.0/0</c> is accepted only because someone
/// wrote it; Doctor warns about it. Private access is always on, so the nodes reach the API inside the VPC.
/// One parser for the CDK context (<c>-c eksPublicAccessCidrs=...</c>) and the pipeline's option.
/// </summary>
public static class EksEndpointAccess
{
    public const string Anywhere = "0.0.0.0/0";

    /// <summary>The value that means "no public endpoint" in the context key and the option.</summary>
    public const string PrivateOnly = "private";

    /// <summary>
    /// Parses a comma-separated list of IPv4 CIDRs (<c>203.0.113.0/24,198.51.100.7/32</c>), or
    /// <see cref="PrivateOnly"/>. Throws <see cref="FormatException"/> naming <paramref name="source"/> and
    /// what to pass instead.
    /// </summary>
    public static IReadOnlyList<string> Parse(string text, string source)
    {
        var trimmed = text.Trim();
        if (trimmed.Equals(PrivateOnly, StringComparison.OrdinalIgnoreCase)) return [];
        var entries = trimmed.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (entries.Length == 0)
        {
            throw new FormatException($"{source} is empty: list IPv4 CIDRs (e.g. 203.0.113.0/24,198.51.100.7/32) or say '{PrivateOnly}'.");
        }

        var problems = entries.Select(Problem).OfType<string>().ToArray();
        if (problems.Length > 0)
        {
            throw new FormatException($"{source}: {string.Join("; ", problems)}.");
        }

        return entries.Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Why <paramref name="cidr"/> is not an IPv4 network in canonical form, or null when it is one.</summary>
    public static string? Problem(string cidr)
    {
        var parts = cidr.Split('/');
        if (parts.Length != 2 || !IPAddress.TryParse(parts[0], out var address) || address.AddressFamily != AddressFamily.InterNetwork
            || parts[0].Count(c => c == '.') != 3
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix > 32)
        {
            return $"'{cidr}' is not an IPv4 CIDR like 203.0.113.0/24 (a single address is /32)";
        }

        var bits = BitConverter.ToUInt32(address.GetAddressBytes().Reverse().ToArray());
        var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
        if ((bits & mask) != bits)
        {
            var network = new IPAddress(BitConverter.GetBytes(bits & mask).Reverse().ToArray());
            return $"'{cidr}' has host bits set: write {network}/{prefix}";
        }

        return null;
    }

    public static bool IsOpenToAnywhere(IReadOnlyList<string> cidrs) => cidrs.Contains(Anywhere);

    /// <summary>The value to pass as context or option for <paramref name="cidrs"/>.</summary>
    public static string Format(IReadOnlyList<string> cidrs) => cidrs.Count == 0 ? PrivateOnly : string.Join(",", cidrs);

    /// <summary>One line for people: what the endpoint admits.</summary>
    public static string Describe(IReadOnlyList<string> cidrs) => cidrs.Count == 0
        ? "private only: no public endpoint (reach it from inside the VPC)"
        : IsOpenToAnywhere(cidrs)
            ? $"public from ANYWHERE ({Anywhere}), and private"
            : $"public from {string.Join(", ", cidrs)} only, and private";
}
