using System.Diagnostics;

namespace Exchange.Build.Logging;

/// <summary>Something under way that a silent stretch of output should name ("waiting for `cdk synth`").</summary>
public interface IActivity
{
    /// <summary>Marks <paramref name="what"/> as under way until the result is disposed.</summary>
    IDisposable Begin(string what);
}

/// <summary>No heartbeat (tests, and work whose output is not a terminal's concern).</summary>
public sealed class NoActivity : IActivity
{
    public static readonly NoActivity Instance = new();
    public IDisposable Begin(string what) => Nothing.Instance;

    private sealed class Nothing : IDisposable
    {
        public static readonly Nothing Instance = new();
        public void Dispose() { }
    }
}

/// <summary>
/// A heartbeat for long steps: whenever something is under way and nothing was printed for <see cref="Every"/>, it prints
/// what is under way and for how long ("  ... Synth: waiting for `cdk synth` (20 s so far)"), so no step is silent for
/// longer than that. The run's step is the outer activity; a child process or a wait is the inner one.
/// </summary>
public sealed class Heartbeat : IActivity, IDisposable
{
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(9);
    private readonly Action<string> _print;
    private readonly Func<TimeSpan> _sinceLastOutput;
    private readonly TimeSpan _every;
    private readonly List<(string What, Stopwatch Clock)> _active = [];
    private readonly Lock _gate = new();
    private readonly Timer _timer;

    /// <param name="print">where a heartbeat line goes (the log)</param>
    /// <param name="sinceLastOutput">how long ago the last line was printed</param>
    public Heartbeat(Action<string> print, Func<TimeSpan> sinceLastOutput, TimeSpan? every = null, TimeSpan? tick = null)
    {
        _print = print;
        _sinceLastOutput = sinceLastOutput;
        _every = every ?? Every;
        var period = tick ?? TimeSpan.FromMilliseconds(500);
        _timer = new Timer(_ => Beat(), null, period, period);
    }

    public IDisposable Begin(string what)
    {
        var entry = (what, Stopwatch.StartNew());
        lock (_gate) _active.Add(entry);
        return new End(() => { lock (_gate) _active.Remove(entry); });
    }

    /// <summary>The line a heartbeat would print now, or null when nothing is under way.</summary>
    public string? Line()
    {
        lock (_gate)
        {
            if (_active.Count == 0) return null;
            var (outer, clock) = _active[0];
            var inner = _active[^1];
            return inner.What == outer
                ? $"  ... {outer} ({Progress.Seconds(clock.Elapsed)} so far)"
                : $"  ... {outer}: {inner.What} ({Progress.Seconds(inner.Clock.Elapsed)} so far)";
        }
    }

    private void Beat()
    {
        if (_sinceLastOutput() < _every) return;
        if (Line() is { } line) _print(line);
    }

    public void Dispose() => _timer.Dispose();

    private sealed class End(Action end) : IDisposable
    {
        private int _done;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) end();
        }
    }
}
