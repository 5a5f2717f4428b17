using System.Text.RegularExpressions;
using Exchange.Build.Pipeline;
using Exchange.Contracts;

namespace Exchange.Build.Settings;

/// <summary>Everything a run needs to know, resolved once from arguments and environment.</summary>
public sealed partial record PipelineSettings
{
    public required EnvironmentConfig Environment { get; init; }
    public required string RepoRoot { get; init; }
    public required string ArtifactsDir { get; init; }
    public required string CdkOutDir { get; init; }
    public required string EngineDir { get; init; }
    public required string BackendDir { get; init; }
    /// <summary>The connectivity checker's build context: this repository (its Dockerfile needs src/Exchange.Contracts too).</summary>
    public required string CheckerDir { get; init; }
    public string? ImageTag { get; init; }
    public string? Account { get; init; }
    /// <summary>
    /// --eks-public-cidrs / EXCHANGE_EKS_PUBLIC_CIDRS when given (already applied to <see cref="Environment"/>); null keeps the environment's list.
    /// </summary>
    public IReadOnlyList<string>? EksPublicCidrsOverride { get; init; }
    /// <summary>--eks-admins / EXCHANGE_EKS_ADMINS when given (already applied to <see cref="Environment"/>); null keeps the environment's list.</summary>
    public IReadOnlyList<string>? EksAdminsOverride { get; init; }
    /// <summary>--eks-viewers / EXCHANGE_EKS_VIEWERS when given (already applied to <see cref="Environment"/>).</summary>
    public IReadOnlyList<string>? EksViewersOverride { get; init; }
    /// <summary>How kubectl reaches the cluster API (--cluster-access; default: the tunnel unless public CIDRs are configured).</summary>
    public ClusterPath ClusterPath { get; init; } = ClusterPath.Tunnel;
    /// <summary>
    /// --backend-public-cidrs / EXCHANGE_BACKEND_PUBLIC_CIDRS when given (already applied to <see cref="Environment"/>); null keeps the environment's list.
    /// </summary>
    public IReadOnlyList<string>? BackendPublicCidrsOverride { get; init; }
    public string? AwsProfile { get; init; }
    public string? AwsRegionVariable { get; init; }
    public bool SkipBootstrap { get; init; }
    public bool SkipInfra { get; init; }
    public bool SkipImages { get; init; }
    public bool SkipVerify { get; init; }
    /// <summary>--force-deploy: cdk deploy runs although the record says the stacks were last deployed from this run's assembly.</summary>
    public bool ForceDeploy { get; init; }
    public bool Confirm { get; init; }
    public bool Deep { get; init; }
    public bool IsCi { get; init; }
    /// <summary>Resume --until, as typed (validated); <see cref="Operations.WakeRequest"/> resolves it against the schedule and the clock.</summary>
    public string? Until { get; init; }
    public string? BaseAssemblyDir { get; init; }
    public decimal? CostThreshold { get; init; }
    public string? StepSummaryFile { get; init; }
    public DateTimeOffset? FixedNow { get; init; }
    public TimeSpan VerifyTimeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>How long Pause, Resume and DestroyDev wait for AWS to reach the state they asked for.</summary>
    public TimeSpan WaitTimeout { get; init; } = TimeSpan.FromMinutes(20);
    /// <summary>Upgrade --to: the Kubernetes minor version to move to; null means the configured one.</summary>
    public string? UpgradeTo { get; init; }
    /// <summary>How long each Upgrade step waits (--wait-timeout when given; a control plane or a rolling node update takes tens of minutes).</summary>
    public TimeSpan UpgradeStepTimeout { get; init; } = TimeSpan.FromMinutes(60);
    public int CdkConcurrency { get; init; } = 4;
    /// <summary>--pr or --preview: the preview DeployPreview/DestroyPreview act on (validated), or null.</summary>
    public PreviewName? Preview { get; init; }
    public int PreviewCap { get; init; } = Previews.DefaultCap;
    /// <summary>Who a preview deployed by this run belongs to (GITHUB_ACTOR, else USER).</summary>
    public string Owner { get; init; } = "unknown";

