using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Exchange.Fakes.Core;

namespace Exchange.Fakes.Cdk;

/// <summary>One `aws:cloudformation:stack` artifact of a cloud assembly, with its template.</summary>
internal sealed record StackArtifact(string Id, string StackName, string DisplayName, JsonObject Template, string TemplateSha256,
    IReadOnlyList<string> Dependencies, string Environment, bool RequiresBootstrapVersion, bool HasAssets)
{
    public StackContext Context(string region, string account) => new(StackName, region, account, Template);
}

/// <summary>A synthesized cloud assembly (cdk.out): manifest.json, templates, asset manifests.</summary>
internal sealed class CloudAssembly
{
    private CloudAssembly(string directory, IReadOnlyList<StackArtifact> stacks)
    {
        Directory = directory;
        Stacks = stacks;
    }

    public string Directory { get; }
    public IReadOnlyList<StackArtifact> Stacks { get; }

    public static CloudAssembly Load(string directory)
    {
        var manifestPath = Path.Combine(directory, "manifest.json");
        if (!File.Exists(manifestPath))
            throw new CdkException($"--app points to a cloud assembly without manifest.json: {directory}. " +
                "The fake cdk deploys a synthesized assembly (run `cdk synth` first); it does not run apps.");
        var artifacts = JsonNode.Parse(File.ReadAllText(manifestPath))?["artifacts"] as JsonObject ?? [];
        var stackIds = artifacts.Where(a => Json.Str(a.Value, "type") == "aws:cloudformation:stack").Select(a => a.Key).ToHashSet();
        var stacks = stackIds.Select(id => Read(directory, id, (JsonObject)artifacts[id]!, artifacts, stackIds)).ToList();
        return new CloudAssembly(directory, stacks);
    }

    private static StackArtifact Read(string directory, string id, JsonObject artifact, JsonObject all, HashSet<string> stackIds)
    {
        var properties = artifact["properties"] as JsonObject ?? [];
        var templateText = File.ReadAllText(Path.Combine(directory, Json.Str(properties, "templateFile") ?? $"{id}.template.json"));
        var dependencies = (artifact["dependencies"] as JsonArray ?? []).Select(d => d!.GetValue<string>()).ToList();
        var hasAssets = dependencies.Where(d => !stackIds.Contains(d))
            .Select(d => all[d] as JsonObject)
            .Any(a => Json.Str(a, "type") == "cdk:asset-manifest" && ManifestHasAssets(directory, a!, Json.Str(properties, "templateFile")));
        return new StackArtifact(
            id,
            Json.Str(properties, "stackName") ?? id,
            Json.Str(artifact, "displayName") ?? id,
            JsonNode.Parse(templateText) as JsonObject ?? [],
            Json.Sha256(templateText),
            dependencies.Where(stackIds.Contains).ToList(),
            Json.Str(artifact, "environment") ?? "aws://unknown-account/unknown-region",
            properties["requiresBootstrapStackVersion"] is not null,
            hasAssets);
    }

    /// <summary>Files or images besides the stack's own template.</summary>
    private static bool ManifestHasAssets(string directory, JsonObject artifact, string? templateFile)
    {
        var path = Path.Combine(directory, Json.Str(artifact, "properties", "file") ?? "");
        if (!File.Exists(path))
            return false;
        var manifest = JsonNode.Parse(File.ReadAllText(path));
        var files = (manifest?["files"] as JsonObject ?? []).Where(f => Json.Str(f.Value, "source", "path") != templateFile);
        return files.Any() || (manifest?["dockerImages"] as JsonObject)?.Count > 0;
    }

    /// <summary>
    /// The stacks a command acts on, in deployment order. Patterns match ids or display names (wildcards
    /// allowed); `extend` adds what they depend on (deploy) or what depends on them (destroy).
    /// </summary>
    public IReadOnlyList<StackArtifact> Select(IReadOnlyList<string> patterns, bool all, Extend extend)
    {
        List<StackArtifact> chosen;
        if (all || patterns.Count == 0 && Stacks.Count == 1)
            chosen = Stacks.ToList();
        else if (patterns.Count == 0)
            throw new CdkException("Since this app includes more than a single stack, specify which stacks to use (wildcards are supported) or specify `--all`\n" +
                "Stacks: " + string.Join(" · ", Stacks.Select(s => s.DisplayName)));
        else
        {
            var unmatched = patterns.Where(p => !Stacks.Any(s => Matches(p, s))).ToList();
            if (unmatched.Count > 0)
                throw new CdkException($"No stacks match the name(s) {string.Join(",", unmatched)}");
            chosen = Stacks.Where(s => patterns.Any(p => Matches(p, s))).ToList();
        }
        var closure = chosen.ToHashSet();
        bool grew;
        do
        {
            var added = extend switch
            {
                Extend.Upstream => closure.SelectMany(s => s.Dependencies).Select(d => Stacks.First(s => s.Id == d)),
                Extend.Downstream => Stacks.Where(s => s.Dependencies.Any(d => closure.Any(c => c.Id == d))),
                _ => [],
            };
            grew = added.ToList().Count(closure.Add) > 0;
        } while (grew);
        return Ordered(closure);
    }

    /// <summary>Dependencies first, otherwise manifest order.</summary>
    private IReadOnlyList<StackArtifact> Ordered(HashSet<StackArtifact> set)
    {
        var ordered = new List<StackArtifact>();
        void Visit(StackArtifact stack)
        {
            if (ordered.Contains(stack))
                return;
            foreach (var dependency in stack.Dependencies.Select(d => Stacks.First(s => s.Id == d)).Where(set.Contains))
                Visit(dependency);
            ordered.Add(stack);
        }
        foreach (var stack in Stacks.Where(set.Contains))
            Visit(stack);
        return ordered;
    }

    private static bool Matches(string pattern, StackArtifact stack)
    {
        var regex = "^" + Regex.Escape(pattern).Replace("\\*", ".*").Replace("\\?", ".") + "$";
        return Regex.IsMatch(stack.Id, regex) || Regex.IsMatch(stack.DisplayName, regex) || Regex.IsMatch(stack.StackName, regex);
    }
}

internal enum Extend { None, Upstream, Downstream }

/// <summary>A cdk failure reported the way the CLI reports errors (message on stderr, exit 1).</summary>
internal sealed class CdkException(string message) : Exception(message);
