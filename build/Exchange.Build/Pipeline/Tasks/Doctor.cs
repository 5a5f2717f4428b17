using System.Text.RegularExpressions;
using Exchange.Build.Processes;
using Exchange.Build.Tools;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>Prerequisites and versions, the AWS identity behind the account guard, and the region.</summary>
public static partial class Doctor
{
    public static void Run(BuildContext b)
    {
        var problems = new List<string>();
        foreach (var (kind, args) in new (ToolKind, string[])[]
                 {
                     (ToolKind.Dotnet, ["--version"]), (ToolKind.Node, ["--version"]), (ToolKind.Npm, ["--version"]),
                     (ToolKind.Cdk, ["--version"]), (ToolKind.Aws, ["--version"]),
                     (ToolKind.Docker, ["version", "--format", "{{.Client.Version}} (engine {{.Server.Version}})"]),
                     (ToolKind.Kubectl, ["version", "--client"]),
                 })
        {
            var version = Probe(b, kind, args, problems);
            if (kind == ToolKind.Node && version is not null) CheckNode(b, version, problems);
        }

        var identity = b.EnsureAccount();
        b.Log.Information($"  {"identity",-8} {identity.Arn}");
        b.Log.Information($"  {"region",-8} {b.Settings.Region}");
        if (b.Settings.AwsRegionVariable is { } variable && variable != b.Settings.Region)
            b.Log.Warning($"AWS_REGION/AWS_DEFAULT_REGION is {variable}, but environment '{b.Settings.Environment.EnvName}' lives in " +
                          $"{b.Settings.Region}; the pipeline always passes --region {b.Settings.Region}.");
        if (problems.Count > 0)
            throw new InvalidOperationException("Doctor found problems:\n" + string.Join("\n", problems.Select(p => "  - " + p)));
        b.Report.Add(TaskNames.Doctor, StepOutcome.Checked, $"tools present, account {identity.Account}, region {b.Settings.Region}");
    }

    private static string? Probe(BuildContext b, ToolKind kind, string[] args, List<string> problems)
    {
        var spec = ToolResolver.Specs[kind];
        string path;
        try { path = b.Tools.Resolve(kind); }
        catch (ToolNotFoundException e) { problems.Add(e.Message); return null; }
        var result = b.Runner.Run(new CommandLine(spec.Command, path).Add(args),
            new ProcessOptions { AllowFailure = true, Timeout = TimeSpan.FromSeconds(60), Environment = CdkCli.Environment });
        var text = (result.StandardOutput + "\n" + result.StandardError).Trim().Split('\n')[0].Trim();
        if (!result.Succeeded)
        {
            problems.Add(kind == ToolKind.Docker
                ? $"docker cannot reach its engine ({ProcessRunner.Tail(result.StandardError, 2)}). Start Docker, or set DOCKER_HOST."
                : $"'{spec.Command} {string.Join(' ', args)}' failed: {ProcessRunner.Tail(result.StandardError, 3)}");
            return null;
        }
        b.Log.Information($"  {spec.Command,-8} {text}  ({path})");
        return text;
    }

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
