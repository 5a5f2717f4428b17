using System.Text.Json.Nodes;

namespace Exchange.K8s.Tests.Support;

/// <summary>Kubernetes label selector semantics (matchLabels, matchExpressions).</summary>
public static class LabelSelector
{
    /// <summary>A Service-style selector: a plain map, all pairs must match; empty matches nothing.</summary>
    public static bool MapMatches(JsonObject? selector, IReadOnlyDictionary<string, string> labels) =>
        selector is { Count: > 0 } && selector.All(p => labels.TryGetValue(p.Key, out var v) && v == p.Value?.ToString());

    /// <summary>A LabelSelector (matchLabels + matchExpressions); an empty one matches everything.</summary>
    public static bool Matches(JsonObject? selector, IReadOnlyDictionary<string, string> labels)
    {
        if (selector is null) return false;
        var byLabels = selector.Obj("matchLabels")?.All(p => labels.TryGetValue(p.Key, out var v) && v == p.Value?.ToString()) ?? true;
        return byLabels && selector.Arr("matchExpressions").All(e => ExpressionMatches(e, labels));
    }

    private static bool ExpressionMatches(JsonObject expression, IReadOnlyDictionary<string, string> labels)
    {
        var key = expression.Str("key") ?? "";
        var values = expression.Strings("values").ToHashSet();
        var has = labels.TryGetValue(key, out var value);
        return expression.Str("operator") switch
        {
            "In" => has && values.Contains(value!),
            "NotIn" => !has || !values.Contains(value!),
            "Exists" => has,
            "DoesNotExist" => !has,
            var op => throw new NotSupportedException($"selector operator {op}"),
        };
    }
}
