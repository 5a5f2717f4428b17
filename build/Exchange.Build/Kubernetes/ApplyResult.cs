using System.Text.RegularExpressions;

namespace Exchange.Build.Kubernetes;

/// <summary>What `kubectl apply` said about each object: created, configured or unchanged.</summary>
public sealed partial record ApplyResult(IReadOnlyList<(string Resource, string Action)> Objects)
{
    public static ApplyResult Parse(string output) =>
        new(Line().Matches(output).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToArray());

    public IEnumerable<string> Changed => Objects.Where(o => o.Action != "unchanged").Select(o => $"{o.Resource} {o.Action}");
    public bool AnyChanged => Changed.Any();

    public string Describe() => AnyChanged
        ? string.Join(", ", Changed)
        : $"{Objects.Count} objects unchanged";

    [GeneratedRegex(@"^(\S+/\S+) (created|configured|unchanged|serverside-applied)\b", RegexOptions.Multiline)]
    private static partial Regex Line();
}
