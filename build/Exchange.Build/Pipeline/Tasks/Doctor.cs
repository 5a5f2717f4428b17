using System.Globalization;
using System.Text.RegularExpressions;
using Exchange.Build.Processes;
using Exchange.Build.Settings;
using Exchange.Build.Text;
using Exchange.Build.Tools;
using Exchange.Contracts;

namespace Exchange.Build.Pipeline.Tasks;

public enum ToolStatus { Ok, Warning, Missing }

/// <summary>One row of Doctor's table.</summary>
public sealed record ToolCheck(ToolKind Tool, ToolStatus Status, string Version, string Detail);

/// <summary>
/// Prerequisites and their versions in one table (works with no account and no credentials), then,
/// when an account is configured, the AWS identity behind the account guard and the region.
/// </summary>
public static partial class Doctor
{
    /// <summary>The tools Doctor checks, in the order of its table.</summary>
    public static readonly IReadOnlyList<ToolKind> Tools =
        [ToolKind.Dotnet, ToolKind.Node, ToolKind.Npm, ToolKind.Cdk, ToolKind.Aws, ToolKind.Docker, ToolKind.Kubectl, ToolKind.Git];

    public static void Run(BuildContext b)
    {
        var pinnedCdk = PinnedCdk(b);
        var cluster = b.Settings.Environment.Of<EksConfig>().KubernetesVersion;
        // The version checks are independent processes (cdk's alone takes 1.5 s to start): run them side by side.
        var checks = Tools.AsParallel().AsOrdered().WithDegreeOfParallelism(4).Select(kind => Probe(b, kind, pinnedCdk, cluster)).ToArray();
        foreach (var line in Table(checks)) b.Log.Information(line);

        string aws;
        if (b.Settings.Account is null)
        {
            aws = "AWS skipped (no account)";
            foreach (var line in ShellWrap.Prose(
                         "AWS checks skipped: no account is configured. To check the identity and the region, log in (`aws sso login " +
                         $"--profile NAME`, export AWS_PROFILE=NAME) and run `./build.sh --target=Doctor --{ArgumentNames.Account}=123456789012` " +
                         $"(or set {EnvVars.Account}).", "", "  "))
                b.Log.Information(line);
        }
        else
        {
            var identity = b.EnsureAccount();
            b.Log.Information($"  {"identity",-8} {identity.Arn}");
            b.Log.Information($"  {"region",-8} {b.Settings.Region}");
            if (b.Settings.AwsRegionVariable is { } variable && variable != b.Settings.Region)
                b.Log.Warning($"AWS_REGION/AWS_DEFAULT_REGION is {variable}, but environment '{b.Settings.Environment.EnvName}' lives in " +
                              $"{b.Settings.Region}; the pipeline always passes --region {b.Settings.Region}.");
            aws = $"account {identity.Account}, region {b.Settings.Region}";
        }

        b.Log.Information($"  {"eks api",-8} {EksEndpointAccess.Describe(b.Settings.Environment.Of<EksConfig>().PublicAccessCidrs)}");
        foreach (var warning in EndpointWarnings(b.Settings.Environment.Of<EksConfig>().PublicAccessCidrs, b.TasksToRun.Any(TaskNames.UseClusterApi.Contains)))
            b.Log.Warning(warning);

        var eks = b.Settings.Environment.Of<EksConfig>();
        b.Log.Information($"  {"backend",-8} {BackendAccess.Describe(eks.BackendPublicCidrs, eks.BackendLoadBalancer)}");
        foreach (var warning in BackendWarnings(eks.BackendPublicCidrs, eks.BackendLoadBalancer)) b.Log.Warning(warning);

        var missing = checks.Where(c => c.Status == ToolStatus.Missing).ToArray();
        if (missing.Length > 0)
            throw new InvalidOperationException($"Doctor: {missing.Length} of {checks.Length} tools missing or not working:\n" +
                                                string.Join("\n", missing.Select(m => $"  - {Name(m.Tool)}: {m.Detail}")));
        var warnings = checks.Count(c => c.Status == ToolStatus.Warning);
        b.Report.Add(TaskNames.Doctor, StepOutcome.Checked, $"{checks.Length} tools, {warnings} warning(s); {aws}");
    }

