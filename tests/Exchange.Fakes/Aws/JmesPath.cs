using System.Text;
using System.Text.Json.Nodes;

namespace Exchange.Fakes.Aws;

/// <summary>
/// The part of JMESPath the pipeline's `--query` uses: fields, `[0]`, `[*]`, `[]`, filters
/// `[?Key=='v']` / `[?Key==`v`]` (== and !=), and pipes. Anything else is a "Bad value for --query".
/// </summary>
internal static class JmesPath
{
    private abstract record Step;
    private sealed record Field(string Name) : Step;
    private sealed record Index(int Value) : Step;
    private sealed record Wildcard : Step;
    private sealed record Flatten : Step;
    private sealed record Filter(List<Step> Left, bool Equal, JsonNode? Literal) : Step;

    public static JsonNode? Search(JsonNode? data, string expression)
    {
        var current = data;
        foreach (var part in SplitTopLevel(expression, '|'))
        {
            var steps = Parse(part.Trim());
            current = Eval(current, steps, 0, steps.Count);
        }
        return current;
    }

    /// <summary>Applies steps[start..end); a projection runs the steps after it on each element, up to the next flatten.</summary>
    private static JsonNode? Eval(JsonNode? node, List<Step> steps, int start, int end)
    {
        for (var i = start; i < end && node is not null; i++)
        {
            switch (steps[i])
            {
                case Field f:
                    node = node is JsonObject o ? o[f.Name] : null;
                    break;
                case Index ix:
                    node = node is JsonArray a ? At(a, ix.Value) : null;
                    break;
                default:
                    return Project(node, steps, i, end);
            }
        }
        return node?.DeepClone();
    }

    private static JsonNode? At(JsonArray array, int index)
    {
        var i = index >= 0 ? index : array.Count + index;
        return i >= 0 && i < array.Count ? array[i] : null;
    }

    private static JsonNode? Project(JsonNode node, List<Step> steps, int i, int end)
    {
        if (node is not JsonArray array)
            return null;
        IEnumerable<JsonNode?> items = steps[i] switch
        {
            Flatten => array.SelectMany(e => e is JsonArray inner ? inner.AsEnumerable() : new[] { e }),
            Filter f => array.Where(e => Matches(e, f)),
            _ => array,
        };
        var stop = steps.FindIndex(i + 1, s => s is Flatten);
        var projectionEnd = stop < 0 || stop >= end ? end : stop;
        var collected = new JsonArray(items.Select(e => Eval(e, steps, i + 1, projectionEnd)).Where(e => e is not null).ToArray());
        return projectionEnd < end ? Eval(collected, steps, projectionEnd, end) : collected;
    }

    private static bool Matches(JsonNode? element, Filter filter)
    {
        var left = Eval(element, filter.Left, 0, filter.Left.Count);
        return JsonNode.DeepEquals(left, filter.Literal) == filter.Equal;
    }

    private static List<Step> Parse(string text)
    {
        var steps = new List<Step>();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '.')
                i++;
            else if (text[i] == '[')
            {
                var end = ClosingBracket(text, i);
                steps.Add(Bracket(text[(i + 1)..end].Trim()));
                i = end + 1;
            }
            else
            {
                var start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '-'))
                    i++;
                if (i == start)
                    throw new FormatException($"unexpected '{text[i]}' at {i}");
                steps.Add(new Field(text[start..i]));
            }
        }
        return steps;
    }

    private static Step Bracket(string inner)
    {
        if (inner == "*") return new Wildcard();
        if (inner == "") return new Flatten();
        if (int.TryParse(inner, out var index)) return new Index(index);
        if (!inner.StartsWith('?')) throw new FormatException($"unsupported [{inner}]");
        var condition = inner[1..];
        var equal = !condition.Contains("!=");
        var sides = condition.Split(equal ? "==" : "!=", 2);
        if (sides.Length != 2) throw new FormatException($"unsupported filter [{inner}]");
        return new Filter(Parse(sides[0].Trim()), equal, Literal(sides[1].Trim()));
    }

    private static JsonNode? Literal(string text)
    {
        if (text.Length >= 2 && text[0] == '\'' && text[^1] == '\'')
            return JsonValue.Create(text[1..^1]);
        if (text.Length >= 2 && text[0] == '`' && text[^1] == '`')
        {
            var body = text[1..^1];
            try { return JsonNode.Parse(body); }
            catch (System.Text.Json.JsonException) { return JsonValue.Create(body); } // legacy bare literal
        }
        throw new FormatException($"unsupported literal {text}");
    }

    private static int ClosingBracket(string text, int open)
    {
        var depth = 0;
        char? quote = null;
        for (var i = open; i < text.Length; i++)
        {
            var c = text[i];
            if (quote is not null) { if (c == quote) quote = null; continue; }
            if (c is '\'' or '`' or '"') quote = c;
            else if (c == '[') depth++;
            else if (c == ']' && --depth == 0) return i;
        }
        throw new FormatException("unclosed [");
    }

    private static IEnumerable<string> SplitTopLevel(string text, char separator)
    {
        var part = new StringBuilder();
        var depth = 0;
        char? quote = null;
        foreach (var c in text)
        {
            if (quote is not null) { if (c == quote) quote = null; }
            else if (c is '\'' or '`' or '"') quote = c;
            else if (c == '[') depth++;
            else if (c == ']') depth--;
            else if (c == separator && depth == 0) { yield return part.ToString(); part.Clear(); continue; }
            part.Append(c);
        }
        yield return part.ToString();
    }
}