    public string Region => Environment.Region;
    public EnvironmentNames Names => Environment.Names;
    public string InfraDir => Path.Combine(RepoRoot, "infra");
    public string OverlayDir => Path.Combine(RepoRoot, "k8s", "overlays", $"aws-{Environment.EnvName}");
    public string OverlaysRoot => Path.Combine(RepoRoot, "k8s", "overlays");
    public string OutputsFile => Path.Combine(ArtifactsDir, "cdk-outputs.json");
    /// <summary>What BuildImages built and PushImages pushed; a preview's run keeps its own (shared under its own name), never the main one.</summary>
    public string ImagesFile => Path.Combine(ArtifactsDir, Preview is null ? "images.json" : $"images-{Preview.Id}.json");
    public string PauseFile => Path.Combine(ArtifactsDir, "pause.json");
    /// <summary>What this machine last found attached to the backend load balancer's target group (DeployInfra skips the check when unchanged).</summary>
    public string BackendTargetsFile => Path.Combine(ArtifactsDir, "backend-targets.json");
    /// <summary>The IAM role ARNs (path included) this machine looked up for assumed-role sessions: account/name to ARN.</summary>
    public string RolesFile => Path.Combine(ArtifactsDir, "iam-roles.json");
    /// <summary>The deploy role's IAM policy (the Permissions target).</summary>
    public string PolicyFile => Path.Combine(ArtifactsDir, "deploy-policy.json");
    /// <summary>What an administrator needs to bootstrap the account once (the Permissions target).</summary>
    public string BootstrapPolicyFile => Path.Combine(ArtifactsDir, "bootstrap-policy.json");
    public string EngineDockerfile => Path.Combine(EngineDir, "Dockerfile.shard");
    public string BackendDockerfile => Path.Combine(BackendDir, "Dockerfile");
    public string CheckerDockerfile => Path.Combine(CheckerDir, CheckerDockerfileInRepository);
    /// <summary>Where the checker's Dockerfile lives in its build context (the repository root).</summary>
    public const string CheckerDockerfileInRepository = "src/Exchange.Checker/Dockerfile";
    /// <summary>The connectivity check Job's kustomization (Verify renders it with the pushed image, in the environment's namespace).</summary>
    public string CheckerJobDir => Path.Combine(RepoRoot, "k8s", "checker");
    /// <summary>Verify's last result and when it ran (Status shows it).</summary>
    public string VerifyFile => Path.Combine(ArtifactsDir, "verify.json");

