using System.Diagnostics;
using Exchange.Build.Text;

namespace Exchange.Build.Logging;

/// <summary>How much a run prints: Cake's names for the levels (--verbosity=...).</summary>
public enum Verbosity { Quiet, Minimal, Normal, Verbose, Diagnostic }

/// <summary>
/// How output looks on this run: colour only when the stream is a terminal (NO_COLOR turns it off, FORCE_COLOR on,
/// FORCE_COLOR winning), and lines no wider than the terminal, at most <see cref="MaxWidth"/> (COLUMNS, when set, is
/// the width; a pipe or a file gets <see cref="MaxWidth"/>).
/// </summary>
public sealed record OutputStyle(bool Colour, bool ErrorColour, int Width)
{
    public const int MaxWidth = 120;
    public const int MinWidth = 40;

    public static readonly OutputStyle Plain = new(false, false, MaxWidth);

    /// <param name="environment">the run's environment variables</param>
    /// <param name="stdoutIsTerminal">whether stdout is a terminal (not a pipe or a file)</param>
    /// <param name="stderrIsTerminal">whether stderr is a terminal</param>
    /// <param name="terminalWidth">the terminal's width in columns, when known</param>
    public static OutputStyle Detect(Func<string, string?> environment, bool stdoutIsTerminal, bool stderrIsTerminal, int? terminalWidth)
    {
        var force = environment("FORCE_COLOR") is { } f && f.Trim() is not ("0" or "false");
        var none = !string.IsNullOrEmpty(environment("NO_COLOR")) || environment("TERM") == "dumb";
        bool ColourOn(bool terminal) => force || (terminal && !none);
        var width = int.TryParse(environment("COLUMNS"), out var columns) && columns > 0 ? columns
            : stdoutIsTerminal && terminalWidth is > 0 ? terminalWidth.Value
            : MaxWidth;
        return new OutputStyle(ColourOn(stdoutIsTerminal), ColourOn(stderrIsTerminal), Math.Clamp(width, MinWidth, MaxWidth));
    }

    /// <summary>This process's console, as <see cref="Detect"/> reads it.</summary>
    public static OutputStyle OfConsole(Func<string, string?> environment)
    {
        int? width = null;
        try { if (!Console.IsOutputRedirected) width = Console.WindowWidth; } catch (IOException) { }
        return Detect(environment, !Console.IsOutputRedirected, !Console.IsErrorRedirected, width);
    }
}

/// <summary>
/// The run's output: information, warnings and headings on stdout (or stderr, under --json, which keeps stdout for
/// the document), errors on stderr; every line wrapped to the width (continuation lines indented under their first),
/// coloured as the style says. Remembers when it last printed, for the heartbeat.
/// </summary>
public sealed class ConsoleLog(TextWriter output, TextWriter errors, OutputStyle style, Verbosity verbosity = Verbosity.Normal) : IBuildLog
{
    private const string Reset = "\e[0m";
    private readonly Lock _gate = new();
    private readonly Stopwatch _sinceWrite = Stopwatch.StartNew();

    public OutputStyle Style => style;
    public Verbosity Verbosity => verbosity;
    /// <summary>How long ago the last line was printed.</summary>
    public TimeSpan SinceLastOutput { get { lock (_gate) return _sinceWrite.Elapsed; } }

    public void Information(string message) { if (verbosity >= Verbosity.Normal) Write(output, style.Colour, null, message); }
    public void Verbose(string message) { if (verbosity >= Verbosity.Verbose) Write(output, style.Colour, "\e[2m", message); }
    public void Warning(string message) { if (verbosity >= Verbosity.Minimal) Write(output, style.Colour, "\e[33m", message); }
    public void Error(string message) => Write(errors, style.ErrorColour, "\e[31m", message);

    /// <summary>A step's heading line (bold on a terminal).</summary>
    public void Heading(string message) { if (verbosity >= Verbosity.Normal) Write(output, style.Colour, "\e[1m", message); }

    /// <summary>A line that must reach stdout whatever the verbosity (help, version, the JSON document), unwrapped when asked.</summary>
    public void Out(string text, bool wrap = true)
    {
        lock (_gate)
        {
            foreach (var line in wrap ? Fit(text, style.Width) : text.Split('\n')) output.WriteLine(line);
            output.Flush();
            _sinceWrite.Restart();
        }
    }

    private void Write(TextWriter writer, bool colour, string? code, string message)
    {
        lock (_gate)
        {
            foreach (var line in Fit(message, style.Width))
                writer.WriteLine(colour && code is not null && line.Length > 0 ? code + line + Reset : line);
            writer.Flush();
            _sinceWrite.Restart();
        }
    }

    /// <summary>A message as lines of at most <paramref name="width"/> characters: each of its lines wrapped at spaces.</summary>
    public static IEnumerable<string> Fit(string message, int width) =>
        message.Replace("\r\n", "\n").Split('\n').SelectMany(line => ShellWrap.Fit(line, width));
}
