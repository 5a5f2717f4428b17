using Exchange.Build.Aws;
using Exchange.Build.Logging;

namespace Exchange.Build.Operations;

/// <summary>How a wait ended: whether the state arrived, the state last seen, and (if not) what to tell the user.</summary>
public sealed record WaitResult(bool Done, string LastState, TimeSpan Elapsed, string? Failure);

/// <summary>
/// Polls until AWS (or the cluster) reaches a state or the deadline passes. It prints, at least every
/// <see cref="ProgressEvery"/>, what it waits for, the state it last saw, the time elapsed and the
/// deadline. AWS failures are classified once (<see cref="AwsFailure"/>): throttling, 5xx and busy
/// resources are polled through with growing backoff; anything persistent (a refused permission,
/// bad credentials, a bad request) ends the wait at once by rethrowing.
/// </summary>
public sealed class Waiter(IBuildLog log, IClock clock, CancellationToken cancel = default, IActivity? activity = null)
{
    public static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(10);

    /// <summary>Waits until <paramref name="done"/> holds for what <paramref name="probe"/> returns.</summary>
    /// <param name="what">what is awaited, as a phrase: "node group exchange-dev-spot-nodes to scale to 0"</param>
    /// <param name="describe">the state in words: "desired 2 (min 0, max 4)"</param>
    /// <param name="checkByHand">the command a person runs to look for themselves</param>
    /// <param name="timeoutOption">the option that sets <paramref name="timeout"/>, named when the wait gives up</param>
    /// <param name="poll">how often to look (default: a tenth of the timeout, 0.2-10 s); local state may be polled faster</param>
    public WaitResult For<T>(string what, Func<T> probe, Func<T, bool> done, Func<T, string> describe, TimeSpan timeout, string checkByHand,
        string timeoutOption = Settings.ArgumentNames.WaitTimeout, TimeSpan? poll = null)
    {
        using var underWay = activity?.Begin($"waiting for {what}");
        var start = clock.UtcNow;
        var interval = poll ?? TimeSpan.FromSeconds(Math.Clamp(timeout.TotalSeconds / 10, 0.2, MaxInterval.TotalSeconds));
        var backoff = new Backoff(interval, ProgressEvery);
        var lastState = "nothing yet";
        DateTimeOffset? lastPrinted = null;
        string? printedState = null;
        for (var busy = 0; ; )
        {
            var elapsed = clock.UtcNow - start;
            try
            {
                var value = probe();
                lastState = describe(value);
                if (done(value))
                {
                    if (lastPrinted is not null) log.Information($"  {what}: {lastState} after {Backoff.Format(clock.UtcNow - start)}");
                    return new WaitResult(true, lastState, clock.UtcNow - start, null);
                }
                busy = 0;
            }
            catch (AwsCallException e) when (!e.Failure.IsPersistent)
            {
                // Throttling, a 5xx or a resource busy with the change being waited for: poll again, more slowly.
                lastState = $"AWS answered {e.Failure}";
                busy++;
            }
            var now = clock.UtcNow;
            elapsed = now - start;
            if (lastPrinted is null || now - lastPrinted >= ProgressEvery || lastState != printedState)
            {
                log.Information($"waiting for {what}: {lastState} ({Backoff.Format(elapsed)} of {Backoff.Format(timeout)})");
                (lastPrinted, printedState) = (now, lastState);
            }
            if (elapsed >= timeout)
            {
                var failure = $"Gave up waiting for {what} after {Backoff.Format(timeout)} (--{timeoutOption}): the last state seen was " +
                              $"{lastState}. Check by hand: {checkByHand}";
                log.Error(failure);
                return new WaitResult(false, lastState, elapsed, failure);
            }
            var pause = busy > 0 ? backoff.Delay(busy) : interval;
            clock.Sleep(pause < timeout - elapsed ? pause : timeout - elapsed, cancel); // the last poll falls on the deadline
        }
    }
}
