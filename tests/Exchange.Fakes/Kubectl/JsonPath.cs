using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Exchange.Fakes.Kubectl;

/// <summary>
/// kubectl's `-o jsonpath=TEMPLATE` for the common cases: literal text, `{.a.b[0].c}`, `[*]`, `['dotted.key']`,
/// `{"\n"}` and `{range EXPR}...{end}`. Several results of one expression are joined by spaces.
/// </summary>
internal static partial class JsonPath
{
    public static string Render(string template, JsonNode? data)
    {
        var text = new StringBuilder();
        Render(Tokens(template.Trim('\'')).ToList(), 0, data, text);
        return text.ToString();
    }

    private static int Render(List<(bool IsExpression, string Value)> tokens, int start, JsonNode? data, StringBuilder text)
    {
        for (var i = start; i < tokens.Count; i++)
        {
            var (isExpression, value) = tokens[i];
            if (!isExpression)
                text.Append(value);
            else if (value == "end")
                return i;
            else if (value.StartsWith("range "))
            {
                var items = Evaluate(data, value["range ".Length..].Trim());
                var end = i;
                foreach (var item in items)
                    end = Render(tokens, i + 1, item, text);
                i = items.Count > 0 ? end : Skip(tokens, i + 1);
            }
            else if (value.StartsWith('"'))
                text.Append(Regex.Unescape(value.Trim('"')));
            else
                text.Append(string.Join(' ', Evaluate(data, value).Select(Core.Json.Text)));
        }
        return tokens.Count;
    }

    private static int Skip(List<(bool IsExpression, string Value)> tokens, int start)
    {
        var depth = 1;
        for (var i = start; i < tokens.Count; i++)
            if (tokens[i].IsExpression && tokens[i].Value.StartsWith("range ")) depth++;
            else if (tokens[i].IsExpression && tokens[i].Value == "end" && --depth == 0) return i;
        return tokens.Count;
    }

    private static IEnumerable<(bool, string)> Tokens(string template)
    {
        var at = 0;
        foreach (Match m in Expression().Matches(template))
        {
            if (m.Index > at)
                yield return (false, template[at..m.Index]);
            yield return (true, m.Groups[1].Value.Trim());
            at = m.Index + m.Length;
        }
        if (at < template.Length)
            yield return (false, template[at..]);
    }

    private static List<JsonNode?> Evaluate(JsonNode? data, string path)
    {
        var current = new List<JsonNode?> { data };
        foreach (Match step in Step().Matches(path.TrimStart('$')))
        {
            var field = step.Groups["field"].Success ? step.Groups["field"].Value : step.Groups["quoted"].Success ? step.Groups["quoted"].Value : null;
            current = current.SelectMany(node => field is not null
                ? node is JsonObject o && o.TryGetPropertyValue(field, out var v) ? [v] : Array.Empty<JsonNode?>()
                : step.Groups["index"].Value == "*"
                    ? node as JsonArray ?? (node is JsonObject obj ? obj.Select(p => p.Value) : [])
                    : node is JsonArray a && int.TryParse(step.Groups["index"].Value, out var i) && i < a.Count ? [a[i]] : []).ToList();
        }
        return current;
    }

    [GeneratedRegex(@"\{([^{}]*)\}")]
    private static partial Regex Expression();

    [GeneratedRegex(@"\.(?<field>[A-Za-z0-9_\-/]+)|\[['""](?<quoted>[^'""]+)['""]\]|\[(?<index>\*|\d+)\]")]
    private static partial Regex Step();
}
