using System.Globalization;
using System.Text.RegularExpressions;
using Exchange.Build.Processes;
using Exchange.Build.Settings;
using Exchange.Build.Text;
using Exchange.Build.Tools;
using Exchange.Contracts;
using System.Text.Json.Nodes;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>How a tool fares: works, works with a warning, a docker client without a running engine, or missing (not usable).</summary>
public enum ToolStatus { Ok, Warning, NoEngine, Missing }

/// <summary>One row of Doctor's table.</summary>
public sealed record ToolCheck(ToolKind Tool, ToolStatus Status, string Version, string Detail)
{
    /// <summary>Stops the targets that run the tool (missing, or a docker client with no engine to talk to).</summary>
    public bool Blocks => Status is ToolStatus.Missing or ToolStatus.NoEngine;

    /// <summary>The status as the table shows it.</summary>
    public string Shown => Status == ToolStatus.NoEngine ? "no engine" : Status.ToString().ToLowerInvariant();
}

/// <summary>
/// Prerequisites and their versions in one table (works with no account and no credentials), then,
/// when an account is configured, the AWS identity behind the account guard and the region; and, when a
/// tool is missing, which targets still work without it.
/// </summary>
public static partial class Doctor
{
    /// <summary>The tools Doctor checks, in the order of its table.</summary>
    public static readonly IReadOnlyList<ToolKind> Tools =
        [ToolKind.Dotnet, ToolKind.Node, ToolKind.Npm, ToolKind.Cdk, ToolKind.Aws, ToolKind.Docker, ToolKind.Kubectl, ToolKind.Git];

    /// <summary>The tools this run needs: all of <see cref="Tools"/>, and the Session Manager plugin when kubectl goes through the tunnel.</summary>
    public static IReadOnlyList<ToolKind> ToolsFor(ClusterPath path) => path == ClusterPath.Tunnel ? [.. Tools, ToolKind.SessionManagerPlugin] : Tools;

