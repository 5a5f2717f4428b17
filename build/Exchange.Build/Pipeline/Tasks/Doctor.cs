using System.Text.RegularExpressions;
using Exchange.Build.Processes;
using Exchange.Build.Settings;
using Exchange.Build.Tools;
using Exchange.Contracts;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>Prerequisites and versions, the AWS identity behind the account guard, and the region.</summary>
public static partial class Doctor
{
    public static void Run(BuildContext b)
    {
        var problems = new List<string>();
        var pinnedCdk = PinnedCdk(b);
        foreach (var (kind, command) in new (ToolKind, Func<CommandLine>)[]
                 {
                     (ToolKind.Dotnet, () => Plain(b, ToolKind.Dotnet)), (ToolKind.Node, () => Plain(b, ToolKind.Node)),
                     (ToolKind.Npm, () => Plain(b, ToolKind.Npm)), (ToolKind.Cdk, b.Cdk.VersionCommand), (ToolKind.Aws, b.Aws.VersionCommand),
                     (ToolKind.Docker, b.Docker.VersionCommand), (ToolKind.Kubectl, b.Kubectl.VersionCommand),
                 })
        {
            var version = Probe(b, kind, command, problems);
            if (version is null) continue;
            if (kind == ToolKind.Node) CheckNode(b, version, problems);
            foreach (var warning in VersionWarnings(kind, version, pinnedCdk)) b.Log.Warning(warning);
        }

        var identity = b.EnsureAccount();
        b.Log.Information($"  {"identity",-8} {identity.Arn}");
        b.Log.Information($"  {"region",-8} {b.Settings.Region}");
        if (b.Settings.AwsRegionVariable is { } variable && variable != b.Settings.Region)
            b.Log.Warning($"AWS_REGION/AWS_DEFAULT_REGION is {variable}, but environment '{b.Settings.Environment.EnvName}' lives in " +
                          $"{b.Settings.Region}; the pipeline always passes --region {b.Settings.Region}.");
        b.Log.Information($"  {"eks api",-8} {EksEndpointAccess.Describe(b.Settings.Environment.EksPublicAccessCidrs)}");
        foreach (var warning in EndpointWarnings(b.Settings.Environment.EksPublicAccessCidrs, b.TasksToRun.Any(TaskNames.UseClusterApi.Contains)))
            b.Log.Warning(warning);
        if (problems.Count > 0)
            throw new InvalidOperationException("Doctor found problems:\n" + string.Join("\n", problems.Select(p => "  - " + p)));
        b.Report.Add(TaskNames.Doctor, StepOutcome.Checked, $"tools present, account {identity.Account}, region {b.Settings.Region}");
    }

    /// <summary>An endpoint open to the internet, or one that this run's kubectl steps cannot reach from outside the VPC.</summary>
    internal static IEnumerable<string> EndpointWarnings(IReadOnlyList<string> cidrs, bool runUsesClusterApi)
    {
        var how = $"--{ArgumentNames.EksPublicCidrs}=<office/VPN CIDRs> (or EksPublicAccessCidrs in src/Exchange.Contracts/Environments.cs)";
        if (EksEndpointAccess.IsOpenToAnywhere(cidrs))
            yield return $"The EKS API endpoint is open to {EksEndpointAccess.Anywhere}: anyone on the internet can reach it (IAM and " +
                         $"access entries still guard every call). This was chosen explicitly; to limit it, pass {how}.";
        else if (cidrs.Count == 0 && runUsesClusterApi)
            yield return "The EKS API endpoint is private only (no public CIDRs configured): kubectl steps (Kubeconfig, Secrets, ApplyK8s, " +
                         $"Verify, Status) reach it only from inside the VPC (VPN, a runner in the VPC). To use it from here, pass {how}.";
    }

    private static CommandLine Plain(BuildContext b, ToolKind kind) =>
        new CommandLine(ToolResolver.Specs[kind].Command, b.Tools.Resolve(kind)).Add("--version");

    private static string? Probe(BuildContext b, ToolKind kind, Func<CommandLine> version, List<string> problems)
    {
        var spec = ToolResolver.Specs[kind];
        CommandLine command;
        try { command = version(); }
        catch (ToolNotFoundException e) { problems.Add(e.Message); return null; }
        var path = command.Executable;
        var result = b.Runner.Run(command,
            new ProcessOptions { AllowFailure = true, Timeout = TimeSpan.FromSeconds(60), Environment = CdkCli.Environment });
        var text = (result.StandardOutput + "\n" + result.StandardError).Trim().Split('\n')[0].Trim();
        if (!result.Succeeded)
        {
            problems.Add(b.Redactor.Redact(kind == ToolKind.Docker
                ? $"docker cannot reach its engine ({ProcessRunner.Tail(result.StandardError, 2)}). Start Docker, or set DOCKER_HOST."
                : $"'{command.RenderSafe()}' failed: {ProcessRunner.Tail(result.StandardError, 3)}"));
            return null;
        }
        b.Log.Information($"  {spec.Command,-8} {text}  ({path})");
        return text;
    }

    /// <summary>Versions that work but are not what the project is tested with.</summary>
    internal static IEnumerable<string> VersionWarnings(ToolKind kind, string version, string? pinnedCdk)
    {
        if (kind == ToolKind.Aws && !version.StartsWith("aws-cli/2.", StringComparison.Ordinal))
            yield return $"AWS CLI '{version}' is not v2: install AWS CLI v2 (v1 lacks some commands and output shapes the pipeline relies on).";
        if (kind == ToolKind.Cdk && pinnedCdk is not null && !version.StartsWith(pinnedCdk + " ", StringComparison.Ordinal) && version != pinnedCdk)
            yield return $"cdk is '{version}', not the pinned {pinnedCdk}: run `npm ci --prefix infra` (or unset CDK_PATH).";
        if (kind == ToolKind.Kubectl && KubectlMinor().Match(version) is { Success: true } m
            && int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) < 33)
            yield return $"kubectl {version} is older than 1.33: EKS 1.35 supports clients within one minor version; install a current kubectl.";
    }

    /// <summary>The aws-cdk version infra/package.json pins.</summary>
    private static string? PinnedCdk(BuildContext b)
    {
        var file = Path.Combine(b.Settings.InfraDir, "package.json");
        if (!File.Exists(file)) return null;
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file));
        return json.RootElement.TryGetProperty("devDependencies", out var dev) && dev.TryGetProperty("aws-cdk", out var cdk) ? cdk.GetString() : null;
    }

    [GeneratedRegex(@"v1\.(\d+)\.")] private static partial Regex KubectlMinor();

    /// <summary>Node &lt; 20 cannot run the CDK CLI; 20 works but left CDK support on 2026-10-30.</summary>
    internal static void CheckNode(BuildContext b, string version, List<string> problems)
    {
        var major = NodeMajor(version);
        if (major is null) problems.Add($"Could not read the Node.js version from '{version}'.");
        else if (major < 20) problems.Add($"Node.js {version} is too old for the CDK CLI: install Node.js 22 LTS.");
        else if (major < 22) b.Log.Warning($"Node.js {version} works, but CDK support for Node 20 ended on 2026-10-30: install Node.js 22 LTS.");
    }

    internal static int? NodeMajor(string version) =>
        NodeVersion().Match(version) is { Success: true } m ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;

    [GeneratedRegex(@"v?(\d+)\.\d+")] private static partial Regex NodeVersion();
}