    public static PipelineSettings From(IBuildInputs inputs, string repoRoot)
    {
        var errors = new List<string>();
        EnvironmentConfig environment;
        try { environment = Environments.Get(inputs.Argument(ArgumentNames.Env)); }
        catch (UnknownEnvironmentException e)
        {
            throw new SettingsException([e.Message + Cli.Suggestions.DidYouMean(inputs.Argument(ArgumentNames.Env) ?? "", Environments.KnownNames,
                $"--{ArgumentNames.Env}=")]);
        }
        var cidrs = EksPublicCidrsOrNull(inputs.Argument(ArgumentNames.EksPublicCidrs) ?? inputs.Environment(EnvVars.EksPublicCidrs), errors);
        if (cidrs is not null) environment = environment.With(environment.Of<EksConfig>() with { PublicAccessCidrs = cidrs });
        var admins = PrincipalsOrNull(ArgumentNames.EksAdmins, inputs.Argument(ArgumentNames.EksAdmins) ?? inputs.Environment(EnvVars.EksAdmins), errors);
        var viewers = PrincipalsOrNull(ArgumentNames.EksViewers, inputs.Argument(ArgumentNames.EksViewers) ?? inputs.Environment(EnvVars.EksViewers), errors);
        var eks = environment.Of<EksConfig>();
        environment = environment.With(eks with { AdminPrincipals = admins ?? eks.AdminPrincipals, ViewPrincipals = viewers ?? eks.ViewPrincipals });
        if (inputs.Argument(ArgumentNames.RetiredAdminPrincipal) is not null || !string.IsNullOrWhiteSpace(inputs.Environment(EnvVars.RetiredAdminPrincipal)))
            errors.Add($"--{ArgumentNames.RetiredAdminPrincipal} (and {EnvVars.RetiredAdminPrincipal}) were replaced by the cluster access list: " +
                       "put the team's and CI's roles in EksConfig.AdminPrincipals in src/Exchange.Contracts/Environments.cs (role/PATH/NAME), or pass " +
                       $"--{ArgumentNames.EksAdmins}=role/PATH/NAME,... for one run; the deploying identity gets access for its run anyway. " +
                       $"Unset {EnvVars.RetiredAdminPrincipal} if it is set.");
        var backendCidrs = CidrsOrNull(ArgumentNames.BackendPublicCidrs,
            inputs.Argument(ArgumentNames.BackendPublicCidrs) ?? inputs.Environment(EnvVars.BackendPublicCidrs), errors);
        if (backendCidrs is not null) environment = environment.With(environment.Of<EksConfig>() with { BackendPublicCidrs = backendCidrs });
        var root = Path.GetFullPath(repoRoot);
        var artifacts = Full(root, inputs.Argument(ArgumentNames.Artifacts)
            ?? inputs.Environment(EnvVars.ArtifactsDir) ?? Path.Combine("artifacts", environment.EnvName));

        var account = AccountOrNull(inputs.Argument(ArgumentNames.Account) ?? inputs.Environment(EnvVars.Account) ?? environment.Account, errors);
        eks = environment.Of<EksConfig>();
        foreach (var problem in ClusterPrincipals.Problems(eks.AdminPrincipals, eks.ViewPrincipals, account).Distinct())
            errors.Add("Cluster access list (EksConfig.AdminPrincipals/ViewPrincipals in src/Exchange.Contracts/Environments.cs, or " +
                       $"--{ArgumentNames.EksAdmins}/--{ArgumentNames.EksViewers}): {problem}.");
        var settings = new PipelineSettings
        {
            Environment = environment,
            EksPublicCidrsOverride = cidrs,
            EksAdminsOverride = admins,
            EksViewersOverride = viewers,
            ClusterPath = ClusterPathOf(inputs.Argument(ArgumentNames.ClusterAccess) ?? inputs.Environment(EnvVars.ClusterAccess), eks.PublicAccessCidrs,
                errors),
            BackendPublicCidrsOverride = backendCidrs,
            RepoRoot = root,
            ArtifactsDir = artifacts,
            CdkOutDir = Full(root, inputs.Environment(EnvVars.CdkOutDir) ?? Path.Combine(artifacts, "cdk.out")),
            EngineDir = Full(root, inputs.Argument(ArgumentNames.EngineDir) ?? Path.Combine("..", "future-engine")),
            BackendDir = Full(root, inputs.Argument(ArgumentNames.BackendDir) ?? Path.Combine("..", "future-backend")),
            CheckerDir = Full(root, inputs.Argument(ArgumentNames.CheckerDir) ?? "."),
            ImageTag = ImageTagOrNull(inputs.Argument(ArgumentNames.ImageTag), errors),
            Account = account,
            AwsProfile = inputs.Environment(EnvVars.AwsProfile),
            AwsRegionVariable = inputs.Environment(EnvVars.AwsRegion) ?? inputs.Environment(EnvVars.AwsDefaultRegion),
            SkipBootstrap = Flag(inputs, ArgumentNames.SkipBootstrap, errors),
            SkipInfra = Flag(inputs, ArgumentNames.SkipInfra, errors),
            SkipImages = Flag(inputs, ArgumentNames.SkipImages, errors),
            SkipVerify = Flag(inputs, ArgumentNames.SkipVerify, errors),
            ForceDeploy = Flag(inputs, ArgumentNames.ForceDeploy, errors),
            Confirm = Flag(inputs, ArgumentNames.Confirm, errors),
            Deep = Flag(inputs, ArgumentNames.Deep, errors),
            IsCi = IsTrue(inputs.Environment(EnvVars.Ci)),
            Until = UntilOrNull(inputs.Argument(ArgumentNames.Until), environment, errors),
            BaseAssemblyDir = inputs.Argument(ArgumentNames.BaseAssembly) is { Length: > 0 } baseDir ? Full(root, baseDir) : null,
            CostThreshold = ThresholdOrNull(inputs.Argument(ArgumentNames.CostThreshold), errors),
            StepSummaryFile = inputs.Environment(EnvVars.GitHubStepSummary) is { Length: > 0 } summary ? summary : null,
            FixedNow = NowOrNull(inputs.Environment(EnvVars.Now), errors),
            VerifyTimeout = Duration(ArgumentNames.VerifyTimeout, inputs.Argument(ArgumentNames.VerifyTimeout), TimeSpan.FromMinutes(5), errors),
            WaitTimeout = Duration(ArgumentNames.WaitTimeout, inputs.Argument(ArgumentNames.WaitTimeout), TimeSpan.FromMinutes(20), errors),
            CdkConcurrency = Concurrency(inputs.Argument(ArgumentNames.CdkConcurrency), errors),
            UpgradeTo = UpgradeToOrNull(inputs.Argument(ArgumentNames.To), errors),
            UpgradeStepTimeout = Duration(ArgumentNames.WaitTimeout, inputs.Argument(ArgumentNames.WaitTimeout), TimeSpan.FromMinutes(60), []),
            Preview = PreviewOrNull(environment.EnvName, inputs.Argument(ArgumentNames.PullRequest), inputs.Argument(ArgumentNames.Preview), errors),
            PreviewCap = CapOf(inputs.Argument(ArgumentNames.PreviewCap), errors),
            Owner = inputs.Environment(EnvVars.GitHubActor) is { Length: > 0 } actor ? actor
                : inputs.Environment(EnvVars.User) is { Length: > 0 } user ? user : "unknown",
        };
        if (errors.Count > 0) throw new SettingsException(errors);
        return settings;
    }

