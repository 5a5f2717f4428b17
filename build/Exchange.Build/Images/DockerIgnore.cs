using System.Text;
using System.Text.RegularExpressions;

namespace Exchange.Build.Images;

/// <summary>The subset of .dockerignore the tag digest needs: patterns with *, ** and ?, and ! exceptions; last match wins.</summary>
public sealed class DockerIgnore
{
    private readonly List<(Regex Pattern, bool Exclude)> _rules = [];

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
        }
        return ignore;
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
