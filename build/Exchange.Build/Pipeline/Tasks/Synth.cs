using System.Security.Cryptography;
using System.Text;
using Exchange.Build.Processes;
using Exchange.Build.Settings;
using Exchange.Build.Logging;
using Exchange.Contracts;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>
/// <c>cdk synth</c> of the C# app into the cloud assembly folder. Skipped when the assembly was made
/// from the same sources and context (a fingerprint is stored beside it), so reruns cost nothing.
/// </summary>
public static class Synth
{
    public const string FingerprintFile = "exchange.fingerprint";
    /// <summary>Held while the CDK app builds and synthesizes (infra/obj/, beside the build output it protects).</summary>
    public const string LockFile = "exchange-synth.lock";

    public static void Run(BuildContext b) => EnsureAssembly(b);

    /// <summary>
    /// Makes sure the assembly matches the sources and this run's context; synthesizes when not.
    /// Checked once per run: later tasks (Bootstrap, DeployInfra) reuse the answer.
    /// </summary>
    public static void EnsureAssembly(BuildContext b)
    {
        if (b.AssemblyChecked) return;
        var synthesized = SynthesizeInto(b, b.Settings.CdkOutDir, Context(b));
        b.Report.Add(TaskNames.Synth, synthesized ? StepOutcome.Changed : StepOutcome.Unchanged,
            synthesized ? $"synthesized {b.Names.AllStacks.Count} stacks" : "cloud assembly up to date");
        b.AssemblyChecked = true;
    }

    /// <summary>
    /// The cloud assembly of one Upgrade stage: the app with the control plane at <paramref name="kubernetesVersion"/> and the nodes on
    /// <paramref name="nodeRelease"/> (artifacts/&lt;env&gt;/upgrade/), or the configuration's own assembly when that is what the stage is.
    /// </summary>
    public static string EnsureStagedAssembly(BuildContext b, string kubernetesVersion, string nodeRelease)
    {
        var eks = b.Settings.Environment.Of<EksConfig>();
        if (kubernetesVersion == eks.KubernetesVersion && nodeRelease == eks.NodeReleaseVersion)
        {
            EnsureAssembly(b);
            return b.Settings.CdkOutDir;
        }
        var context = Context(b);
        context[ContextKeys.KubernetesVersion] = kubernetesVersion;
        context[ContextKeys.NodeReleaseVersion] = nodeRelease;
        var dir = StagedAssemblyDir(b.Settings, kubernetesVersion, nodeRelease);
        SynthesizeInto(b, dir, context);
        return dir;
    }

    public static string StagedAssemblyDir(PipelineSettings settings, string kubernetesVersion, string nodeRelease) =>
        Path.Combine(settings.ArtifactsDir, "upgrade", $"cdk.out-{kubernetesVersion}-{nodeRelease}");

    /// <summary>Whether the cloud assembly on disk was synthesized from this run's sources and context (Synth would not synthesize).</summary>
    public static bool IsUpToDate(BuildContext b)
    {
        var stamp = Path.Combine(b.Settings.CdkOutDir, FingerprintFile);
        return File.Exists(Path.Combine(b.Settings.CdkOutDir, "manifest.json")) && File.Exists(stamp)
               && File.ReadAllText(stamp).Trim() == Fingerprint(b.Settings.RepoRoot, Context(b));
    }

