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
    public string? ImageTag { get; init; }
    public string? Account { get; init; }
    /// <summary>Who gets cluster-admin (an IAM role or user ARN); null means the deploying identity's role.</summary>
    public string? AdminPrincipal { get; init; }
    /// <summary>
    /// --eks-public-cidrs / EXCHANGE_EKS_PUBLIC_CIDRS when given (already applied to <see cref="Environment"/>); null keeps the environment's list.
    /// </summary>
    public IReadOnlyList<string>? EksPublicCidrsOverride { get; init; }
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
    public int CdkConcurrency { get; init; } = 4;

    public string Region => Environment.Region;
    public EnvironmentNames Names => Environment.Names;
    public string InfraDir => Path.Combine(RepoRoot, "infra");
    public string OverlayDir => Path.Combine(RepoRoot, "k8s", "overlays", $"aws-{Environment.EnvName}");
    public string OverlaysRoot => Path.Combine(RepoRoot, "k8s", "overlays");
    public string OutputsFile => Path.Combine(ArtifactsDir, "cdk-outputs.json");
    public string ImagesFile => Path.Combine(ArtifactsDir, "images.json");
    public string PauseFile => Path.Combine(ArtifactsDir, "pause.json");
    /// <summary>What this machine last found attached to the backend load balancer's target group (DeployInfra skips the check when unchanged).</summary>
    public string BackendTargetsFile => Path.Combine(ArtifactsDir, "backend-targets.json");
    /// <summary>The deploy role's IAM policy (the Permissions target).</summary>
    public string PolicyFile => Path.Combine(ArtifactsDir, "deploy-policy.json");
    public string EngineDockerfile => Path.Combine(EngineDir, "Dockerfile.shard");
    public string BackendDockerfile => Path.Combine(BackendDir, "Dockerfile");

    public static PipelineSettings From(IBuildInputs inputs, string repoRoot)
    {
        var errors = new List<string>();
        var environment = Environments.Get(inputs.Argument(ArgumentNames.Env));
        var cidrs = EksPublicCidrsOrNull(inputs.Argument(ArgumentNames.EksPublicCidrs) ?? inputs.Environment(EnvVars.EksPublicCidrs), errors);
        if (cidrs is not null) environment = environment.With(environment.Of<EksConfig>() with { PublicAccessCidrs = cidrs });
        var backendCidrs = CidrsOrNull(ArgumentNames.BackendPublicCidrs,
            inputs.Argument(ArgumentNames.BackendPublicCidrs) ?? inputs.Environment(EnvVars.BackendPublicCidrs), errors);
        if (backendCidrs is not null) environment = environment.With(environment.Of<EksConfig>() with { BackendPublicCidrs = backendCidrs });
        var root = Path.GetFullPath(repoRoot);
        var artifacts = Full(root, inputs.Argument(ArgumentNames.Artifacts)
            ?? inputs.Environment(EnvVars.ArtifactsDir) ?? Path.Combine("artifacts", environment.EnvName));

        var settings = new PipelineSettings
        {
            Environment = environment,
            EksPublicCidrsOverride = cidrs,
            BackendPublicCidrsOverride = backendCidrs,
            RepoRoot = root,
            ArtifactsDir = artifacts,
            CdkOutDir = Full(root, inputs.Environment(EnvVars.CdkOutDir) ?? Path.Combine(artifacts, "cdk.out")),
            EngineDir = Full(root, inputs.Argument(ArgumentNames.EngineDir) ?? Path.Combine("..", "future-engine")),
            BackendDir = Full(root, inputs.Argument(ArgumentNames.BackendDir) ?? Path.Combine("..", "future-backend")),
            ImageTag = ImageTagOrNull(inputs.Argument(ArgumentNames.ImageTag), errors),
            Account = AccountOrNull(inputs.Argument(ArgumentNames.Account) ?? inputs.Environment(EnvVars.Account)
                                    ?? environment.Account, errors),
            AdminPrincipal = AdminPrincipalOrNull(inputs.Argument(ArgumentNames.AdminPrincipal) ?? inputs.Environment(EnvVars.AdminPrincipal), errors),
            AwsProfile = inputs.Environment(EnvVars.AwsProfile),
            AwsRegionVariable = inputs.Environment(EnvVars.AwsRegion) ?? inputs.Environment(EnvVars.AwsDefaultRegion),
            SkipBootstrap = Flag(inputs, ArgumentNames.SkipBootstrap, errors),
            SkipInfra = Flag(inputs, ArgumentNames.SkipInfra, errors),
            SkipImages = Flag(inputs, ArgumentNames.SkipImages, errors),
            SkipVerify = Flag(inputs, ArgumentNames.SkipVerify, errors),
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
        };
        if (errors.Count > 0) throw new SettingsException(errors);
        return settings;
    }

    /// <summary>Throws every problem of <see cref="ProblemsFor"/> at once.</summary>
    public void ValidateFor(IReadOnlyCollection<string> tasks)
    {
        if (ProblemsFor(tasks) is { Count: > 0 } errors) throw new SettingsException(errors);
    }

    /// <summary>What is wrong for the tasks about to run (checked before any of them touches AWS).</summary>
    public List<string> ProblemsFor(IReadOnlyCollection<string> tasks)
    {
        var errors = new List<string>();
        if (!SkipImages && tasks.Any(TaskNames.NeedSources.Contains))
        {
            RequireSource("Engine", EngineDir, EngineDockerfile, ArgumentNames.EngineDir, errors);
            RequireSource("Backend", BackendDir, BackendDockerfile, ArgumentNames.BackendDir, errors);
        }
        if (BaseAssemblyDir is null && tasks.Contains(TaskNames.CostDiff))
            errors.Add($"CostDiff compares with the base branch's cloud assembly: pass --{ArgumentNames.BaseAssembly}=DIR " +
                       "(synthesize the base checkout first: ./build.sh --target=Synth there, then its artifacts/<env>/cdk.out).");
        if (Account is null && tasks.Any(t => TaskNames.TouchAws.Contains(t) && !TaskNames.AwsOptional.Contains(t)))
            errors.Add($"No AWS account is configured for environment '{Environment.EnvName}'. Pass --{ArgumentNames.Account}=123456789012 " +
                       $"or set {EnvVars.Account}. The pipeline refuses to touch an account it was not told to use.");
        if (!Confirm && !IsCi && tasks.Contains(TaskNames.DestroyDev))
            errors.Add($"DestroyDev deletes every stack of '{Environment.EnvName}'{(Account is null ? "" : $" in account {Account}")}, " +
                       $"including the database. Rerun with --{ArgumentNames.Confirm} to go ahead.");
        return errors;
    }

    /// <summary>The resolved settings, one per line, for the log (nothing secret lives here).</summary>
    public IEnumerable<string> Describe()
    {
        yield return $"environment   {Environment.EnvName} (region {Region}, namespace {Names.Namespace}, cluster {Names.ClusterName})";
        yield return $"account       {Account ?? "(not set: pass --account for AWS targets)"}{(AwsProfile is null ? "" : $", AWS_PROFILE={AwsProfile}")}";
        if (AdminPrincipal is not null) yield return $"admin         {AdminPrincipal}";
        yield return $"eks endpoint  {EksEndpointAccess.Describe(Environment.Of<EksConfig>().PublicAccessCidrs)}";
        yield return $"backend lb    {BackendAccess.Describe(Environment.Of<EksConfig>().BackendPublicCidrs, Environment.Of<EksConfig>().BackendLoadBalancer)}";
        yield return $"engine-dir    {EngineDir}";
        yield return $"backend-dir   {BackendDir}";
        yield return $"image-tag     {ImageTag ?? "(derived from the sources)"}";
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
            errors.Add($"{what} source directory '{dir}' has no {Path.GetFileName(dockerfile)}. Pass --{argument}=PATH to the right checkout.");
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

    private static string? AdminPrincipalOrNull(string? arn, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(arn)) return null;
        if (Aws.CallerIdentity.AssumedRole(arn) is { } role)
            errors.Add($"--{ArgumentNames.AdminPrincipal} '{arn}' is an STS session (assumed-role) ARN, which EKS access entries reject. " +
                       $"Pass the IAM role's ARN, path included; `aws iam get-role --role-name {role} --query Role.Arn --output text` prints it.");
        else if (!AdminPrincipalPattern().IsMatch(arn))
            errors.Add($"--{ArgumentNames.AdminPrincipal} '{arn}' is not an IAM role or user ARN (arn:aws:iam::123456789012:role/NAME, paths allowed).");
        return arn;
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

    private static int Concurrency(string? text, List<string> errors)
    {
        if (text is null) return 4;
        if (int.TryParse(text, out var n) && n is >= 1 and <= 10) return n;
        errors.Add($"--{ArgumentNames.CdkConcurrency} '{text}' must be a number from 1 to 10.");
        return 4;
    }

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")] private static partial Regex ImageTagPattern();
    [GeneratedRegex("^[0-9]{12}$")] private static partial Regex AccountPattern();
    [GeneratedRegex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/.+$")] private static partial Regex AdminPrincipalPattern();
    [GeneratedRegex("^([0-9]{1,5})(s|m)?$")] private static partial Regex DurationPattern();
}

/// <summary>Bad arguments or environment: every problem at once, each with what to do.</summary>
public sealed class SettingsException(IReadOnlyList<string> problems)
    : Exception(problems.Count == 1 ? problems[0] : "Settings problems:\n" + string.Join("\n", problems.Select(p => "  - " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
