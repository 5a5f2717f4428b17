using System.Text.RegularExpressions;

namespace Exchange.Contracts;

/// <summary>The CPU architecture of the EKS nodes, and what follows from it: the node AMI type and the image platform.</summary>
public enum NodeArchitecture { X86_64, Arm64 }

/// <summary>
/// The one definition of which architecture an instance type runs. The CDK app picks the node group's
/// AMI type from it and the pipeline builds the images for its platform, so images built on an
/// Apple-Silicon laptop still run on x86_64 nodes (and the other way round).
/// </summary>
public static partial class NodePlatform
{
    /// <summary>
    /// Graviton types are the first-generation a1 family and every type whose attributes after the
    /// generation contain "g" (t4g, m7g, c7gn, r8gd, im4gn, is4gen); the rule EC2's names follow and
    /// CDK's <c>InstanceType.architecture</c> applies.
    /// </summary>
    public static NodeArchitecture ArchitectureOf(string instanceType)
    {
        var match = InstanceTypeName().Match(instanceType);
        if (!match.Success)
        {
            throw new ArgumentException($"'{instanceType}' is not an EC2 instance type (family, generation, attributes, size: e.g. t3.medium).",
                nameof(instanceType));
        }

        return match.Groups["family"].Value == "a" || match.Groups["attributes"].Value.Contains('g') ? NodeArchitecture.Arm64 : NodeArchitecture.X86_64;
    }

    /// <summary>The single architecture of a node group's instance types; mixed architectures are an error (one AMI type per group).</summary>
    public static NodeArchitecture ArchitectureOf(IReadOnlyList<string> instanceTypes)
    {
        var architectures = instanceTypes.Select(ArchitectureOf).Distinct().ToArray();
        return architectures.Length == 1
            ? architectures[0]
            : throw new ArgumentException($"Node instance types {string.Join(", ", instanceTypes)} mix CPU architectures; a node group has one AMI type. " +
                                          "Use only x86_64 types (t3, t3a, m7i...) or only Graviton types (t4g, m7g...).", nameof(instanceTypes));
    }

    /// <summary>The EKS managed node group AMI type (Amazon Linux 2023).</summary>
    public static string AmiType(this NodeArchitecture architecture) =>
        architecture == NodeArchitecture.Arm64 ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD";

    /// <summary>The OCI platform images must be built for (<c>docker build --platform</c>).</summary>
    public static string ImagePlatform(this NodeArchitecture architecture) =>
        architecture == NodeArchitecture.Arm64 ? "linux/arm64" : "linux/amd64";

    [GeneratedRegex(@"^(?<family>[a-z]+)(?<generation>\d+)(?<attributes>[a-z-]*)\.[a-z0-9-]+$")]
    private static partial Regex InstanceTypeName();
}
