using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Exchange.Contracts;

/// <summary>What an access entry lets a principal do on the cluster: one EKS access policy, cluster-wide.</summary>
public enum ClusterAccessLevel
{
    /// <summary>AmazonEKSClusterAdminPolicy: everything (deploys, Pause/Resume, DestroyDev's drain).</summary>
    Admin,
    /// <summary>AmazonEKSViewPolicy: read most objects (not Secrets): Status, kubectl get/logs.</summary>
    View,
}

/// <summary>
/// Who gets an EKS access entry (<see cref="EksConfig.AdminPrincipals"/>, <see cref="EksConfig.ViewPrincipals"/>): IAM roles and
/// users, written relative to the account (<c>role/NAME</c>, <c>role/PATH/NAME</c>, <c>user/NAME</c>; the account comes from
/// --account) or as full ARNs. EKS matches an entry by the principal's real ARN, path included (an SSO role lives under
/// <c>role/aws-reserved/sso.amazonaws.com/REGION/</c>). One parser for the CDK context and the pipeline's options.
/// </summary>
public static partial class ClusterPrincipals
{
    /// <summary>The value that means "nobody" in the options and context keys.</summary>
    public const string None = "none";

    /// <summary>The logical ID a principal's entry had before the list existed (one admin): kept for that principal (see README).</summary>
    public const string LegacyLogicalId = "AdminAccessEntry";

    public static string PolicyName(ClusterAccessLevel level) => level switch
    {
        ClusterAccessLevel.Admin => "AmazonEKSClusterAdminPolicy",
        _ => "AmazonEKSViewPolicy",
    };

    /// <summary>The level an associated access policy gives (by its ARN or name), or null for another policy.</summary>
    public static ClusterAccessLevel? LevelOf(string policyArn) =>
        Enum.GetValues<ClusterAccessLevel>().Cast<ClusterAccessLevel?>()
            .FirstOrDefault(l => policyArn.EndsWith("/" + PolicyName(l!.Value), StringComparison.Ordinal) || policyArn == PolicyName(l!.Value));

    /// <summary>A comma-separated list (<c>role/team/Dev,user/ci</c>) or <see cref="None"/>; a FormatException names <paramref name="source"/>.</summary>
    public static IReadOnlyList<string> Parse(string text, string source)
    {
        var trimmed = text.Trim();
        if (trimmed.Equals(None, StringComparison.OrdinalIgnoreCase)) return [];
        var entries = trimmed.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (entries.Length == 0) throw new FormatException($"{source} is empty: list IAM roles or users (e.g. role/team/Developers) or say '{None}'.");
        var problems = entries.Select(Problem).OfType<string>().ToArray();
        if (problems.Length > 0) throw new FormatException($"{source}: {string.Join("; ", problems)}.");
        return entries.Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Why <paramref name="entry"/> is not a principal an access entry takes, or null when it is one.</summary>
    public static string? Problem(string entry)
    {
        if (entry.StartsWith("arn:", StringComparison.Ordinal) && entry.Contains(":assumed-role/", StringComparison.Ordinal))
            return $"'{entry}' is an STS session, which EKS access entries reject: write the role (role/PATH/NAME; " +
                   $"`aws iam get-role --role-name {entry.Split('/')[1]} --query Role.Arn --output text` prints it)";
        return Relative().IsMatch(entry) || FullArn().IsMatch(entry)
            ? null
            : $"'{entry}' is not an IAM role or user: write role/NAME, role/PATH/NAME, user/NAME or arn:aws:iam::123456789012:role/NAME";
    }

    /// <summary>Every problem of two lists at once: malformed entries, and a principal listed twice (in one list or both).</summary>
    public static IReadOnlyList<string> Problems(IReadOnlyList<string> admins, IReadOnlyList<string> viewers, string? account)
    {
        var problems = admins.Concat(viewers).Select(Problem).OfType<string>().ToList();
        if (problems.Count > 0) return problems;
        problems.AddRange(admins.Concat(viewers).GroupBy(e => Key(e, account), StringComparer.Ordinal).Where(g => g.Count() > 1)
            .Select(g => $"{string.Join(" and ", g.Select(e => $"'{e}'"))} name one principal: list it once (admins win over viewers)"));
        return problems;
    }

    /// <summary>The full ARN (<paramref name="account"/> for an entry relative to the account; null leaves it to the caller).</summary>
    public static string Arn(string entry, string account, string partition = "aws") =>
        entry.StartsWith("arn:", StringComparison.Ordinal) ? entry : $"arn:{partition}:iam::{account}:{entry}";

    /// <summary>
    /// The principal's identity: its resource part (<c>role/PATH/NAME</c>) when it is in <paramref name="account"/> (or written
    /// relative to it), else account and resource. Two entries with one key name one principal.
    /// </summary>
    public static string Key(string entry, string? account)
    {
        if (!entry.StartsWith("arn:", StringComparison.Ordinal)) return entry;
        var parts = entry.Split(':', 6);
        return account is not null && parts[4] == account ? parts[5] : $"{parts[4]}:{parts[5]}";
    }

    /// <summary>The role or user name (the last path segment). IAM names are unique in an account, whatever the path.</summary>
    public static string Name(string entry) => entry.Split('/').Last();

    /// <summary>
    /// The logical ID of the principal's access entry: it depends only on the principal (its <see cref="Key"/>), so adding or
    /// removing another principal changes nothing else, and one principal never gets two entries (CloudFormation creates a
    /// new resource before it deletes an old one, and EKS refuses a second entry for a principal).
    /// </summary>
    public static string LogicalId(string key)
    {
        var name = new string(Name(key).Where(char.IsAsciiLetterOrDigit).ToArray());
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..8];
        return "AccessEntry" + (name.Length > 60 ? name[..60] : name) + hash;
    }

    [GeneratedRegex(@"^(role|user)(/[\w+=,.@-]+)+$")] private static partial Regex Relative();
    [GeneratedRegex(@"^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)(/[\w+=,.@-]+)+$")] private static partial Regex FullArn();
}