    /// <summary>An endpoint open to the internet, or one that this run's kubectl steps cannot reach from outside the VPC.</summary>
    internal static IEnumerable<string> EndpointWarnings(IReadOnlyList<string> cidrs, bool runUsesClusterApi)
    {
        var how = $"--{ArgumentNames.EksPublicCidrs}=<office/VPN CIDRs> (or EksConfig.PublicAccessCidrs in src/Exchange.Contracts/Environments.cs)";
        if (EksEndpointAccess.IsOpenToAnywhere(cidrs))
            yield return $"The EKS API endpoint is open to {EksEndpointAccess.Anywhere}: anyone on the internet can reach it (IAM and " +
                         $"access entries still guard every call). This was chosen explicitly; to limit it, pass {how}.";
        else if (cidrs.Count == 0 && runUsesClusterApi)
            yield return "The EKS API endpoint is private only (no public CIDRs configured): kubectl steps (Kubeconfig, Secrets, ApplyK8s, " +
                         $"Verify, Status) reach it only from inside the VPC (VPN, a runner in the VPC). To use it from here, pass {how}.";
    }

    /// <summary>A backend load balancer open to the whole internet (chosen explicitly: it is never the default).</summary>
    internal static IEnumerable<string> BackendWarnings(IReadOnlyList<string> cidrs, bool loadBalancer)
    {
        if (loadBalancer && EksEndpointAccess.IsOpenToAnywhere(cidrs))
            yield return $"The backend's load balancer admits {EksEndpointAccess.Anywhere}: anyone on the internet can call the backend over plain " +
                         $"HTTP. This was chosen explicitly; to limit it, pass --{ArgumentNames.BackendPublicCidrs}=<office/VPN CIDRs> (or " +
                         "EksConfig.BackendPublicCidrs in src/Exchange.Contracts/Environments.cs).";
    }

    /// <summary>The table: tool, status, version, and the path or the reason (wrapped to the terminal width).</summary>
    public static IEnumerable<string> Table(IReadOnlyList<ToolCheck> checks)
    {
        var version = Math.Clamp(checks.Max(c => c.Version.Length), "version".Length, 30);
        string Row(string tool, string status, string v, string detail) => $"  {tool,-8} {status,-8} {v.PadRight(version)} {detail}";
        var indent = new string(' ', Row("", "", "", "").Length);
        yield return Row("tool", "status", "version", "path, or what to do").TrimEnd();
        foreach (var c in checks)
            foreach (var line in ShellWrap.Prose(c.Detail, Row(Name(c.Tool), c.Status.ToString().ToLowerInvariant(), c.Version, ""), indent))
                yield return line;
    }

    private static string Name(ToolKind kind) => kind == ToolKind.Docker ? "docker" : ToolResolver.Specs[kind].Command;

    private static ToolCheck Probe(BuildContext b, ToolKind kind, string? pinnedCdk, string clusterVersion)
    {
        CommandLine command;
        try
        {
            command = kind switch
            {
                ToolKind.Cdk => b.Cdk.VersionCommand(),
                ToolKind.Aws => b.Aws.VersionCommand(),
                ToolKind.Docker => b.Docker.VersionCommand(),
                ToolKind.Kubectl => b.Kubectl.VersionCommand(),
                _ => new CommandLine(ToolResolver.Specs[kind].Command, b.Tools.Resolve(kind)).Add("--version"),
            };
        }
        catch (ToolNotFoundException e) { return new ToolCheck(kind, ToolStatus.Missing, "-", e.Message); }
        var result = b.Runner.Run(command,
            new ProcessOptions { AllowFailure = true, Timeout = TimeSpan.FromSeconds(60), Environment = CdkCli.Environment });
        var output = (result.StandardOutput + "\n" + result.StandardError).Trim();
        var check = Assess(kind, result.Succeeded, output, command.Executable, pinnedCdk, clusterVersion);
        return check with { Detail = b.Redactor.Redact(check.Detail) };
    }

