namespace Exchange.Build.Settings;

/// <summary>Every command-line argument (<c>--name=value</c>) the build accepts.</summary>
public static class ArgumentNames
{
    public const string Target = "target";
    public const string Env = "env";
    public const string EngineDir = "engine-dir";
    public const string BackendDir = "backend-dir";
    public const string ImageTag = "image-tag";
    public const string Account = "account";
    public const string AdminPrincipal = "admin-principal";
    public const string Artifacts = "artifacts";
    public const string SkipBootstrap = "skip-bootstrap";
    public const string SkipInfra = "skip-infra";
    public const string SkipImages = "skip-images";
    public const string SkipVerify = "skip-verify";
    public const string VerifyTimeout = "verify-timeout";
    public const string WaitTimeout = "wait-timeout";
    public const string CdkConcurrency = "cdk-concurrency";
    public const string Confirm = "confirm";
    public const string Deep = "deep";
    public const string EksPublicCidrs = "eks-public-cidrs";
    /// <summary>Who the backend's load balancer admits: IPv4 CIDRs, or "private" for nobody from outside.</summary>
    public const string BackendPublicCidrs = "backend-public-cidrs";
    /// <summary>Resume: stay up until this local time (HH:mm, or yyyy-MM-ddTHH:mm) in the sleep schedule's zone, skipping the sleep before it.</summary>
    public const string Until = "until";
    /// <summary>CostDiff: the base branch's cloud assembly (its artifacts/&lt;env&gt;/cdk.out).</summary>
    public const string BaseAssembly = "base-assembly";
    /// <summary>CostDiff: fail when the running monthly cost rises by more than this many USD.</summary>
    public const string CostThreshold = "cost-threshold";

    /// <summary>Every name above (Cake consumes its own options, --exclusive and the like, before we see them).</summary>
    public static IReadOnlySet<string> All { get; } = typeof(ArgumentNames)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToHashSet(StringComparer.OrdinalIgnoreCase);
}
