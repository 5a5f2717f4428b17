using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Exchange.Infra.Tests;

/// <summary>One outcome of cdk-nag's AwsSolutions pack for one resource, as tests/cdk-nag-check reports it.</summary>
public sealed record NagFinding(
    string Rule,
    string Level,
    string Status,
    string Stack,
    string LogicalId,
    string Type,
    string Info,
    string? Finding = null,
    string? Reason = null,
    string? Error = null)
{
    /// <summary>An unsuppressed error, or a rule that could not be evaluated: what fails the check.</summary>
    public bool Fails => Status == "rule-error" || (Status == "open" && Level == "error");

    public bool Suppressed => Status == "suppressed";

    public override string ToString() =>
        $"{Rule} on {Stack}/{LogicalId} ({Type}){(string.IsNullOrEmpty(Finding) || Finding == Rule ? "" : $" [{Finding}]")}: " +
        (Error is null ? Info : $"the rule failed: {Error}");
}

public sealed record NagReport(int Templates, int ResourcesChecked, IReadOnlyList<NagFinding> Findings)
{
    public IReadOnlyList<NagFinding> Failures => Findings.Where(f => f.Fails).ToArray();

    public IReadOnlyList<NagFinding> Suppressed => Findings.Where(f => f.Suppressed).ToArray();

    /// <summary>What a failing test prints: every failure with what to do about it.</summary>
    public string Describe() => Failures.Count == 0
        ? "no unsuppressed cdk-nag errors"
        : $"{Failures.Count} unsuppressed cdk-nag AwsSolutions error(s). Fix the resource, or, for a deliberate dev trade-off, " +
          "add NagSuppressions.Add(resource, new NagSuppression(rule, reason)) next to the decision (a reason constant) " +
          "and list it in the README's dev trade-offs table:\n" + string.Join("\n", Failures.Select(f => "  - " + f));
}

/// <summary>
/// Runs tests/cdk-nag-check (cdk-nag 2.38.2 + aws-cdk-lib 2.176.0, loading templates with
/// cloudformation-include) with node over template files.
/// </summary>
public static class NagCheck
{
    private static readonly JsonSerializerOptions Options = new() { PropertyNameCaseInsensitive = true,
        NumberHandling = JsonNumberHandling.AllowReadingFromString };

    public static string Root { get; } = FindRoot();

    public static string Project => Path.Combine(Root, "tests", "cdk-nag-check");

    public static NagReport Run(IEnumerable<string> templates)
    {
        if (!Directory.Exists(Path.Combine(Project, "node_modules", "cdk-nag")))
        {
            throw new InvalidOperationException("The cdk-nag checker's packages are not installed: run `npm ci --prefix tests/cdk-nag-check`.");
        }

        var node = Tools.Find("node") ?? throw new InvalidOperationException("node is not on PATH: install Node.js 22 (the CDK CLI needs it too).");
        var result = Tools.Run(node, [Path.Combine(Project, "check.mjs"), "--json", .. templates]);
        if (result.ExitCode is not (0 or 1))
        {
            throw new InvalidOperationException($"tests/cdk-nag-check could not check the templates:\n{result}");
        }

        var report = JsonSerializer.Deserialize<NagReport>(result.StdOut, Options)
            ?? throw new InvalidOperationException($"tests/cdk-nag-check printed no report:\n{result}");
        if ((result.ExitCode == 0) != (report.Failures.Count == 0))
        {
            throw new InvalidOperationException($"tests/cdk-nag-check's exit code disagrees with its report:\n{result}");
        }

        return report;
    }

    /// <summary>
    /// Writes <paramref name="template"/> as <c>NAME.template.json</c> in <paramref name="dir"/> (the checker names the stack after the file).
    /// </summary>
    public static string Write(string dir, string name, JsonObject template)
    {
        var path = Path.Combine(dir, name + ".template.json");
        File.WriteAllText(path, template.ToJsonString());
        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Exchange.slnx"))) return dir.FullName;
        }

        throw new InvalidOperationException($"No Exchange.slnx above {AppContext.BaseDirectory}: run the tests from the repository.");
    }
}