    /// <summary>
    /// What one tool's version output means: ok, a warning (works, but not what the project is
    /// tested with or soon unsupported) or missing (does not run, or cannot work).
    /// </summary>
    public static ToolCheck Assess(ToolKind kind, bool succeeded, string output, string path, string? pinnedCdk, string clusterVersion)
    {
        var firstLine = output.Split('\n')[0].Trim();
        if (!succeeded)
            return kind == ToolKind.Docker
                ? new ToolCheck(kind, ToolStatus.Missing, Version(firstLine) ?? "-",
                    $"no Docker engine answers ({ProcessRunner.Tail(output, 1)}): start Docker (`sudo bash .ci/run` starts one), " +
                    "or set DOCKER_HOST to the engine's socket")
                : new ToolCheck(kind, ToolStatus.Missing, "-", $"'{path} --version' failed: {ProcessRunner.Tail(output, 2)}");
        var version = Version(firstLine) ?? firstLine;
        var ok = new ToolCheck(kind, ToolStatus.Ok, version, path);
        ToolCheck Warn(string why) => ok with { Status = ToolStatus.Warning, Detail = why };
        switch (kind)
        {
            case ToolKind.Node when Major(version) is not { } major:
                return ok with { Status = ToolStatus.Missing, Detail = $"could not read the Node.js version from '{firstLine}'" };
            case ToolKind.Node when Major(version) < 20:
                return ok with { Status = ToolStatus.Missing, Detail = $"Node.js {version} is too old for the CDK CLI: install Node.js 22 LTS" };
            case ToolKind.Node when Major(version) < 22:
                return Warn($"works, but CDK support for Node 20 ended on 2026-10-30: install Node.js 22 LTS");
            case ToolKind.Aws when !firstLine.StartsWith("aws-cli/2.", StringComparison.Ordinal):
                return Warn("AWS CLI v1: install AWS CLI v2 (v1 lacks some commands and output shapes the pipeline relies on)");
            case ToolKind.Cdk when pinnedCdk is not null && version != pinnedCdk:
                return Warn($"not the pinned {pinnedCdk}: run `npm ci --prefix infra` (or unset CDK_PATH)");
            case ToolKind.Kubectl when KubectlMinor().Match(output) is { Success: true } m && MinimumKubectl(clusterVersion) is var (major, minor)
                                       && (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
                                           int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)) is var (km, kn)
                                       && (km < major || (km == major && kn < minor)):
                return Warn($"older than {major}.{minor}: the cluster runs {clusterVersion} and kubectl supports one minor version either side; install a " +
                    "current kubectl");
            default:
                return ok;
        }
    }

    /// <summary>The oldest kubectl that supports a cluster of this version (one minor version older).</summary>
    public static (int Major, int Minor) MinimumKubectl(string clusterVersion)
    {
        var parts = clusterVersion.Split('.');
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture) - 1);
    }

    /// <summary>The aws-cdk version infra/package.json pins.</summary>
    private static string? PinnedCdk(BuildContext b)
    {
        var file = Path.Combine(b.Settings.InfraDir, "package.json");
        if (!File.Exists(file)) return null;
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file));
        return json.RootElement.TryGetProperty("devDependencies", out var dev) && dev.TryGetProperty("aws-cdk", out var cdk) ? cdk.GetString() : null;
    }

    private static string? Version(string line)
    {
        if (line.StartsWith("aws-cli/", StringComparison.Ordinal)) return line.Split(' ')[0];
        var docker = DockerVersions().Match(line);
        if (docker.Success) return docker.Groups[2].Success ? $"{docker.Groups[1].Value}, engine {docker.Groups[2].Value}" : docker.Groups[1].Value;
        return VersionNumber().Match(line) is { Success: true } m ? m.Value : null;
    }

    private static int? Major(string version) =>
        VersionNumber().Match(version) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    [GeneratedRegex(@"v?(\d+)\.\d+(\.\d+)?[\w.+-]*")] private static partial Regex VersionNumber();
    [GeneratedRegex(@"^(\S+) \(engine ?(\S+)?\)")] private static partial Regex DockerVersions();
    [GeneratedRegex(@"v(\d+)\.(\d+)\.")] private static partial Regex KubectlMinor();
}
