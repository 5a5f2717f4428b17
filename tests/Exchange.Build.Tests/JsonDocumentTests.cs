using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Exchange.Build.Pipeline;
using Exchange.Build.Pipeline.Tasks;

namespace Exchange.Build.Tests;

/// <summary>The documents --json prints have the top-level keys the README documents.</summary>
public sealed partial class JsonDocumentTests
{
    [Fact]
    public void Doctors_document_has_the_keys_the_README_documents()
    {
        var b = Contexts.Build(new RecordingRunner(c => new LocalReads().Run(c)),
            environment: new() { ["PATH"] = Contexts.PathWithPlugin }, tasks: TaskNames.Doctor);

        Doctor.Run(b);

        Assert.Equal(Documented(TaskNames.Doctor), Keys(b.Document));
        Assert.True(b.Document!["ok"]!.GetValue<bool>());
        Assert.Equal(Doctor.ToolsFor(b.Settings.ClusterPath).Count, b.Document["tools"]!.AsArray().Count); // the plugin too: the tunnel
    }

    [Fact]
    public void Permissions_document_has_the_keys_the_README_documents_and_the_policy_itself()
    {
        using var dir = new TempDir();
        var b = Contexts.Build(new RecordingRunner(), new() { ["account"] = "111122223333", ["artifacts"] = dir.Path }, tasks: TaskNames.Permissions);

        Permissions.Run(b);

        Assert.Equal(Documented(TaskNames.Permissions), Keys(b.Document));
        Assert.Equal(JsonNode.Parse(File.ReadAllText(b.Settings.PolicyFile))!.ToJsonString(), b.Document!["policy"]!.ToJsonString());
        Assert.Equal(JsonNode.Parse(File.ReadAllText(b.Settings.BootstrapPolicyFile))!.ToJsonString(), b.Document["bootstrapPolicy"]!.ToJsonString());
        Assert.Contains("cdk bootstrap aws://111122223333/", b.Document["bootstrapCommand"]!.GetValue<string>());
    }

    [Fact]
    public void Costs_document_is_cost_json_with_the_keys_the_README_documents()
    {
        using var dir = new TempDir();
        var b = Contexts.Build(new RecordingRunner(), new() { ["artifacts"] = dir.Path },
            new() { ["EXCHANGE_CDK_OUT"] = Path.Combine(AppContext.BaseDirectory, "Fixtures", "cost") }, TaskNames.Cost);
        b.AssemblyChecked = true; // the hand-written assembly stands in for a synthesized one

        CostReport.Run(b);

        Assert.Equal(Documented(TaskNames.Cost), Keys(b.Document));
        Assert.Equal(JsonNode.Parse(File.ReadAllText(CostReport.OutputFile(b)))!.ToJsonString(), b.Document!.ToJsonString());
    }

    private static HashSet<string> Keys(JsonObject? document) => document!.Select(p => p.Key).Where(k => k != "ok").ToHashSet();

    /// <summary>The keys of the target's row in README.md's "Machine-readable output" table (what parentheses say about them left out).</summary>
    private static HashSet<string> Documented(string target)
    {
        var readme = File.ReadAllText(Path.Combine(Contexts.RepoRoot, "README.md"));
        var row = readme.Split('\n').Single(l => l.StartsWith($"| {target} | ", StringComparison.Ordinal) && l.Contains('`'));
        return Key().Matches(Parenthesis().Replace(row.Split(" | ")[1], "")).Select(m => m.Groups[1].Value).ToHashSet();
    }

    [GeneratedRegex(@"`(\w+)`")] private static partial Regex Key();
    [GeneratedRegex(@"\([^)]*\)")] private static partial Regex Parenthesis();
}