    /// <summary>Throws every problem of <see cref="ProblemsFor"/> at once.</summary>
    public void ValidateFor(IReadOnlyCollection<string> tasks)
    {
        if (ProblemsFor(tasks) is { Count: > 0 } errors) throw new SettingsException(errors);
    }

    /// <summary>
    /// What is wrong for the tasks about to run (checked before any of them touches AWS), as the target registry declares
    /// it: the source checkouts of targets that build images, the account of AWS targets, and each target's own requirements.
    /// </summary>
    public List<string> ProblemsFor(IReadOnlyCollection<string> tasks)
    {
        var targets = tasks.Select(Targets.Find).OfType<Target>().ToArray();
        var errors = new List<string>();
        if (!SkipImages && targets.Any(t => t.Reaches.HasFlag(Reach.Sources)))
        {
            RequireSource("Engine", EngineDir, EngineDockerfile, ArgumentNames.EngineDir, errors);
            RequireSource("Backend", BackendDir, BackendDockerfile, ArgumentNames.BackendDir, errors);
            RequireSource("Checker", CheckerDir, CheckerDockerfile, ArgumentNames.CheckerDir, errors);
        }
        // The pipeline refuses to touch an account it was not told to use.
        if (Account is null && targets.Any(t => t.NeedsAccount))
            errors.Add($"No AWS account is configured for environment '{Environment.EnvName}'. Pass --{ArgumentNames.Account}=123456789012 " +
                       $"or set {EnvVars.Account}.");
        errors.AddRange(targets.SelectMany(t => t.Problems(this)).Distinct());
        return errors;
    }

