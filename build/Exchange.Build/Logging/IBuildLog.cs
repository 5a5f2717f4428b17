namespace Exchange.Build.Logging;

/// <summary>Where the build library writes. The Cake adapter forwards to Cake's log; tests capture.</summary>
public interface IBuildLog
{
    void Information(string message);
    void Verbose(string message);
    void Warning(string message);
    void Error(string message);
}

/// <summary>Passes every message through the redactor first, so no secret reaches any sink.</summary>
public sealed class RedactingLog(IBuildLog inner, Redactor redactor) : IBuildLog
{
    public void Information(string message) => inner.Information(redactor.Redact(message));
    public void Verbose(string message) => inner.Verbose(redactor.Redact(message));
    public void Warning(string message) => inner.Warning(redactor.Redact(message));
    public void Error(string message) => inner.Error(redactor.Redact(message));
}

/// <summary>Collects messages in memory (tests, and the plan printer).</summary>
public sealed class MemoryLog : IBuildLog
{
    private readonly List<(string Level, string Message)> _entries = [];
    private readonly Lock _gate = new();

    public IReadOnlyList<(string Level, string Message)> Entries { get { lock (_gate) return _entries.ToArray(); } }
    public string Text => string.Join("\n", Entries.Select(e => e.Message));

    public void Information(string message) => Add("info", message);
    public void Verbose(string message) => Add("verbose", message);
    public void Warning(string message) => Add("warning", message);
    public void Error(string message) => Add("error", message);

    private void Add(string level, string message) { lock (_gate) _entries.Add((level, message)); }
}

/// <summary>Writes nowhere (a wrapper built without a log, as some tests build them).</summary>
public sealed class NullBuildLog : IBuildLog
{
    public static readonly NullBuildLog Instance = new();
    public void Information(string message) { }
    public void Verbose(string message) { }
    public void Warning(string message) { }
    public void Error(string message) { }
}
