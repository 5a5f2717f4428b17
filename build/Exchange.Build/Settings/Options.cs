namespace Exchange.Build.Settings;

/// <summary>
/// One option of <c>./build.sh</c>: <c>--name=VALUE</c> (or <c>--name VALUE</c>), or a switch (<c>--name</c>,
/// <c>--name=true|false</c>) when <see cref="Value"/> is null. <see cref="Default"/> is what applies without it.
/// </summary>
public sealed record Option(string Name, string? Value, string Default, string Help, string? Alias = null)
{
    public bool IsSwitch => Value is null;

    /// <summary>How --help writes it: <c>--account=ID</c>, <c>-e, --exclusive</c>.</summary>
    public string Usage => (Alias is null ? "" : $"-{Alias}, ") + $"--{Name}" + (Value is null ? "" : $"={Value}");
}

/// <summary>Every option the build accepts, with its default and a one-line help (the README's Configuration table has more).</summary>
public static class Options
{
    public static readonly IReadOnlyList<Option> All =
    [
        new(ArgumentNames.Target, "NAME", "Default", "the target to run (./build.sh --help lists them)", "t"),
        new(ArgumentNames.Account, "ID", EnvVars.Account, "the 12-digit AWS account the environment lives in; AWS targets need it"),
        new(ArgumentNames.Env, "NAME", "dev", "the environment (src/Exchange.Contracts/Environments.cs)"),
        new(ArgumentNames.EngineDir, "PATH", "../future-engine", "the engine sources, with Dockerfile.shard"),
        new(ArgumentNames.BackendDir, "PATH", "../future-backend", "the backend sources, with Dockerfile"),
        new(ArgumentNames.CheckerDir, "PATH", "this repository", "the connectivity checker's build context (src/Exchange.Checker/Dockerfile in it)"),
        new(ArgumentNames.Artifacts, "DIR", $"{EnvVars.ArtifactsDir}, else artifacts/<env>", "where run artefacts go"),
        new(ArgumentNames.ImageTag, "TAG", "derived from the sources", "one immutable tag for both images (latest is refused)"),
        new(ArgumentNames.EksAdmins, "PRINCIPALS", $"{EnvVars.EksAdmins}, else the environment's EksConfig.AdminPrincipals",
            "who gets cluster-admin (role/PATH/NAME,...); the deploying identity is added for its run"),
        new(ArgumentNames.EksViewers, "PRINCIPALS", $"{EnvVars.EksViewers}, else the environment's EksConfig.ViewPrincipals",
            "who gets read-only cluster access (role/PATH/NAME,...)"),
        new(ArgumentNames.RetiredAdminPrincipal, "ARN", "none", $"retired (refused): use --{ArgumentNames.EksAdmins} or EksConfig.AdminPrincipals"),
        new(ArgumentNames.ClusterAccess, "PATH", $"{EnvVars.ClusterAccess}, else tunnel (direct with public CIDRs)",
            "how kubectl reaches the EKS API: tunnel (SSM, via the jump instance) or direct (the public endpoint)"),
        new(ArgumentNames.EksPublicCidrs, "CIDRS", $"{EnvVars.EksPublicCidrs}, else the environment's (dev: none)",
            "who reaches the EKS API from the internet (203.0.113.0/24,...), or private"),
        new(ArgumentNames.BackendPublicCidrs, "CIDRS", $"{EnvVars.BackendPublicCidrs}, else the environment's (dev: none)",
            "who the backend's load balancer admits (203.0.113.0/24,...), or private"),
        new(ArgumentNames.SkipBootstrap, null, "off", "DeployDev without Bootstrap"),
        new(ArgumentNames.SkipInfra, null, "off", "DeployDev without DeployInfra"),
        new(ArgumentNames.SkipImages, null, "off", "DeployDev without BuildImages and PushImages (no source checkouts needed)"),
        new(ArgumentNames.SkipVerify, null, "off", "DeployDev without Verify"),
        new(ArgumentNames.VerifyTimeout, "DURATION", "5m", "deadline of Verify's rollouts (300, 300s, 5m)"),
        new(ArgumentNames.WaitTimeout, "DURATION", "20m (Upgrade: 60m a step)", "how long Pause, Resume, DestroyDev and each Upgrade step wait for AWS"),
        new(ArgumentNames.CdkConcurrency, "N", "4", "stacks cdk deploy deploys at once (1-10)"),
        new(ArgumentNames.ForceDeploy, null, "off", "DeployInfra: run cdk deploy even when the stacks were last deployed from this assembly"),
        new(ArgumentNames.Confirm, null, "off (on in CI)", "DestroyDev: yes, delete every stack"),
        new(ArgumentNames.Deep, null, "off", "Pause: also remove the EKS stack"),
        new(ArgumentNames.Until, "HH:mm", "none", "Resume: stay up until then (Asia/Seoul), skipping the sleeps before"),
        new(ArgumentNames.To, "MINOR", "the configured Kubernetes version", "Upgrade (and Plan): the Kubernetes minor version to move to (1.36)"),
        new(ArgumentNames.BaseAssembly, "DIR", "none", "CostDiff: the base branch's cloud assembly"),
        new(ArgumentNames.CostThreshold, "USD", "none", "CostDiff: fail when the running cost rises by more"),
        new(ArgumentNames.PullRequest, "N", "none", "DeployPreview, DestroyPreview: the pull request's preview (namespace exchange-<env>-pr-N)"),
        new(ArgumentNames.Preview, "NAME", "none", "DeployPreview, DestroyPreview: a named preview instead (lower-case, digits, hyphens)"),
        new(ArgumentNames.PreviewCap, "N", $"{Exchange.Contracts.Previews.DefaultCap}",
            $"DeployPreview: how many previews may exist at once (1-{Exchange.Contracts.Previews.MaxSlots})"),
        new(ArgumentNames.Json, null, "off", "one JSON document on stdout, the log on stderr (Status, Cost, Plan, Doctor, Permissions)"),
        new(ArgumentNames.Exclusive, null, "off", "run the target alone, without the targets it depends on", "e"),
        new(ArgumentNames.DryRun, null, "off", "list the steps the target would run, in order, and run none"),
        new(ArgumentNames.Tree, null, "off", "draw the dependencies of --target, or of every target"),
        new(ArgumentNames.Description, null, "off", "list the targets, one line each"),
        new(ArgumentNames.Verbosity, "LEVEL", "normal", "quiet, minimal, normal, verbose or diagnostic", "v"),
        new(ArgumentNames.Help, null, "off", "this help; with --target=NAME, what that target does", "h"),
        new(ArgumentNames.Version, null, "off", "this project's version, Cake's and the pinned CDK CLI's"),
    ];

