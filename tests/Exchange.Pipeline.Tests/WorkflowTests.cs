using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Exchange.Pipeline.Tests;

/// <summary>The GitHub Actions workflow is valid YAML and only calls targets that exist.</summary>
[Collection(PipelineCollection.Name)]
public sealed partial class WorkflowTests(PipelineWorld world) : IDisposable
{
    private readonly PipelineRun _run = new(world);

    [Fact]
    public void The_workflow_is_valid_YAML_and_names_only_existing_targets()
    {
        var file = Path.Combine(world.RepoRoot, ".github", "workflows", "exchange-dev.yml");
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(file)));
        var root = (YamlMappingNode)yaml.Documents.Single().RootNode;
        var jobs = (YamlMappingNode)root.Children[new YamlScalarNode("jobs")];
        var runs = jobs.Children.Values.Cast<YamlMappingNode>()
            .SelectMany(j => ((YamlSequenceNode)j.Children[new YamlScalarNode("steps")]).Children.Cast<YamlMappingNode>())
            .Where(s => s.Children.ContainsKey(new YamlScalarNode("run")))
            .Select(s => ((YamlScalarNode)s.Children[new YamlScalarNode("run")]).Value!)
            .ToArray();

        var description = _run.BuildRaw("--description").Output;
        var targets = TargetOption().Matches(string.Join("\n", runs)).Select(m => m.Groups[1].Value).Distinct().ToArray();

        Assert.Contains("DeployDev", targets);
        Assert.Contains("Synth", targets);
        Assert.Contains("Permissions", targets); // the deploy role's policy comes from the target, not from a hand-written list
        foreach (var target in targets)
            Assert.Matches($@"(?m)^[ \t]*{target}[ \t]+\S", description);
        Assert.Contains(runs, r => r.Contains("bash .ci/run"));
        Assert.Equal("write", ((YamlScalarNode)((YamlMappingNode)((YamlMappingNode)jobs.Children[new YamlScalarNode("deploy-dev")])
            .Children[new YamlScalarNode("permissions")]).Children[new YamlScalarNode("id-token")]).Value);
    }

    [GeneratedRegex(@"--target=(\w+)")] private static partial Regex TargetOption();

    public void Dispose() => _run.Dispose();
}
