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
    /// <summary>Overrides who the backend's load balancer admits: comma-separated IPv4 CIDRs, or "private" (nobody from outside).</summary>
    public const string BackendPublicCidrs = "backendPublicCidrs";
    /// <summary>Overrides whether the Eks stack has the backend's load balancer: "true" or "false".</summary>
    public const string BackendLoadBalancer = "backendLoadBalancer";
}