    /// <summary>Synthesizes into <paramref name="outDir"/> unless it holds the assembly of these sources and context already; true when it did.</summary>
    private static bool SynthesizeInto(BuildContext b, string outDir, IReadOnlyDictionary<string, string> context)
    {
        var fingerprint = Fingerprint(b.Settings.RepoRoot, context);
        var stamp = Path.Combine(outDir, FingerprintFile);
        if (File.Exists(Path.Combine(outDir, "manifest.json")) && File.Exists(stamp) && File.ReadAllText(stamp).Trim() == fingerprint)
        {
            b.Log.Information($"Cloud assembly {outDir} is up to date (fingerprint {fingerprint[..12]}); not synthesizing.");
            return false;
        }
        if (File.Exists(stamp)) File.Delete(stamp);
        var command = b.Cdk.SynthCommand(outDir, context);
        using var alone = Files.CheckoutLock.Acquire(Path.Combine(b.Settings.InfraDir, "obj", LockFile), "cdk synth", b.Log,
            TimeSpan.FromMinutes(10), b.Interruption.Token);
        b.Log.Timed($"Synthesizing {b.Names.AllStacks.Count} stacks into {Path.GetRelativePath(b.Settings.RepoRoot, outDir)} (cdk synth)", () =>
            b.Cdk.Run(command, b.Settings.InfraDir, line => b.Log.Verbose("  cdk | " + line),
                "run `cd infra && npx cdk synth` to see the full error"));
        Files.AtomicFile.WriteAllText(stamp, fingerprint);
        return true;
    }

    /// <summary>
    /// The -c values: environment, pinned account, overrides of the endpoint's and the backend load balancer's CIDRs and of the access
    /// lists, and (when this run talks to AWS) the deploying identity when the lists do not name it, and the principal of a pre-list
    /// cluster's entry.
    /// </summary>
    public static SortedDictionary<string, string> Context(BuildContext b)
    {
        b.SynthContext ??= Worked(b);
        return new SortedDictionary<string, string>(b.SynthContext.ToDictionary(), StringComparer.Ordinal);
    }

    private static SortedDictionary<string, string> Worked(BuildContext b)
    {
        var context = new SortedDictionary<string, string>(StringComparer.Ordinal) { [ContextKeys.Env] = b.Settings.Environment.EnvName };
        if (b.Settings.Account is { } account) context[ContextKeys.Account] = account;
        if (b.Settings.EksPublicCidrsOverride is { } cidrs) context[ContextKeys.EksPublicAccessCidrs] = EksEndpointAccess.Format(cidrs);
        if (b.Settings.BackendPublicCidrsOverride is { } backend) context[ContextKeys.BackendPublicCidrs] = EksEndpointAccess.Format(backend);
        if (b.Settings.EksAdminsOverride is { } admins) context[ContextKeys.EksAdmins] = Format(admins);
        if (b.Settings.EksViewersOverride is { } viewers) context[ContextKeys.EksViewers] = Format(viewers);
        if (!b.RunTouchesAws) return context;
        var deployer = UnlistedDeployer(b);
        if (deployer is not null) context[ContextKeys.EksDeployer] = deployer;
        if (LegacyAdminEntry(b, deployer) is { } legacy) context[ContextKeys.EksLegacyAdminEntry] = legacy;
        return context;
    }

    private static string Format(IReadOnlyList<string> principals) => principals.Count == 0 ? ClusterPrincipals.None : string.Join(",", principals);

    /// <summary>The principals the access lists name (admins and viewers), by <see cref="ClusterPrincipals.Key"/>.</summary>
    private static IEnumerable<string> Listed(BuildContext b)
    {
        var eks = b.Settings.Environment.Of<EksConfig>();
        return eks.AdminPrincipals.Concat(eks.ViewPrincipals);
    }

