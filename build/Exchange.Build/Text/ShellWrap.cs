namespace Exchange.Build.Text;

/// <summary>Fits shell commands and prose into a terminal: wrapped at word boundaries, never inside a quoted word.</summary>
public static class ShellWrap
{
    private static readonly AsyncLocal<int?> RunWidth = new();

    /// <summary>
    /// The widest line this run prints: the terminal's width, at most 120 (<see cref="Logging.OutputStyle"/>). Set by the
    /// entry point before anything is printed, for the run's flow of work (threads it starts inherit it); 120 otherwise.
    /// </summary>
    public static int Width
    {
        get => RunWidth.Value ?? Logging.OutputStyle.MaxWidth;
        set => RunWidth.Value = value;
    }

    /// <summary>
    /// A command as lines of at most <paramref name="width"/> columns, continued with " \" and an
    /// extra indent, so the result can still be pasted into a shell. A single word longer than the
    /// line stays whole.
    /// </summary>
    public static IEnumerable<string> Command(string command, string indent, int? width = null)
    {
        var max = width ?? Width;
        var words = Words(command);
        var line = indent;
        var continuation = indent + "    ";
        var first = true;
        foreach (var word in words)
        {
            var start = line.Length == (first ? indent.Length : continuation.Length);
            if (!start && line.Length + 1 + word.Length + 2 > max)
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
    public static IEnumerable<string> Prose(string text, string indent, string hanging, int? width = null)
    {
        var max = width ?? Width;
        var line = indent;
        var empty = true;
        foreach (var whole in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var word = whole;
            if (!empty && line.Length + 1 + word.Length > max)
            {
                yield return line;
                line = hanging;
                empty = true;
            }
            // A word wider than the line (a long path or URL) is cut, so no line is wider than the width.
            while (line.Length + (empty ? 0 : 1) + word.Length > max && max - line.Length - (empty ? 0 : 1) > 0)
            {
                var room = max - line.Length - (empty ? 0 : 1);
                yield return line + (empty ? "" : " ") + word[..room];
                word = word[room..];
                line = hanging;
                empty = true;
            }
            line += (empty ? "" : " ") + word;
            empty = false;
        }
        yield return line;
    }

    /// <summary>
    /// One line of output within <paramref name="width"/>: unchanged when it fits, else wrapped at spaces with the
    /// continuation lines indented two more than the first.
    /// </summary>
    public static IEnumerable<string> Fit(string line, int width)
    {
        if (line.Length <= width) return [line];
        var indent = new string(' ', Math.Min(line.Length - line.TrimStart(' ').Length, width / 3));
        return Prose(line.TrimStart(' '), indent, indent + "  ", width);
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