    public static void Run(BuildContext b)
    {
        var pinnedCdk = PinnedCdk(b.Settings.InfraDir);
        var eks = b.Settings.Environment.Of<EksConfig>();
        // The version checks are independent processes (cdk's alone takes 1.5 s to start): run them side by side.
        var checks = ToolsFor(b.Settings.ClusterPath).AsParallel().AsOrdered().WithDegreeOfParallelism(4)
            .Select(kind => Probe(b, kind, pinnedCdk, eks.KubernetesVersion)).ToArray();
        b.ToolChecks = checks;
        var rows = checks.Select(c => new Row(Name(c.Tool), c.Shown, c.Version, c.Detail)).ToList();
        rows.Add(new Row("eks api", EksEndpointAccess.IsOpenToAnywhere(eks.PublicAccessCidrs) ? "warning" : "ok", "-",
            EksEndpointAccess.Describe(eks.PublicAccessCidrs)));
        rows.Add(new Row("api path", "ok", "-", "kubectl goes " + ClusterPaths.Describe(b.Settings.ClusterPath, eks.PublicAccessCidrs)));
        rows.Add(new Row("backend", eks.BackendLoadBalancer && EksEndpointAccess.IsOpenToAnywhere(eks.BackendPublicCidrs) ? "warning" : "ok", "-",
            BackendAccess.Describe(eks.BackendPublicCidrs, eks.BackendLoadBalancer)));

        var document = new JsonObject
        {
            ["tools"] = new JsonArray(checks.Select(c => (JsonNode)new JsonObject
            {
                ["tool"] = Name(c.Tool), ["status"] = c.Shown, ["version"] = c.Version, ["detail"] = c.Detail,
            }).ToArray()),
            ["eksEndpoint"] = EksEndpointAccess.Describe(eks.PublicAccessCidrs),
        };
        var blocking = checks.Where(c => c.Blocks).ToArray();
        var works = StillWorks(blocking.Select(c => c.Tool).ToHashSet());
        document["ok"] = blocking.Length == 0;
        document["stillWorks"] = new JsonArray(works.Select(t => (JsonNode)t).ToArray());
        document["aws"] = null;
        b.Document = document;
        string aws;
        if (blocking.Length > 0)
        {
            // The tools first: the AWS checks wait until they work (the aws CLI may be what is missing).
            foreach (var line in Table(rows)) b.Log.Information(line);
            b.Log.Information($"Still works without {string.Join(" and ", blocking.Select(Missing))}: {string.Join(", ", works)}.");
            if (b.Settings.Account is not null) b.Log.Information("AWS checks skipped until the tools work.");
            throw new InvalidOperationException($"{blocking.Length} of {checks.Length} tools missing or not working: " +
                                                $"{string.Join(", ", blocking.Select(m => $"{Name(m.Tool)} ({m.Shown})"))}.\n" +
                                                string.Join("\n", blocking.Select(m => $"  - {Name(m.Tool)}: {m.Detail}")));
        }
        if (b.Settings.Account is null)
        {
            aws = "AWS skipped (no account)";
            foreach (var line in Table(rows)) b.Log.Information(line);
            foreach (var line in ShellWrap.Prose(
                         "AWS checks skipped: no account is configured. To check the identity and the region, log in (`aws sso login " +
                         $"--profile NAME`, export AWS_PROFILE=NAME) and run `./build.sh --target=Doctor --{ArgumentNames.Account}=123456789012` " +
                         $"(or set {EnvVars.Account}).", "", "  "))
                b.Log.Information(line);
        }
        else
        {
            var identity = b.EnsureAccount();
            rows.Add(new Row("identity", "ok", "-", identity.Arn));
            var regionVariable = b.Settings.AwsRegionVariable is { } variable && variable != b.Settings.Region ? variable : null;
            rows.Add(new Row("region", regionVariable is null ? "ok" : "warning", "-", b.Settings.Region +
                (regionVariable is null ? "" : $" (AWS_REGION/AWS_DEFAULT_REGION is {regionVariable}; the pipeline always passes --region)")));
            foreach (var line in Table(rows)) b.Log.Information(line);
            if (regionVariable is not null)
                b.Log.Warning($"AWS_REGION/AWS_DEFAULT_REGION is {regionVariable}, but environment '{b.Settings.Environment.EnvName}' lives in " +
                              $"{b.Settings.Region}; the pipeline always passes --region {b.Settings.Region}.");
            aws = $"account {identity.Account}, region {b.Settings.Region}";
            document["aws"] = new JsonObject { ["account"] = identity.Account, ["identity"] = identity.Arn, ["region"] = b.Settings.Region };
        }

        foreach (var warning in EndpointWarnings(eks.PublicAccessCidrs)) b.Log.Warning(warning);
        foreach (var warning in BackendWarnings(eks.BackendPublicCidrs, eks.BackendLoadBalancer)) b.Log.Warning(warning);

        if (Operations.KubernetesChecks.SupportWarning(eks.KubernetesVersion, b.Now(), "configured") is { } support) b.Log.Warning(support);
        var warnings = checks.Count(c => c.Status == ToolStatus.Warning);
        b.Report.Add(TaskNames.Doctor, StepOutcome.Checked, $"{checks.Length} tools, {warnings} warning(s); {aws}");
    }

    /// <summary>What the missing tool is called in "still works without ...": docker's engine, kubectl.</summary>
    private static string Missing(ToolCheck check) => check.Status == ToolStatus.NoEngine ? $"{Name(check.Tool)}'s engine" : Name(check.Tool);

    /// <summary>
    /// The targets that need none of <paramref name="missing"/> (Doctor itself always runs: it reports them); without the Session
    /// Manager plugin, no target that reaches the cluster (the tunnel needs it).
    /// </summary>
    public static IReadOnlyList<string> StillWorks(IReadOnlySet<ToolKind> missing) =>
        Targets.All.Where(t => t.Name != TaskNames.Doctor && !Targets.ToolsOfRun(t.Name).Overlaps(missing)
                && !(missing.Contains(ToolKind.SessionManagerPlugin) && Targets.Order(t.Name).Any(o => o.Reaches.HasFlag(Reach.Cluster))))
            .Select(t => t.Name).ToArray();

