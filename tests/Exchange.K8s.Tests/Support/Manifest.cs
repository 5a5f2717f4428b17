using System.Text.Json.Nodes;

namespace Exchange.K8s.Tests.Support;

/// <summary>The objects one kustomization renders.</summary>
public sealed class Manifest(string source, string yaml)
{
    public string Source { get; } = source;
    public string Yaml { get; } = yaml;
    public IReadOnlyList<JsonObject> Objects { get; } = YamlDocuments.Parse(yaml);

    private static readonly string[] PodControllerKinds = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"];

    public IEnumerable<JsonObject> OfKind(string kind) => Objects.Where(o => o.Str("kind") == kind);

    public JsonObject? Find(string kind, string name) => OfKind(kind).FirstOrDefault(o => o.Str("metadata", "name") == name);

    public IReadOnlyList<Workload> Workloads =>
        Objects.Where(o => PodControllerKinds.Contains(o.Str("kind"))).Select(o => new Workload(o)).ToArray();

    public IEnumerable<(Workload Workload, JsonObject Container)> Containers =>
        Workloads.SelectMany(w => w.Containers.Select(c => (w, c)));

    public override string ToString() => Source;
}

/// <summary>A pod controller (Deployment, StatefulSet, ...) of a rendered manifest.</summary>
public sealed class Workload(JsonObject source)
{
    public JsonObject Object { get; } = source;
    public string Kind => Object.Str("kind") ?? "";
    public string Name => Object.Str("metadata", "name") ?? "";
    public string Id => $"{Kind}/{Name}";
    public long Replicas => Object.Long("spec", "replicas") ?? 1;
    public JsonObject PodSpec => Object.Obj("spec", "template", "spec") ?? [];
    public IReadOnlyDictionary<string, string> PodLabels => Object.Obj("spec", "template", "metadata", "labels").ToLabels();

    /// <summary>Init containers and containers.</summary>
    public IReadOnlyList<JsonObject> Containers =>
        PodSpec.Arr("initContainers").Concat(PodSpec.Arr("containers")).ToArray();

    public override string ToString() => Id;
}

public static class JsonPaths
{
    public static JsonNode? At(this JsonNode? node, params string[] path)
    {
        foreach (var key in path) node = node is JsonObject o && o.TryGetPropertyValue(key, out var child) ? child : null;
        return node;
    }

    public static string? Str(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonValue v ? v.ToString() : null;

    public static long? Long(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonValue v && v.TryGetValue<long>(out var l) ? l : null;

    public static bool? Bool(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    public static JsonObject? Obj(this JsonNode? node, params string[] path) => node.At(path) as JsonObject;

    public static IEnumerable<JsonObject> Arr(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonArray a ? a.OfType<JsonObject>() : [];

    public static IEnumerable<string> Strings(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonArray a ? a.OfType<JsonValue>().Select(v => v.ToString()) : [];

    public static IReadOnlyDictionary<string, string> ToLabels(this JsonObject? labels) =>
        labels?.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "") ?? new Dictionary<string, string>();
}
