namespace Exchange.Build.Settings;

/// <summary>Every command-line argument (<c>--name=value</c>) the build accepts.</summary>
public static class ArgumentNames
{
    public const string Target = "target";
    public const string Env = "env";
    public const string EngineDir = "engine-dir";
    public const string BackendDir = "backend-dir";
    /// <summary>The connectivity checker's build context (default: this repository; the tests point it at a fixture).</summary>
    public const string CheckerDir = "checker-dir";
    public const string ImageTag = "image-tag";
    public const string Account = "account";
    /// <summary>Retired (one cluster admin): refused with the access list to use instead (EksConfig.AdminPrincipals, --eks-admins).</summary>
    public const string RetiredAdminPrincipal = "admin-principal";
    public const string Artifacts = "artifacts";
    public const string SkipBootstrap = "skip-bootstrap";
    public const string SkipInfra = "skip-infra";
    public const string SkipImages = "skip-images";
    public const string SkipVerify = "skip-verify";
    public const string VerifyTimeout = "verify-timeout";
    public const string WaitTimeout = "wait-timeout";
    public const string CdkConcurrency = "cdk-concurrency";
    /// <summary>DeployInfra runs cdk deploy even when the assembly recorded as deployed is this run's.</summary>
    public const string ForceDeploy = "force-deploy";
    public const string Confirm = "confirm";
    public const string Deep = "deep";
    public const string EksPublicCidrs = "eks-public-cidrs";
    /// <summary>How kubectl reaches the cluster API: tunnel (SSM port forwarding through the jump instance) or direct (the public CIDRs).</summary>
    public const string ClusterAccess = "cluster-access";
    /// <summary>Replaces the environment's cluster admins (EksConfig.AdminPrincipals) for this run.</summary>
    public const string EksAdmins = "eks-admins";
    /// <summary>Replaces the environment's read-only principals (EksConfig.ViewPrincipals) for this run.</summary>
    public const string EksViewers = "eks-viewers";
    /// <summary>Who the backend's load balancer admits: IPv4 CIDRs, or "private" for nobody from outside.</summary>
    public const string BackendPublicCidrs = "backend-public-cidrs";
    /// <summary>Resume: stay up until this local time (HH:mm, or yyyy-MM-ddTHH:mm) in the sleep schedule's zone, skipping the sleep before it.</summary>
    public const string Until = "until";
    /// <summary>Upgrade (and Plan): the Kubernetes minor version to move the cluster to (default: the configured one).</summary>
    public const string To = "to";
    /// <summary>CostDiff: the base branch's cloud assembly (its artifacts/&lt;env&gt;/cdk.out).</summary>
    public const string BaseAssembly = "base-assembly";
    /// <summary>CostDiff: fail when the running monthly cost rises by more than this many USD.</summary>
    public const string CostThreshold = "cost-threshold";
    /// <summary>DeployPreview, DestroyPreview: the pull request whose preview it is.</summary>
    public const string PullRequest = "pr";
    /// <summary>DeployPreview, DestroyPreview: a developer's named preview (instead of --pr).</summary>
    public const string Preview = "preview";
    /// <summary>DeployPreview: how many previews may exist at once.</summary>
    public const string PreviewCap = "preview-cap";
    /// <summary>Status, Cost, Plan, Doctor, Permissions: one JSON document on stdout, the log on stderr.</summary>
    public const string Json = "json";

    // How a run runs (read by the entry point, not by the settings).
    public const string Exclusive = "exclusive";
    public const string DryRun = "dryrun";
    public const string Tree = "tree";
    public const string Description = "description";
    public const string Verbosity = "verbosity";
    public const string Help = "help";
    public const string Version = "version";

    /// <summary>Every name above.</summary>
    public static IReadOnlySet<string> All { get; } = typeof(ArgumentNames)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToHashSet(StringComparer.OrdinalIgnoreCase);
}
