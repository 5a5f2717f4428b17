namespace Exchange.Build.Cli;

/// <summary>"Did you mean ...?": the known names closest to a mistyped one.</summary>
public static class Suggestions
{
    /// <summary>
    /// Up to <paramref name="max"/> of <paramref name="known"/> closest to <paramref name="typed"/> (ignoring case): a few
    /// typos away (transpositions count as one), or starting the same way; the closest first.
    /// </summary>
    public static IReadOnlyList<string> Closest(string typed, IEnumerable<string> known, int max = 3)
    {
        var t = typed.ToLowerInvariant();
        var scored = known
            .Select(k => (Name: k, Distance: Distance(t, k.ToLowerInvariant()),
                Prefix: k.StartsWith(typed, StringComparison.OrdinalIgnoreCase) || CommonPrefix(t, k.ToLowerInvariant()) >= 6))
            .ToArray();
        // A few typos away first; only when nothing is that close, the names that start the same way.
        var close = scored.Where(x => x.Distance <= Math.Max(2, t.Length / 3)).OrderBy(x => x.Distance).ThenBy(x => x.Name, StringComparer.Ordinal);
        var alike = scored.Where(x => x.Prefix && t.Length >= 3).OrderBy(x => x.Name, StringComparer.Ordinal);
        return (close.Any() ? close : alike).Take(max).Select(x => x.Name).ToArray();
    }

    /// <summary>" Did you mean --account?" (or nothing when nothing is close).</summary>
    public static string DidYouMean(string typed, IEnumerable<string> known, string prefix = "")
    {
        var closest = Closest(typed, known);
        return closest.Count == 0 ? "" : $" Did you mean {string.Join(" or ", closest.Select(c => prefix + c))}?";
    }

    private static int CommonPrefix(string a, string b)
    {
        var n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n]) n++;
        return n;
    }

    /// <summary>The optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions.</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