    /// <summary>
    /// The deploying identity as an EKS access entry takes it (an IAM user or role ARN, path included), when the access lists do not
    /// name it; null when they do. IAM names are unique in an account, so a listed role is recognised by its name, and only an
    /// unlisted assumed-role session (SSO, a CI role) is looked up with <c>aws iam get-role</c>. When that is not possible the run stops
    /// here, before anything is deployed, and says what to list instead. An unlisted deployer gets cluster-admin for its deploy (it
    /// must be able to apply the workloads), with a warning saying how to keep it.
    /// </summary>
    public static string? UnlistedDeployer(BuildContext b)
    {
        var identity = b.EnsureAccount();
        var account = identity.Account;
        var listed = Listed(b).ToArray();
        string arn;
        if (identity.IsIamPrincipal)
        {
            if (listed.Any(e => ClusterPrincipals.Key(e, account) == ClusterPrincipals.Key(identity.Arn, account))) return null;
            arn = identity.Arn;
        }
        else if (identity.AssumedRoleName is { } role)
        {
            if (listed.Any(e => ClusterPrincipals.Key(e, account).StartsWith("role/", StringComparison.Ordinal) && ClusterPrincipals.Name(e) == role))
                return null;
            arn = RoleArn(b, identity, role);
        }
        else
            throw new SettingsException([$"Your identity {identity.Arn} is neither an IAM user nor an assumed role, so it cannot get a cluster access " +
                "entry. Run as an IAM role or user, or list one in EksConfig.AdminPrincipals (src/Exchange.Contracts/Environments.cs)."]);
        var relative = ClusterPrincipals.Key(arn, account);
        b.Log.Warning($"Your identity {arn} is not in the cluster access list: it gets cluster-admin for this deploy only, and the next deploy by " +
                      $"anyone else removes it. To keep access, add \"{relative}\" to EksConfig.AdminPrincipals (or ViewPrincipals) in " +
                      "src/Exchange.Contracts/Environments.cs and commit it.");
        return arn;
    }

    /// <summary>
    /// An assumed role's real ARN, path included (EKS rejects the ARN without it). Asked of IAM once per machine and then read from
    /// artifacts/&lt;env&gt;/iam-roles.json: a role's path is fixed when it is created (IAM cannot move a role), so the ARN of a role name in
    /// an account changes only when the role is deleted and made again elsewhere, which a failed deploy covers (DeployInfra forgets the
    /// file when cdk deploy fails, so the next run asks again).
    /// </summary>
    private static string RoleArn(BuildContext b, Aws.CallerIdentity identity, string role)
    {
        var roles = RecordedRoles(b);
        var key = $"{identity.Account}/{role}";
        if (roles.TryGetValue(key, out var recorded))
        {
            b.Log.Verbose($"Your role: {recorded} (recorded in {b.Settings.RolesFile})");
            return recorded;
        }
        try
        {
            var arn = b.Aws.GetRoleArn(role);
            roles[key] = arn;
            Directory.CreateDirectory(b.Settings.ArtifactsDir);
            Files.AtomicFile.WriteAllText(b.Settings.RolesFile, System.Text.Json.JsonSerializer.Serialize(roles, IndentedJson));
            if (arn != $"arn:aws:iam::{identity.Account}:role/{role}") b.Log.Information($"Your role: {arn} (the role behind {identity.Arn})");
            return arn;
        }
        catch (CommandFailedException e)
        {
            throw new SettingsException([$"Cannot find the IAM role behind your session {identity.Arn}: `aws iam get-role --role-name {role}` failed " +
                $"({e.ErrorTail.Trim()}). Your role is not in the cluster access list, so this deploy would add it, and EKS rejects the role's ARN " +
                "without its path. List it, path included, in EksConfig.AdminPrincipals (src/Exchange.Contracts/Environments.cs) or pass " +
                $"--{ArgumentNames.EksAdmins}=role/PATH/{role} (an SSO role: role/aws-reserved/sso.amazonaws.com/REGION/{role}, REGION being your " +
                "IAM Identity Center's; the IAM console shows the ARN): a listed role needs no lookup. Or ask for iam:GetRole on your role."]);
        }
    }

    private static readonly System.Text.Json.JsonSerializerOptions IndentedJson = new() { WriteIndented = true };

