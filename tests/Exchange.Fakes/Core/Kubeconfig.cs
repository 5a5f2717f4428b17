using System.Text.Json.Nodes;

namespace Exchange.Fakes.Core;

/// <summary>Reads and writes kubeconfig files the way aws and kubectl locate them (--kubeconfig, $KUBECONFIG, ~/.kube/config).</summary>
public static class Kubeconfig
{
    /// <summary>The files in effect: the explicit one, else every $KUBECONFIG entry, else ~/.kube/config.</summary>
    public static IReadOnlyList<string> Paths(string? explicitPath)
    {
        if (!string.IsNullOrEmpty(explicitPath))
            return [explicitPath];
        var fromEnv = (FakeEnv.Get("KUBECONFIG") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        return fromEnv.Length > 0 ? fromEnv : [Path.Combine(FakeEnv.Get("HOME") ?? "/root", ".kube", "config")];
    }

    public static JsonObject Load(string path)
    {
        var text = File.Exists(path) ? File.ReadAllText(path) : "";
        var config = text.Trim().Length == 0 ? new JsonObject() : Yaml.ReadDocuments(text).FirstOrDefault() as JsonObject ?? new JsonObject();
        foreach (var list in new[] { "clusters", "contexts", "users" })
            if (config[list] is not JsonArray)
                config[list] = new JsonArray();
        return config;
    }

    /// <summary>Written with the keys in the order the aws CLI writes them.</summary>
    public static void Save(string path, JsonObject config)
    {
        var ordered = new JsonObject
        {
            ["apiVersion"] = config["apiVersion"]?.DeepClone() ?? "v1",
            ["clusters"] = config["clusters"]?.DeepClone(),
            ["contexts"] = config["contexts"]?.DeepClone(),
            ["current-context"] = config["current-context"]?.DeepClone() ?? "",
            ["kind"] = config["kind"]?.DeepClone() ?? "Config",
            ["preferences"] = config["preferences"]?.DeepClone() ?? new JsonObject(),
            ["users"] = config["users"]?.DeepClone(),
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, Yaml.Write(ordered));
    }

    /// <summary>Adds or replaces the named entry of a list (clusters, contexts, users); true when it existed.</summary>
    public static bool Upsert(JsonObject config, string list, string name, string field, JsonObject value)
    {
        var entries = (JsonArray)config[list]!;
        var existing = entries.OfType<JsonObject>().FirstOrDefault(e => Json.Str(e, "name") == name);
        if (existing is not null)
            entries.Remove(existing);
        entries.Add(new JsonObject { [field] = value, ["name"] = name });
        return existing is not null;
    }

    /// <summary>The first current-context set across the files, as kubectl merges them.</summary>
    public static string? CurrentContext(IReadOnlyList<string> paths) =>
        paths.Select(p => Json.Str(Load(p), "current-context")).FirstOrDefault(c => !string.IsNullOrEmpty(c));

    /// <summary>The named entry's body (context: cluster/user/namespace; cluster: server/...), first file wins.</summary>
    public static JsonObject? Entry(IReadOnlyList<string> paths, string list, string name, string field) =>
        paths.Select(p => ((JsonArray)Load(p)[list]!).OfType<JsonObject>().FirstOrDefault(e => Json.Str(e, "name") == name))
            .FirstOrDefault(e => e is not null)?[field] as JsonObject;
}
