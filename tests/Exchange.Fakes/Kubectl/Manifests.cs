using System.Text;
using System.Text.Json.Nodes;
using Exchange.Fakes.Core;
using Exchange.Fakes.State;

namespace Exchange.Fakes.Kubectl;

/// <summary>An object read from a manifest, with where it came from ("STDIN" or a file) for error messages.</summary>
internal sealed record Manifest(JsonObject Body, string Source)
{
    public string ApiVersion => Json.Str(Body, "apiVersion") ?? "";
    public string Kind => Json.Str(Body, "kind") ?? "";
    public string Name => Json.Str(Body, "metadata", "name") ?? "";
    public string? DeclaredNamespace => Json.Str(Body, "metadata", "namespace");
}

/// <summary>Reads `-f -` (stdin), `-f FILE|DIR` and `-k DIR` (through the real `kubectl kustomize`).</summary>
internal static class Manifests
{
    public static List<Manifest> Read(KubectlCall call)
    {
        var manifests = new List<Manifest>();
        if (call.Args.Get("-k", "--kustomize") is { } dir)
        {
            var (exit, yaml) = Delegation.Capture(FakeEnv.RealKubectl, "kubectl", ["kustomize", dir]);
            if (exit != 0)
                throw new KubectlException("", exit);
            manifests.AddRange(Parse(yaml, dir));
        }
        foreach (var file in call.Args.GetAll("-f", "--filename"))
        {
            if (file == "-")
                manifests.AddRange(Parse(Encoding.UTF8.GetString(call.Context.ReadStdin()), "STDIN"));
            else if (Directory.Exists(file))
                foreach (var path in Directory.GetFiles(file).Where(IsManifest).Order())
                    manifests.AddRange(Parse(File.ReadAllText(path), path));
            else if (File.Exists(file))
                manifests.AddRange(Parse(File.ReadAllText(file), file));
            else
                throw new KubectlException($"error: the path \"{file}\" does not exist");
        }
        if (manifests.Count == 0 && !call.Args.Has("-f", "--filename", "-k", "--kustomize"))
            throw new KubectlException("error: must specify one of -f and -k");
        return manifests;
    }

    private static bool IsManifest(string path) => path.EndsWith(".yaml") || path.EndsWith(".yml") || path.EndsWith(".json");

    private static IEnumerable<Manifest> Parse(string text, string source)
    {
        List<JsonNode?> documents;
        try
        {
            documents = Yaml.ReadDocuments(text);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new KubectlException($"error: error parsing {source}: error converting YAML to JSON: yaml: {e.Message}");
        }
        foreach (var document in documents.OfType<JsonObject>())
        {
            if (Json.Str(document, "kind") == "List" && document["items"] is JsonArray items)
                foreach (var item in items.OfType<JsonObject>())
                    yield return new Manifest((JsonObject)item.DeepClone(), source);
            else
                yield return new Manifest(document, source);
        }
    }

    /// <summary>Per key: the sha256 of the decoded value (data is base64, stringData plain). Values never leave memory.</summary>
    public static SecretRecord Secret(Manifest manifest, string ns)
    {
        var hashes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in manifest.Body["data"] as JsonObject ?? [])
            hashes[key] = Json.Sha256(Decode(value?.ToString() ?? ""));
        foreach (var (key, value) in manifest.Body["stringData"] as JsonObject ?? [])
            hashes[key] = Json.Sha256(Encoding.UTF8.GetBytes(value?.ToString() ?? ""));
        return new SecretRecord(manifest.Name, ns, hashes.Keys.ToList(), hashes);
    }

    private static byte[] Decode(string base64)
    {
        try
        {
            return Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw new KubectlException("Error from server (BadRequest): error when creating \"STDIN\": Secret in version \"v1\" " +
                                       "cannot be handled as a Secret: illegal base64 data");
        }
    }
}