    /// <summary>
    /// The resolved settings, one per line, for the log (nothing secret lives here): those every run uses, and those of
    /// <paramref name="read"/>, the options the run's targets read (all when null).
    /// </summary>
    public IEnumerable<string> Describe(IReadOnlySet<string>? read = null)
    {
        bool Reads(string option) => read is null || read.Contains(option);
        yield return $"environment   {Environment.EnvName} (region {Region}, namespace {Names.Namespace}, cluster {Names.ClusterName})";
        yield return $"account       {Account ?? "(not set: pass --account for AWS targets)"}{(AwsProfile is null ? "" : $", AWS_PROFILE={AwsProfile}")}";
        var eks = Environment.Of<EksConfig>();
        if (Reads(ArgumentNames.EksPublicCidrs)) yield return $"eks endpoint  {EksEndpointAccess.Describe(eks.PublicAccessCidrs)}";
        if (Reads(ArgumentNames.ClusterAccess))
            yield return $"kubectl       {ClusterPaths.Describe(ClusterPath, eks.PublicAccessCidrs)} " +
                         $"(--{ArgumentNames.ClusterAccess}={ClusterPaths.Name(ClusterPath)})";
        if (Reads(ArgumentNames.EksAdmins) || Reads(ArgumentNames.EksViewers))
            yield return $"cluster admin {(eks.AdminPrincipals.Count == 0 ? "(none listed)" : string.Join(", ", eks.AdminPrincipals))}" +
                         (eks.ViewPrincipals.Count == 0 ? "" : $"; view: {string.Join(", ", eks.ViewPrincipals)}");
        if (Reads(ArgumentNames.BackendPublicCidrs)) yield return $"backend lb    {BackendAccess.Describe(eks.BackendPublicCidrs, eks.BackendLoadBalancer)}";
        if (Reads(ArgumentNames.EngineDir)) yield return $"engine-dir    {EngineDir}";
        if (Reads(ArgumentNames.BackendDir)) yield return $"backend-dir   {BackendDir}";
        if (Reads(ArgumentNames.CheckerDir) && CheckerDir != RepoRoot) yield return $"checker-dir   {CheckerDir}";
        if (Reads(ArgumentNames.ImageTag)) yield return $"image-tag     {ImageTag ?? "(derived from the sources)"}";
        yield return $"artifacts     {ArtifactsDir}";
        var skips = new[] { (SkipBootstrap, "bootstrap"), (SkipInfra, "infra"), (SkipImages, "images"), (SkipVerify, "verify") }
            .Where(s => s.Item1).Select(s => s.Item2).ToArray();
        if (skips.Length > 0) yield return $"skipping      {string.Join(", ", skips)}";
    }

    private static void RequireSource(string what, string dir, string dockerfile, string argument, List<string> errors)
    {
        if (!Directory.Exists(dir))
            errors.Add($"{what} source directory '{dir}' does not exist. Pass --{argument}=PATH to your checkout.");
        else if (!File.Exists(dockerfile))
            errors.Add($"{what} source directory '{dir}' has no {Path.GetRelativePath(dir, dockerfile)}. Pass --{argument}=PATH to the right checkout.");
    }

    private static string Full(string root, string path) => Path.GetFullPath(Path.Combine(root, path));

    private static bool IsTrue(string? value) =>
        value is not null && (value.Equals("true", StringComparison.OrdinalIgnoreCase) || value == "1");

    private static bool Flag(IBuildInputs inputs, string name, List<string> errors)
    {
        var value = inputs.Argument(name);
        if (value is null) return false;
        if (value.Length == 0 || IsTrue(value)) return true;
        if (value.Equals("false", StringComparison.OrdinalIgnoreCase) || value == "0") return false;
        errors.Add($"--{name} takes true or false, not '{value}'.");
        return false;
    }

