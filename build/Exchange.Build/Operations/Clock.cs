namespace Exchange.Build.Operations;

/// <summary>Time and sleeping, injectable so tests of waits and retries do not sleep for real.</summary>
public interface IClock
{
    DateTimeOffset UtcNow { get; }
    /// <summary>Sleeps, returning early (with OperationCanceledException) when the run is interrupted.</summary>
    void Sleep(TimeSpan duration, CancellationToken cancel);
}

public sealed class SystemClock : IClock
{
    public static readonly SystemClock Instance = new();
    public DateTimeOffset UtcNow => DateTimeOffset.UtcNow;

    public void Sleep(TimeSpan duration, CancellationToken cancel)
    {
        if (duration > TimeSpan.Zero) cancel.WaitHandle.WaitOne(duration);
        cancel.ThrowIfCancellationRequested();
    }
}

/// <summary>Capped exponential backoff with jitter: attempt n waits between half and all of min(cap, base * 2^(n-1)).</summary>
public sealed class Backoff(TimeSpan initial, TimeSpan cap, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;

    public static Backoff ForRetries(Random? random = null) => new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20), random);

    public TimeSpan Delay(int attempt)
    {
        var ceiling = Math.Min(cap.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, Math.Max(0, attempt - 1)));
        return TimeSpan.FromMilliseconds(ceiling / 2 + _random.NextDouble() * ceiling / 2);
    }

    /// <summary>"1m30s", "20m", "45s": how durations read in progress lines.</summary>
    public static string Format(TimeSpan span)
    {
        if (span < TimeSpan.FromSeconds(10) && span.TotalSeconds % 1 != 0) return $"{span.TotalSeconds:0.#}s";
        var total = (long)Math.Round(span.TotalSeconds);
        var (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
        var text = (h > 0 ? $"{h}h" : "") + (m > 0 ? $"{m}m" : "") + (s > 0 || total == 0 ? $"{s}s" : "");
        return text;
    }
}
