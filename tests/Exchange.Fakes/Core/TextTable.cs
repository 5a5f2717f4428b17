using System.Text;

namespace Exchange.Fakes.Core;

/// <summary>Left-aligned columns, as Go's tabwriter prints them (kubectl pads with 3 spaces, rpk with 2).</summary>
public static class TextTable
{
    public static string Format(IReadOnlyList<IReadOnlyList<string>> rows, int padding)
    {
        if (rows.Count == 0)
            return "";
        var widths = Enumerable.Range(0, rows.Max(r => r.Count))
            .Select(c => rows.Max(r => c < r.Count ? r[c].Length : 0)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            for (var c = 0; c < row.Count; c++)
                text.Append(c == row.Count - 1 ? row[c] : row[c].PadRight(widths[c] + padding));
            text.Append('\n');
        }
        return text.ToString();
    }
}
