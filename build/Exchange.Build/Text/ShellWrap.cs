namespace Exchange.Build.Text;

/// <summary>Fits shell commands and prose into a terminal: wrapped at word boundaries, never inside a quoted word.</summary>
public static class ShellWrap
{
    /// <summary>The widest line anything the build prints on its own should reach.</summary>
    public const int Width = 120;

    /// <summary>
    /// A command as lines of at most <paramref name="width"/> columns, continued with " \" and an
    /// extra indent, so the result can still be pasted into a shell. A single word longer than the
    /// line stays whole.
    /// </summary>
    public static IEnumerable<string> Command(string command, string indent, int width = Width)
    {
        var words = Words(command);
        var line = indent;
        var continuation = indent + "    ";
        var first = true;
        foreach (var word in words)
        {
            var start = line.Length == (first ? indent.Length : continuation.Length);
            if (!start && line.Length + 1 + word.Length + 2 > width)
            {
                yield return line + " \\";
                line = continuation;
                first = false;
                start = true;
            }
            line += (start ? "" : " ") + word;
        }
        yield return line;
    }

    /// <summary>
    /// Prose as lines of at most <paramref name="width"/> columns, the first after <paramref name="indent"/>, the rest after
    /// <paramref name="hanging"/>.
    /// </summary>
    public static IEnumerable<string> Prose(string text, string indent, string hanging, int width = Width)
    {
        var line = indent;
        var empty = true;
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!empty && line.Length + 1 + word.Length > width)
            {
                yield return line;
                line = hanging;
                empty = true;
            }
            line += (empty ? "" : " ") + word;
            empty = false;
        }
        yield return line;
    }

    /// <summary>Splits at spaces outside single quotes (the quoting <see cref="Processes.CommandLine.Quote"/> produces).</summary>
    public static IReadOnlyList<string> Words(string command)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        foreach (var c in command)
        {
            if (c == '\'') quoted = !quoted;
            if (c == ' ' && !quoted)
            {
                if (current.Length > 0) words.Add(current.ToString());
                current.Clear();
            }
            else current.Append(c);
        }
        if (current.Length > 0) words.Add(current.ToString());
        return words;
    }
}
