using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Exchange.Fakes.Core;

/// <summary>JSON helpers: the CLIs' pretty printing, canonical hashing, small accessors.</summary>
public static class Json
{
    private static readonly JsonSerializerOptions Indent4 = new()
    {
        WriteIndented = true,
        IndentSize = 4,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonSerializerOptions Indent2 = new(Indent4) { IndentSize = 2 };

    private static readonly JsonSerializerOptions Compact = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The aws CLI's `--output json` (4-space indent, non-ASCII kept).</summary>
    public static string Aws(JsonNode? node) => node?.ToJsonString(Indent4) ?? "null";

    /// <summary>kubectl's and cdk's JSON (2-space indent).</summary>
    public static string Pretty(JsonNode? node) => node?.ToJsonString(Indent2) ?? "null";

    public static string OneLine(JsonNode? node) => node?.ToJsonString(Compact) ?? "null";

    /// <summary>Object keys sorted recursively, so equal documents hash equally.</summary>
    public static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Canonical(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Canonical).ToArray()),
        null => null,
        _ => node.DeepClone(),
    };

    public static string CanonicalSha256(JsonNode? node) => Sha256(OneLine(Canonical(node)));

    public static string Sha256(string text) => Sha256(Encoding.UTF8.GetBytes(text));

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string? Str(JsonNode? node, params string[] path)
    {
        var current = node;
        foreach (var step in path)
            current = current is JsonObject o ? o[step] : null;
        return current is JsonValue v && v.TryGetValue<string>(out var s) ? s
            : current is JsonValue n ? n.ToJsonString() : null;
    }

    public static int? Int(JsonNode? node, params string[] path) =>
        int.TryParse(Str(node, path), out var i) ? i : null;

    public static JsonArray Array<T>(IEnumerable<T> items) where T : JsonNode? => new(items.Cast<JsonNode?>().ToArray());

    public static JsonArray Strings(IEnumerable<string> items) => new(items.Select(i => (JsonNode?)i).ToArray());

    /// <summary>The aws CLI v2 timestamp shape: 2026-11-26T14:47:00.123000+00:00.</summary>
    public static string AwsTime(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'");

    /// <summary>Kubernetes timestamps: 2026-11-26T14:47:00Z.</summary>
    public static string KubeTime(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");

    /// <summary>A stable hex string derived from the parts (ids, hostnames, hashes that must not change between runs).</summary>
    public static string StableHex(int length, params string[] parts) =>
        Sha256(string.Join('|', parts))[..length];

    /// <summary>A scalar as text: strings as they are, other values as JSON, null as "".</summary>
    public static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };

    /// <summary>The CLIs omit absent members rather than printing null.</summary>
    public static JsonObject WithoutNulls(JsonObject json)
    {
        foreach (var key in json.Where(p => p.Value is null).Select(p => p.Key).ToList())
            json.Remove(key);
        return json;
    }
}
