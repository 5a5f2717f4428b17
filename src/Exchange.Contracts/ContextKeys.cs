namespace Exchange.Contracts;

/// <summary>CDK context keys (<c>cdk synth -c KEY=VALUE</c>) the app reads at its entry point and the pipeline passes.</summary>
public static class ContextKeys
{
    /// <summary>Environment name (<see cref="Environments"/>); default dev.</summary>
    public const string Env = "env";
    /// <summary>Account id to pin the stacks to; absent means environment-agnostic (the credentials' account).</summary>
    public const string Account = "account";
    /// <summary>Overrides the environment's cluster admins (EksConfig.AdminPrincipals): comma-separated, or "none".</summary>
    public const string EksAdmins = "eksAdmins";
    /// <summary>Overrides the environment's read-only principals (EksConfig.ViewPrincipals): comma-separated, or "none".</summary>
    public const string EksViewers = "eksViewers";
    /// <summary>The deploying identity's role or user ARN, added as a cluster admin for this deploy when the lists do not name it.</summary>
    public const string EksDeployer = "eksDeployer";
    /// <summary>The principal whose entry keeps the logical ID AdminAccessEntry (a cluster deployed before the access list).</summary>
    public const string EksLegacyAdminEntry = "eksLegacyAdminEntry";
    /// <summary>Retired: one admin principal. Replaced by <see cref="EksAdmins"/> (and EksConfig.AdminPrincipals); refused with that hint.</summary>
    public const string RetiredAdminPrincipalArn = "adminPrincipalArn";
    /// <summary>Overrides the environment's NAT choice: "gateway" or "instance".</summary>
    public const string Nat = "nat";
    /// <summary>Overrides the environment's EKS public endpoint CIDRs: comma-separated IPv4 CIDRs, or "private".</summary>
    public const string EksPublicAccessCidrs = "eksPublicAccessCidrs";
    /// <summary>Overrides the environment's control-plane Kubernetes version (the Upgrade target's staged deploys).</summary>
    public const string KubernetesVersion = "kubernetesVersion";
    /// <summary>Overrides the environment's node AMI release version (the Upgrade target's staged deploys).</summary>
    public const string NodeReleaseVersion = "nodeReleaseVersion";
    /// <summary>Overrides who the backend's load balancer admits: comma-separated IPv4 CIDRs, or "private" (nobody from outside).</summary>
    public const string BackendPublicCidrs = "backendPublicCidrs";
    /// <summary>Overrides whether the Eks stack has the backend's load balancer: "true" or "false".</summary>
    public const string BackendLoadBalancer = "backendLoadBalancer";
}
