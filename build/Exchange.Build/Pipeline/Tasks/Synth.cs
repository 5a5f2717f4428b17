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
        var context = Context(b);
        var fingerprint = Fingerprint(b.Settings.RepoRoot, context);
        var outDir = b.Settings.CdkOutDir;
        var stamp = Path.Combine(outDir, FingerprintFile);
        if (File.Exists(Path.Combine(outDir, "manifest.json")) && File.Exists(stamp) && File.ReadAllText(stamp).Trim() == fingerprint)
        {
            b.Log.Information($"Cloud assembly {outDir} is up to date (fingerprint {fingerprint[..12]}); not synthesizing.");
            b.Report.Add(TaskNames.Synth, StepOutcome.Unchanged, "cloud assembly up to date");
            b.AssemblyChecked = true;
            return;
        }
        if (File.Exists(stamp)) File.Delete(stamp);
        var command = b.Cdk.SynthCommand(outDir, context);
        using var alone = Files.CheckoutLock.Acquire(Path.Combine(b.Settings.InfraDir, "obj", LockFile), "cdk synth", b.Log,
            TimeSpan.FromMinutes(10), b.Interruption.Token);
        b.Log.Timed($"Synthesizing {b.Names.AllStacks.Count} stacks into {Path.GetRelativePath(b.Settings.RepoRoot, outDir)} (cdk synth)", () =>
            b.Cdk.Run(command, b.Settings.InfraDir, line => b.Log.Verbose("  cdk | " + line),
                "run `cd infra && npx cdk synth` to see the full error"));
        Files.AtomicFile.WriteAllText(stamp, fingerprint);
        b.Report.Add(TaskNames.Synth, StepOutcome.Changed, $"synthesized {b.Names.AllStacks.Count} stacks");
        b.AssemblyChecked = true;
    }

    /// <summary>
    /// The -c values: environment, pinned account, the EKS endpoint's and the backend load balancer's CIDR overrides, and (when this run
    /// deploys) who gets cluster-admin.
    /// </summary>
    public static SortedDictionary<string, string> Context(BuildContext b)
    {
        var context = new SortedDictionary<string, string>(StringComparer.Ordinal) { [ContextKeys.Env] = b.Settings.Environment.EnvName };
        if (b.Settings.Account is { } account) context[ContextKeys.Account] = account;
        if (b.Settings.EksPublicCidrsOverride is { } cidrs) context[ContextKeys.EksPublicAccessCidrs] = EksEndpointAccess.Format(cidrs);
        if (b.Settings.BackendPublicCidrsOverride is { } backend) context[ContextKeys.BackendPublicCidrs] = EksEndpointAccess.Format(backend);
        if (b.Settings.AdminPrincipal is { } admin) context[ContextKeys.AdminPrincipalArn] = admin;
        else if (b.RunTouchesAws) context[ContextKeys.AdminPrincipalArn] = DeployedAdmin(b) ?? CallerPrincipal(b);
        return context;
    }

    /// <summary>
    /// The deploying identity as an EKS access entry takes it: an IAM user or role ARN, path included.
    /// An assumed-role session (SSO, a CI role) is looked up with <c>aws iam get-role</c>; when that is not
    /// possible the run stops here, before anything is deployed, and says what to pass instead.
    /// </summary>
    public static string CallerPrincipal(BuildContext b)
    {
        var identity = b.EnsureAccount();
        if (identity.IsIamPrincipal) return identity.Arn;
        var pass = $"Pass the cluster admin's IAM role ARN, path included, with " +
            $"--{ArgumentNames.AdminPrincipal}=arn:aws:iam::{identity.Account}:role/PATH/NAME";
        if (identity.AssumedRoleName is not { } role)
            throw new SettingsException([$"Your identity {identity.Arn} is neither an IAM user nor an assumed role, so it cannot be the cluster admin. " +
                $"{pass}."]);
        try
        {
            var arn = b.Aws.GetRoleArn(role);
            if (arn != $"arn:aws:iam::{identity.Account}:role/{role}") b.Log.Information($"Cluster admin: {arn} (the role behind {identity.Arn})");
            return arn;
        }
        catch (CommandFailedException e)
        {
            throw new SettingsException([$"Cannot find the IAM role behind your session {identity.Arn}: `aws iam get-role --role-name {role}` failed " +
                $"({e.ErrorTail.Trim()}). " +
                                         $"EKS rejects the role's ARN without its path. {pass} " +
                                         "(for an SSO role: " +
                $"--{ArgumentNames.AdminPrincipal}=arn:aws:iam::{identity.Account}:role/aws-reserved/sso.amazonaws.com/REGION/{role}, " +
                                         "REGION being your IAM Identity Center's; the IAM console shows the ARN), or ask for iam:GetRole on your role."]);
        }
    }

    /// <summary>
    /// The admin the deployed cluster already has: a deploy by another identity (CI, a colleague) keeps
    /// it instead of handing the cluster to whoever ran last. --admin-principal changes it on purpose.
    /// </summary>
    private static string? DeployedAdmin(BuildContext b)
    {
        if (b.Aws.DescribeStack(b.Names.Stack(StackKind.Eks)) is not { } eks) return null;
        var value = Aws.DeploymentOutputs.FromStackDescriptions(b.Names, [eks]).TryGet(Outputs.EksAdminPrincipalArn);
        return value is null or Outputs.NoAdminPrincipal ? null : value;
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