    private static string? ImageTagOrNull(string? tag, List<string> errors)
    {
        if (tag is null) return null;
        if (tag == "latest") errors.Add("--image-tag=latest is refused: tags must be immutable (omit it to derive one from the sources).");
        else if (!ImageTagPattern().IsMatch(tag)) errors.Add($"--image-tag '{tag}' is not a valid image tag ([A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}).");
        return tag;
    }

    private static string? AccountOrNull(string? account, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(account)) return null;
        if (!AccountPattern().IsMatch(account)) errors.Add($"--account '{account}' is not a 12-digit AWS account id.");
        return account;
    }

    private static IReadOnlyList<string>? PrincipalsOrNull(string option, string? text, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(text)) return null; // CI passes an unset repository variable as an empty string
        try
        {
            return ClusterPrincipals.Parse(text, $"--{option}");
        }
        catch (FormatException e)
        {
            errors.Add($"{e.Message} Example: --{option}=role/aws-reserved/sso.amazonaws.com/REGION/AWSReservedSSO_NAME_abc,role/exchange-github-deploy, " +
                       $"or '{ClusterPrincipals.None}'.");
            return null;
        }
    }

    private static ClusterPath ClusterPathOf(string? text, IReadOnlyList<string> cidrs, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(text)) return ClusterPaths.Default(cidrs);
        var path = text.Trim().ToLowerInvariant() switch
        {
            ClusterPaths.TunnelName => ClusterPath.Tunnel,
            ClusterPaths.DirectName => ClusterPath.Direct,
            _ => (ClusterPath?)null,
        };
        if (path is null)
            errors.Add($"--{ArgumentNames.ClusterAccess} '{text}' is neither {ClusterPaths.TunnelName} (SSM port forwarding through the jump instance) nor " +
                       $"{ClusterPaths.DirectName} (the public endpoint's CIDRs).");
        else if (path == ClusterPath.Direct && cidrs.Count == 0)
            errors.Add($"--{ArgumentNames.ClusterAccess}={ClusterPaths.DirectName} needs a public endpoint that admits your address, but no public CIDRs are " +
                       $"configured: pass --{ArgumentNames.EksPublicCidrs}=<office/VPN CIDR> (or list EksConfig.PublicAccessCidrs), or use " +
                       $"--{ArgumentNames.ClusterAccess}={ClusterPaths.TunnelName}.");
        return path ?? ClusterPaths.Default(cidrs);
    }

    private static IReadOnlyList<string>? EksPublicCidrsOrNull(string? text, List<string> errors) =>
        CidrsOrNull(ArgumentNames.EksPublicCidrs, text, errors);

    /// <summary>An IPv4 CIDR list option (the EKS endpoint's, the backend load balancer's), or null when not given.</summary>
    private static IReadOnlyList<string>? CidrsOrNull(string option, string? text, List<string> errors)
    {
        // Blank counts as not given: CI passes an unset repository variable as an empty string.
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            return EksEndpointAccess.Parse(text, $"--{option}");
        }
        catch (FormatException e)
        {
            errors.Add($"{e.Message} Example: --{option}=203.0.113.0/24,198.51.100.7/32, or '{EksEndpointAccess.PrivateOnly}'.");
            return null;
        }
    }

    private static string? UntilOrNull(string? text, EnvironmentConfig environment, List<string> errors)
    {
        if (text is null) return null;
        if (environment.Sleep is null)
            errors.Add($"--{ArgumentNames.Until}: environment '{environment.EnvName}' has no sleep schedule, so there is no sleep to skip; run Resume " +
                "without it.");
        else if (!Operations.WakeRequest.IsValid(text))
            errors.Add($"--{ArgumentNames.Until} '{text}' is not a time: pass HH:mm (e.g. --{ArgumentNames.Until}=22:00) or yyyy-MM-ddTHH:mm, " +
                       $"in {environment.Sleep.TimeZone}.");
        return text;
    }

    private static string? UpgradeToOrNull(string? text, List<string> errors)
    {
        if (text is null) return null;
        if (KubernetesVersions.IsMinor(text.Trim())) return text.Trim();
        errors.Add($"--{ArgumentNames.To} '{text}' is not a Kubernetes minor version: pass e.g. --{ArgumentNames.To}=1.36 (the node AMI release follows).");
        return null;
    }

    private static DateTimeOffset? NowOrNull(string? text, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var now))
            return now;
        errors.Add($"{EnvVars.Now} '{text}' is not an ISO 8601 time (e.g. 2026-12-01T11:00:00Z); unset it to use the clock.");
        return null;
    }

    private static decimal? ThresholdOrNull(string? text, List<string> errors)
    {
        if (text is null) return null;
        if (decimal.TryParse(text.TrimStart('$'), System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var usd)
            && usd >= 0)
            return usd;
        errors.Add($"--{ArgumentNames.CostThreshold} '{text}' is not an amount in USD (e.g. --{ArgumentNames.CostThreshold}=10).");
        return null;
    }

    private static TimeSpan Duration(string name, string? text, TimeSpan fallback, List<string> errors)
    {
        if (text is null) return fallback;
        var match = DurationPattern().Match(text);
        if (!match.Success)
        {
            errors.Add($"--{name} '{text}' is not a duration (e.g. 300, 300s, 5m).");
            return fallback;
        }
        var n = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        return match.Groups[2].Value == "m" ? TimeSpan.FromMinutes(n) : TimeSpan.FromSeconds(n);
    }

    /// <summary>--pr=N or --preview=NAME (not both), checked against the rules of a namespace, a MySQL identifier and a topic prefix.</summary>
    private static PreviewName? PreviewOrNull(string env, string? pr, string? name, List<string> errors)
    {
        if (pr is not null && name is not null)
        {
            errors.Add($"Pass --{ArgumentNames.PullRequest}=N or --{ArgumentNames.Preview}=NAME, not both.");
            return null;
        }
        try
        {
            return pr is not null ? PreviewName.ForPullRequest(env, pr.Trim()) : name is not null ? PreviewName.Named(env, name.Trim()) : null;
        }
        catch (ArgumentException e)
        {
            errors.Add($"--{(pr is not null ? ArgumentNames.PullRequest : ArgumentNames.Preview)}: {e.Message}");
            return null;
        }
    }

    private static int CapOf(string? text, List<string> errors)
    {
        if (text is null) return Previews.DefaultCap;
        if (int.TryParse(text, out var n) && n is >= 1 and <= Previews.MaxSlots) return n;
        errors.Add($"--{ArgumentNames.PreviewCap} '{text}' must be a number from 1 to {Previews.MaxSlots} (the preview slots: each has " +
                   "a Redis logical database, a NodePort and a target group on the shared load balancer).");
        return Previews.DefaultCap;
    }

    private static int Concurrency(string? text, List<string> errors)
    {
        if (text is null) return 4;
        if (int.TryParse(text, out var n) && n is >= 1 and <= 10) return n;
        errors.Add($"--{ArgumentNames.CdkConcurrency} '{text}' must be a number from 1 to 10.");
        return 4;
    }

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")] private static partial Regex ImageTagPattern();
    [GeneratedRegex("^[0-9]{12}$")] private static partial Regex AccountPattern();
    [GeneratedRegex("^([0-9]{1,5})(s|m)?$")] private static partial Regex DurationPattern();
}

/// <summary>Bad arguments or environment: every problem at once, each with what to do.</summary>
public sealed class SettingsException(IReadOnlyList<string> problems)
    : Exception(problems.Count == 1 ? problems[0] : "Settings problems:\n" + string.Join("\n", problems.Select(p => "  - " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
