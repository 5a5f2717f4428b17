using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Exchange.Build.Kubernetes;

/// <summary>One object of a rendered manifest stream, with its exact text.</summary>
public sealed record ManifestDocument(string Kind, string Name, string? Namespace, string Text)
{
    /// <summary>kubectl's resource reference, e.g. statefulset/shard-1.</summary>
    public string Resource => $"{Kind.ToLowerInvariant()}/{Name}";
}

/// <summary>Splits `kubectl kustomize` output into objects.</summary>
public static partial class ManifestDocuments
{
    public static IReadOnlyList<ManifestDocument> Parse(string yaml)
    {
        var documents = new List<ManifestDocument>();
        foreach (var chunk in Separator().Split(yaml))
        {
            if (chunk.Trim().Length == 0) continue;
            var stream = new YamlStream();
            stream.Load(new StringReader(chunk));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root) continue;
            var metadata = Child(root, "metadata") as YamlMappingNode;
            documents.Add(new ManifestDocument(
                Scalar(root, "kind") ?? throw new InvalidDataException("A rendered object has no kind."),
                metadata is null ? "" : Scalar(metadata, "name") ?? "",
                metadata is null ? null : Scalar(metadata, "namespace"),
                chunk.Trim() + "\n"));
        }
        return documents;
    }

    /// <summary>The objects whose rollout Verify waits for.</summary>
    public static IEnumerable<ManifestDocument> Workloads(IEnumerable<ManifestDocument> documents) =>
        documents.Where(d => d.Kind is "StatefulSet" or "Deployment");

    private static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    private static string? Scalar(YamlMappingNode node, string key) => (Child(node, key) as YamlScalarNode)?.Value;

    [GeneratedRegex(@"^---\s*$", RegexOptions.Multiline)] private static partial Regex Separator();
}
