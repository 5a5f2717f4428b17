using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Exchange.Fakes.Aws;

/// <summary>The aws CLI's `--output text` (awscli/text.py): tab-separated scalars, nested lists under upper-cased headers.</summary>
internal static class AwsText
{
    public static string Format(JsonNode? node)
    {
        var text = new StringBuilder();
        Write(node, text, identifier: null, scalarKeys: null);
        return text.ToString();
    }

    private static void Write(JsonNode? item, StringBuilder text, string? identifier, IReadOnlyList<string>? scalarKeys)
    {
        switch (item)
        {
            case JsonObject o: WriteObject(o, text, identifier, scalarKeys); break;
            case JsonArray a: WriteList(a, text, identifier); break;
            default: text.Append(Scalar(item)).Append('\n'); break;
        }
    }

    private static void WriteList(JsonArray list, StringBuilder text, string? identifier)
    {
        if (list.Count == 0)
            return;
        if (list.Any(e => e is JsonObject))
        {
            var keys = list.OfType<JsonObject>()
                .SelectMany(o => o.Where(p => !IsComplex(p.Value)).Select(p => p.Key))
                .Distinct().OrderBy(k => k, StringComparer.Ordinal).ToList();
            foreach (var element in list)
                Write(element, text, identifier, keys);
            return;
        }
        var scalars = list.Where(e => !IsComplex(e)).ToList();
        if (scalars.Count > 0)
        {
            if (identifier is null)
                text.Append(string.Join('\t', scalars.Select(Scalar))).Append('\n');
            else
                foreach (var s in scalars)
                    text.Append(identifier.ToUpperInvariant()).Append('\t').Append(Scalar(s)).Append('\n');
        }
        foreach (var nested in list.Where(IsComplex))
            Write(nested, text, identifier, null);
    }

    private static void WriteObject(JsonObject item, StringBuilder text, string? identifier, IReadOnlyList<string>? scalarKeys)
    {
        List<string> scalars;
        List<KeyValuePair<string, JsonNode?>> complex;
        if (scalarKeys is null)
        {
            var sorted = item.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
            scalars = sorted.Where(p => !IsComplex(p.Value)).Select(p => Scalar(p.Value)).ToList();
            complex = sorted.Where(p => IsComplex(p.Value)).ToList();
        }
        else
        {
            scalars = scalarKeys.Select(k => item.TryGetPropertyValue(k, out var v) ? Scalar(v) : "").ToList();
            complex = item.Where(p => !scalarKeys.Contains(p.Key)).OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        }
        if (scalars.Count > 0)
        {
            if (identifier is not null)
                scalars.Insert(0, identifier.ToUpperInvariant());
            text.Append(string.Join('\t', scalars)).Append('\n');
        }
        foreach (var (key, value) in complex)
            Write(value, text, key, null);
    }

    private static bool IsComplex(JsonNode? node) => node is JsonObject or JsonArray;

    /// <summary>Python's str() of a JSON scalar: None, True/False, numbers, strings as is.</summary>
    private static string Scalar(JsonNode? node) => node switch
    {
        null => "None",
        JsonValue v when v.GetValueKind() == JsonValueKind.True => "True",
        JsonValue v when v.GetValueKind() == JsonValueKind.False => "False",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };
}
