namespace Exchange.Contracts;

/// <summary>CDK context keys (<c>cdk synth -c KEY=VALUE</c>) the app reads at its entry point and the pipeline passes.</summary>
public static class ContextKeys
{
    /// <summary>Environment name (<see cref="Environments"/>); default dev.</summary>
    public const string Env = "env";
    /// <summary>Account id to pin the stacks to; absent means environment-agnostic (the credentials' account).</summary>
    public const string Account = "account";
    /// <summary>IAM role/user ARN that gets cluster-admin through an EKS access entry; absent means none.</summary>
    public const string AdminPrincipalArn = "adminPrincipalArn";
    /// <summary>Overrides the environment's NAT choice: "gateway" or "instance".</summary>
    public const string Nat = "nat";
    /// <summary>Overrides the environment's EKS public endpoint CIDRs: comma-separated IPv4 CIDRs, or "private".</summary>
    public const string EksPublicAccessCidrs = "eksPublicAccessCidrs";
    /// <summary>Overrides the environment's control-plane Kubernetes version (the Upgrade target's staged deploys).</summary>
    public const string KubernetesVersion = "kubernetesVersion";
    /// <summary>Overrides the environment's node AMI release version (the Upgrade target's staged deploys).</summary>
    public const string NodeReleaseVersion = "nodeReleaseVersion";
}