    /// <summary>Options every target reads (the others are listed per target in the registry).</summary>
    public static readonly IReadOnlySet<string> Common = new HashSet<string>(StringComparer.Ordinal)
    {
        ArgumentNames.Target, ArgumentNames.Env, ArgumentNames.Account, ArgumentNames.Artifacts, ArgumentNames.Exclusive,
        ArgumentNames.DryRun, ArgumentNames.Tree, ArgumentNames.Description, ArgumentNames.Verbosity, ArgumentNames.Help,
        ArgumentNames.Version,
    };

    /// <summary>The options --help shows first (the rest are listed per target by <c>--help --target=NAME</c>).</summary>
    public static readonly IReadOnlyList<string> Shown =
    [
        ArgumentNames.Target, ArgumentNames.Account, ArgumentNames.Env, ArgumentNames.EngineDir, ArgumentNames.BackendDir,
        ArgumentNames.Artifacts, ArgumentNames.Exclusive, ArgumentNames.DryRun, ArgumentNames.Json, ArgumentNames.Verbosity,
        ArgumentNames.Help, ArgumentNames.Version,
    ];

    public static Option Get(string name) => All.Single(o => o.Name == name);

    public static Option? Find(string name) =>
        All.FirstOrDefault(o => string.Equals(o.Name, name, StringComparison.OrdinalIgnoreCase) || o.Alias == name);
}