    private static Dictionary<string, string> RecordedRoles(BuildContext b)
    {
        try
        {
            return File.Exists(b.Settings.RolesFile)
                ? System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(b.Settings.RolesFile)) ?? []
                : [];
        }
        catch (System.Text.Json.JsonException)
        {
            return []; // a damaged record is asked again
        }
    }

    /// <summary>Forgets the recorded role ARNs (a deploy failed: one may be stale).</summary>
    public static void ForgetRoles(BuildContext b)
    {
        if (File.Exists(b.Settings.RolesFile)) File.Delete(b.Settings.RolesFile);
    }

    /// <summary>
    /// A cluster deployed before the access list has one entry with the logical ID AdminAccessEntry (its principal is the Eks stack's
    /// AdminPrincipalArn output). While that principal is among this deploy's, its entry keeps that ID: under a new ID CloudFormation
    /// would create a second entry for the principal before deleting the first, which EKS refuses. Otherwise the entry goes, and a
    /// warning says so.
    /// </summary>
    private static string? LegacyAdminEntry(BuildContext b, string? deployer)
    {
        // The Eks stack's output as the last deploy's outputs file says (this machine's, else the artifacts bucket's), else as
        // CloudFormation says. A stale file is harmless here: once a deploy drops the legacy entry it never comes back, so a stale file
        // can only name a principal the stack no longer has an entry for, and keeping that ID then creates a fresh entry.
        b.Artifacts.Fetch(b.Settings.OutputsFile);
        string? principal;
        if (Aws.DeploymentOutputs.Load(b.Names, b.Settings.OutputsFile)?.TryGet(Outputs.EksLegacyAdminEntryPrincipal) is { } recorded)
            principal = recorded;
        else if (b.Aws.DescribeStack(b.Names.Stack(StackKind.Eks)) is { } eks)
            principal = Aws.DeploymentOutputs.FromStackDescriptions(b.Names, [eks]).TryGet(Outputs.EksLegacyAdminEntryPrincipal);
        else
            return null;
        if (principal is null or Outputs.NoLegacyAdminEntry) return null;
        var account = b.Settings.Account;
        var key = ClusterPrincipals.Key(principal, account);
        if (Listed(b).Append(deployer).OfType<string>().Any(p => ClusterPrincipals.Key(p, account) == key)) return principal;
        b.Log.Warning($"{principal} had cluster-admin from before the access list (entry AdminAccessEntry) and is not listed: this deploy removes its " +
                      $"access entry. To keep it, add \"{key}\" to EksConfig.AdminPrincipals in src/Exchange.Contracts/Environments.cs.");
        return null;
    }

    /// <summary>SHA-256 over the infra sources, the shared contracts, the build props and the context.</summary>
    public static string Fingerprint(string repoRoot, IReadOnlyDictionary<string, string> context)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var roots = new[] { "infra", Path.Combine("src", "Exchange.Contracts") };
        var files = roots.SelectMany(r => SourceFiles(Path.Combine(repoRoot, r)))
            .Concat(new[] { "global.json", "Directory.Build.props", "Directory.Packages.props" }
                .Select(f => Path.Combine(repoRoot, f)).Where(File.Exists))
            .Select(f => Path.GetRelativePath(repoRoot, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);
        foreach (var file in files)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(file + "\0"));
            sha.AppendData(SHA256.HashData(File.ReadAllBytes(Path.Combine(repoRoot, file))));
        }
        foreach (var (key, value) in context) sha.AppendData(Encoding.UTF8.GetBytes($"-c {key}={value}\n"));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static readonly HashSet<string> SkippedDirs = new(StringComparer.Ordinal) { "bin", "obj", "node_modules", "cdk.out", ".git" };

    private static IEnumerable<string> SourceFiles(string dir)
    {
        if (!Directory.Exists(dir)) yield break;
        foreach (var file in Directory.EnumerateFiles(dir)) yield return file;
        foreach (var sub in Directory.EnumerateDirectories(dir))
            if (!SkippedDirs.Contains(Path.GetFileName(sub)))
                foreach (var file in SourceFiles(sub)) yield return file;
    }
}
