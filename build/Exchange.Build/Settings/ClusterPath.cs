using Exchange.Contracts;

namespace Exchange.Build.Settings;

/// <summary>How the pipeline's kubectl reaches the EKS API endpoint.</summary>
public enum ClusterPath
{
    /// <summary>
    /// The private endpoint, through an SSM port-forwarding session (AWS-StartPortForwardingSessionToRemoteHost) via the VPC
    /// stack's jump instance (the NAT instance): nothing public, only AWS credentials, the aws CLI and the Session Manager plugin.
    /// </summary>
    Tunnel,

    /// <summary>The public endpoint, which admits the configured CIDRs (offices, VPNs).</summary>
    Direct,
}

public static class ClusterPaths
{
    public const string TunnelName = "tunnel";
    public const string DirectName = "direct";

    public static string Name(ClusterPath path) => path == ClusterPath.Tunnel ? TunnelName : DirectName;

    /// <summary>The default: the tunnel unless the endpoint is public for listed CIDRs (which then are the way in).</summary>
    public static ClusterPath Default(IReadOnlyList<string> publicCidrs) => publicCidrs.Count > 0 ? ClusterPath.Direct : ClusterPath.Tunnel;

    /// <summary>One line for people: how kubectl gets to the API.</summary>
    public static string Describe(ClusterPath path, IReadOnlyList<string> publicCidrs) => path == ClusterPath.Tunnel
        ? "through an SSM tunnel (port forwarding via the jump instance, the VPC stack's JumpInstanceId output) to the private endpoint"
        : $"directly to the public endpoint, which admits {string.Join(", ", publicCidrs)}";
}
