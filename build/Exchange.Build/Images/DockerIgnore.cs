using System.Text;
using System.Text.RegularExpressions;

namespace Exchange.Build.Images;

/// <summary>The subset of .dockerignore the tag digest needs: patterns with *, ** and ?, and ! exceptions; last match wins.</summary>
public sealed class DockerIgnore
{
    private readonly List<(Regex Pattern, bool Exclude)> _rules = [];
    private readonly List<(string Pattern, bool Exclude)> _patterns = [];

    public static DockerIgnore Load(string contextDir)
    {
        var file = Path.Combine(contextDir, ".dockerignore");
        var ignore = new DockerIgnore();
        if (!File.Exists(file)) return ignore;
        foreach (var raw in File.ReadAllLines(file))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var exclude = !line.StartsWith('!');
            var pattern = line.TrimStart('!').Trim().TrimStart('/').TrimEnd('/');
            if (pattern.StartsWith("./", StringComparison.Ordinal)) pattern = pattern[2..];
            ignore._rules.Add((ToRegex(pattern), exclude));
            ignore._patterns.Add((pattern, exclude));
        }
        return ignore;
    }

    /// <summary>
    /// For an allow-list (<c>*</c> first, then <c>!path</c> exceptions without wildcards): the paths it lets in, plus the
    /// .dockerignore itself; else null (the whole context counts). A repository root used as a build context names the few
    /// folders the image is built from this way, and the image's tag then follows only them.
    /// </summary>
    public IReadOnlyList<string>? IncludedRoots
    {
        get
        {
            if (_patterns.Count < 2 || _patterns[0] is not ({ } first, true) || first is not ("*" or "**")) return null;
            var included = _patterns.Skip(1).Where(p => !p.Exclude).Select(p => p.Pattern).ToArray();
            return included.Length == 0 || included.Any(p => p.IndexOfAny(['*', '?', '[']) >= 0) ? null : [".dockerignore", .. included];
        }
    }

    public bool IsIgnored(string relativePath)
    {
        var ignored = false;
        foreach (var (pattern, exclude) in _rules)
            if (pattern.IsMatch(relativePath)) ignored = exclude;
        return ignored;
    }

    /// <summary>A pattern matches the path itself or any folder above it (node_modules ignores node_modules/x/y).</summary>
    private static Regex ToRegex(string pattern)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                regex.Append(".*");
                i++;
                if (i + 1 < pattern.Length && pattern[i + 1] == '/') i++;
            }
            else if (c == '*') regex.Append("[^/]*");
            else if (c == '?') regex.Append("[^/]");
            else regex.Append(Regex.Escape(c.ToString()));
        }
        regex.Append("(/.*)?$");
        return new Regex(regex.ToString(), RegexOptions.CultureInvariant);
    }
}
