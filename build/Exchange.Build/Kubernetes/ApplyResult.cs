using System.Text.RegularExpressions;

namespace Exchange.Build.Kubernetes;

/// <summary>What `kubectl apply` said about each object: created, configured or unchanged.</summary>
public sealed partial record ApplyResult(IReadOnlyList<(string Resource, string Action)> Objects)
{
    public static ApplyResult Parse(string output) =>
        new(Line().Matches(output).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToArray());

    public IEnumerable<string> Changed => Objects.Where(o => o.Action != "unchanged").Select(o => $"{o.Resource} {o.Action}");
    public bool AnyChanged => Changed.Any();

    /// <summary>"secret/a configured, secret/b created" for a few, counts per action for many.</summary>
    public string Describe()
    {
        if (!AnyChanged) return $"{Objects.Count} objects unchanged";
        var changed = Changed.ToArray();
        if (changed.Length <= 4) return string.Join(", ", changed);
        return string.Join(", ", Objects.GroupBy(o => o.Action).Select(g => $"{g.Count()} {g.Key}"));
    }

    [GeneratedRegex(@"^(\S+/\S+) (created|configured|unchanged|serverside-applied)\b", RegexOptions.Multiline)]
    private static partial Regex Line();
}
