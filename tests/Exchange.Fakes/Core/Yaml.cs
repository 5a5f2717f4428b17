using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Exchange.Fakes.Core;

/// <summary>YAML &lt;-&gt; JsonNode: reads multi-document YAML (kubectl stdin, kubeconfig) and writes block YAML.</summary>
public static partial class Yaml
{
    /// <summary>Every non-empty document of the stream.</summary>
    public static List<JsonNode?> ReadDocuments(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Select(d => ToJson(d.RootNode)).Where(n => n is not null).ToList();
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv =>
            KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", ToJson(kv.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    /// <summary>Core-schema resolution of plain scalars (quoted ones stay strings).</summary>
    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
            return JsonValue.Create(value);
        if (value is "" or "~" or "null" or "Null" or "NULL") return null;
        if (value is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (value is "false" or "False" or "FALSE") return JsonValue.Create(false);
        if (IntegerPattern().IsMatch(value) && long.TryParse(value, CultureInfo.InvariantCulture, out var l)) return JsonValue.Create(l);
        if (FloatPattern().IsMatch(value) && double.TryParse(value, CultureInfo.InvariantCulture, out var d)) return JsonValue.Create(d);
        return JsonValue.Create(value);
    }

    /// <summary>Block-style YAML with keys in the given order; strings quoted only where YAML would misread them.</summary>
    public static string Write(JsonNode? node)
    {
        var text = new StringBuilder();
        WriteNode(node, text, 0, inSequence: false);
        return text.ToString();
    }

    private static void WriteNode(JsonNode? node, StringBuilder text, int indent, bool inSequence)
    {
        var pad = new string(' ', indent);
        var first = true;
        switch (node)
        {
            case JsonObject { Count: > 0 } o:
                foreach (var (key, value) in o)
                {
                    text.Append(inSequence && first ? "" : pad).Append(Plain(key)).Append(':');
                    first = false;
                    WriteChild(value, text, indent);
                }
                break;
            case JsonArray { Count: > 0 } a:
                foreach (var item in a)
                {
                    text.Append(inSequence && first ? "" : pad).Append("- ");
                    first = false;
                    if (item is JsonObject { Count: > 0 } or JsonArray { Count: > 0 })
                        WriteNode(item, text, indent + 2, inSequence: true);
                    else
                        text.Append(ScalarText(item)).Append('\n');
                }
                break;
            default:
                text.Append(ScalarText(node)).Append('\n');
                break;
        }
    }

    private static void WriteChild(JsonNode? value, StringBuilder text, int indent)
    {
        if (value is JsonObject { Count: > 0 })
        {
            text.Append('\n');
            WriteNode(value, text, indent + 2, inSequence: false);
        }
        else if (value is JsonArray { Count: > 0 })
        {
            text.Append('\n');
            WriteNode(value, text, indent, inSequence: false); // kubectl style: sequences not indented under their key
        }
        else
            text.Append(' ').Append(ScalarText(value)).Append('\n');
    }

    private static string ScalarText(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "{}",
        JsonArray => "[]",
        JsonValue v when v.TryGetValue<string>(out var s) => Plain(s),
        _ => node.ToJsonString(),
    };

    private static string Plain(string s) =>
        s.Length > 0 && SafePlain().IsMatch(s) && !s.Contains(": ") && !s.Contains(" #") && !s.EndsWith(' ')
            && Scalar(new YamlScalarNode(s)) is JsonValue v && v.TryGetValue<string>(out _)
            ? s
            : "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n") + "\"";

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();
    [GeneratedRegex(@"^[-+]?([0-9]*\.[0-9]+|[0-9]+\.?[0-9]*)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
    [GeneratedRegex(@"^([A-Za-z0-9_./]|-[A-Za-z0-9_./-])[A-Za-z0-9_./:@ -]*$")]
    private static partial Regex SafePlain();
}