    /// <summary>An endpoint open to the internet (the private one is reached through the tunnel; listed CIDRs are a choice).</summary>
    internal static IEnumerable<string> EndpointWarnings(IReadOnlyList<string> cidrs)
    {
        var how = $"--{ArgumentNames.EksPublicCidrs}=<office/VPN CIDRs> or '{EksEndpointAccess.PrivateOnly}' (or EksConfig.PublicAccessCidrs in " +
                  "src/Exchange.Contracts/Environments.cs); the SSM tunnel needs no public endpoint at all";
        if (EksEndpointAccess.IsOpenToAnywhere(cidrs))
            yield return $"The EKS API endpoint is open to {EksEndpointAccess.Anywhere}: anyone on the internet can reach it (IAM and " +
                         $"access entries still guard every call). This was chosen explicitly; to limit it, pass {how}.";
    }

    /// <summary>A backend load balancer open to the whole internet (chosen explicitly: it is never the default).</summary>
    internal static IEnumerable<string> BackendWarnings(IReadOnlyList<string> cidrs, bool loadBalancer)
    {
        if (loadBalancer && EksEndpointAccess.IsOpenToAnywhere(cidrs))
            yield return $"The backend's load balancer admits {EksEndpointAccess.Anywhere}: anyone on the internet can call the backend over plain " +
                         $"HTTP. This was chosen explicitly; to limit it, pass --{ArgumentNames.BackendPublicCidrs}=<office/VPN CIDRs> (or " +
                         "EksConfig.BackendPublicCidrs in src/Exchange.Contracts/Environments.cs).";
    }

    /// <summary>One row of the table: the tool (or eks api, identity, region), its status, version and detail.</summary>
    public sealed record Row(string Tool, string Status, string Version, string Detail);

    /// <summary>The tools as rows (tests, and callers without AWS rows).</summary>
    public static IEnumerable<string> Table(IReadOnlyList<ToolCheck> checks) =>
        Table(checks.Select(c => new Row(Name(c.Tool), c.Shown, c.Version, c.Detail)).ToArray());

    /// <summary>The table: tool, status, version, and the path or the reason (wrapped to the output width).</summary>
    public static IEnumerable<string> Table(IReadOnlyList<Row> rows)
    {
        var version = Math.Clamp(rows.Max(c => c.Version.Length), "version".Length, 30);
        var status = rows.Max(c => c.Status.Length);
        string Line(string tool, string s, string v, string detail) => $"  {tool,-8} {s.PadRight(status)} {v.PadRight(version)} {detail}";
        var indent = new string(' ', Line("", "", "", "").Length);
        yield return Line("tool", "status", "version", "path, or what to do").TrimEnd();
        foreach (var r in rows)
            foreach (var line in ShellWrap.Prose(r.Detail, Line(r.Tool, r.Status, r.Version, ""), indent))
                yield return line;
    }

    private static string Name(ToolKind kind) => kind == ToolKind.Docker ? "docker" : ToolResolver.Specs[kind].Command;

    private static ToolCheck Probe(BuildContext b, ToolKind kind, string? pinnedCdk, string clusterVersion)
    {
        CommandLine command;
        try
        {
            b.Tools.Require(kind); // in Plan's replay too, where commands of missing tools still show
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
            return kind == ToolKind.Docker && Version(firstLine) is { } client
                ? new ToolCheck(kind, ToolStatus.NoEngine, client,
                    $"client installed ({path}), but no Docker engine answers ({ProcessRunner.Tail(output, 1)}): start one (`sudo bash .ci/run` " +
                    "does), or set DOCKER_HOST to the engine's socket")
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

    /// <summary>The aws-cdk version infra/package.json pins (the one place it is written), or null without it.</summary>
    public static string? PinnedCdk(string infraDir)
    {
        var file = Path.Combine(infraDir, "package.json");
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
