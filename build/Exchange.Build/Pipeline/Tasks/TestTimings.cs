using System.Globalization;
using System.Xml.Linq;
using Exchange.Build.Logging;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>
/// The slowest tests of a project, read from the trx report `dotnet test` writes: the Test target prints them after each
/// project, so the test-time budget (README "Tests") shows where its minutes go.
/// </summary>
public static class TestTimings
{
    /// <summary>The <paramref name="count"/> longest tests in the trx report at <paramref name="path"/>, longest first; none when it is missing.</summary>
    public static IReadOnlyList<(string Test, TimeSpan Duration)> Slowest(string path, int count)
    {
        if (!File.Exists(path)) return [];
        XNamespace ns = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";
        return XDocument.Load(path).Descendants(ns + "UnitTestResult")
            .Select(r => (Test: ShortName((string?)r.Attribute("testName") ?? "?"),
                          Duration: TimeSpan.TryParse((string?)r.Attribute("duration"), CultureInfo.InvariantCulture, out var d) ? d : TimeSpan.Zero))
            .OrderByDescending(t => t.Duration).Take(count).ToArray();
    }

    /// <summary>A heading, then a line per test: "  1 min 5 s  Class.Test" (one a line: names are long, and lines wrap at the width).</summary>
    public static IReadOnlyList<string> Lines(IReadOnlyList<(string Test, TimeSpan Duration)> slowest) =>
        slowest.Count == 0 ? [] : ["  slowest tests:", .. slowest.Select(t => $"    {Progress.Seconds(t.Duration),-12} {t.Test}")];

    // "Exchange.Pipeline.Tests.DeployDevTests.A_rerun_changes_nothing" -> "DeployDevTests.A_rerun_changes_nothing"
    private static string ShortName(string name)
    {
        var parts = name.Split('(')[0].Split('.');
        return parts.Length >= 2 ? $"{parts[^2]}.{parts[^1]}" : name;
    }
}
