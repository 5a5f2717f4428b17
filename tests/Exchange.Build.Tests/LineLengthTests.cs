using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Exchange.Build.Tests;

/// <summary>Every tracked .cs file keeps the line-length limit .editorconfig sets for it (max_line_length; the last matching section wins).</summary>
public class LineLengthTests
{
    private static readonly string EditorConfig = Path.Combine(Contexts.RepoRoot, ".editorconfig");

    [Fact]
    public void Every_tracked_cs_file_keeps_the_editorconfig_line_limit()
    {
        var sections = EditorConfigSections.Parse(File.ReadAllText(EditorConfig));
        var files = TrackedCsFiles();
        var tooLong = files.SelectMany(file =>
        {
            var limit = sections.MaxLineLength(file) ?? throw new InvalidOperationException($".editorconfig sets no max_line_length for {file}.");
            return File.ReadLines(Path.Combine(Contexts.RepoRoot, file))
                .Select((line, i) => (line, i))
                .Where(l => l.line.Length > limit)
                .Select(l => $"{file}:{l.i + 1}: {l.line.Length} > {limit}");
        }).ToArray();

        Assert.True(files.Count > 100, $"only {files.Count} tracked .cs files found");
        Assert.True(tooLong.Length == 0, $"Lines over the .editorconfig limit (wrap them):\n{string.Join("\n", tooLong)}");
    }

    [Fact]
    public void The_last_matching_section_sets_the_limit()
    {
        var sections = EditorConfigSections.Parse("""
            root = true
            [*.cs]
            max_line_length = 100
            [tests/{A,B.Tests}/**.cs]
            max_line_length = 200
            [*.md]
            max_line_length = 80
            """);

        Assert.Equal(100, sections.MaxLineLength("build/X/Y.cs"));
        Assert.Equal(200, sections.MaxLineLength("tests/B.Tests/Deep/Z.cs"));
        Assert.Equal(100, sections.MaxLineLength("tests/C/Z.cs"));
        Assert.Equal(80, sections.MaxLineLength("README.md"));
        Assert.Null(sections.MaxLineLength("build.sh"));
    }

    private static IReadOnlyList<string> TrackedCsFiles()
    {
        var git = Process.Start(new ProcessStartInfo("git", ["-C", Contexts.RepoRoot, "ls-files", "-z", "--", "*.cs"])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        var output = git.StandardOutput.ReadToEnd();
        git.WaitForExit();
        Assert.Equal(0, git.ExitCode);
        return output.Split('\0', StringSplitOptions.RemoveEmptyEntries).Where(f => File.Exists(Path.Combine(Contexts.RepoRoot, f))).ToArray();
    }
}

/// <summary>The sections of an .editorconfig file: glob (*, **, ?, {a,b}) and their max_line_length.</summary>
public sealed class EditorConfigSections(IReadOnlyList<(Regex Glob, int? MaxLineLength)> sections)
{
    public static EditorConfigSections Parse(string text)
    {
        var sections = new List<(Regex, int?)>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith('[') && line.EndsWith(']')) sections.Add((Glob(line[1..^1]), null));
            else if (sections.Count > 0 && line.Split('=', 2) is [var key, var value] && key.Trim() == "max_line_length")
                sections[^1] = (sections[^1].Item1, int.Parse(value.Trim(), System.Globalization.CultureInfo.InvariantCulture));
        }
        return new EditorConfigSections(sections);
    }

    /// <summary>The limit for a path relative to the repository root, or null when no section sets one.</summary>
    public int? MaxLineLength(string path) =>
        sections.Where(s => s.MaxLineLength is not null && s.Glob.IsMatch(path)).Select(s => s.MaxLineLength).LastOrDefault();

    /// <summary>A glob without '/' matches the file name in any folder; with one, the path from the root.</summary>
    private static Regex Glob(string glob)
    {
        var pattern = Regex.Replace(glob.TrimStart('/'), @"\*\*|\*|\?|\{[^}]*\}|[^*?{]+", m => m.Value switch
        {
            "**" => ".*",
            "*" => "[^/]*",
            "?" => "[^/]",
            var braces when braces.StartsWith('{') => "(" + string.Join("|", braces[1..^1].Split(',').Select(Regex.Escape)) + ")",
            var literal => Regex.Escape(literal),
        });
        return new Regex(glob.Contains('/') ? $"^{pattern}$" : $"(^|/){pattern}$");
    }
}
