namespace Exchange.Build.Operations;

/// <summary>Polls until a condition holds or the deadline passes (AWS state changes are asynchronous).</summary>
public static class Wait
{
    /// <summary>True when <paramref name="done"/> held before <paramref name="timeout"/>; polls every 10 s at most.</summary>
    public static bool Until(Func<bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var interval = TimeSpan.FromSeconds(Math.Clamp(timeout.TotalSeconds / 10, 0.2, 10));
        while (true)
        {
            try
            {
                if (done()) return true;
            }
            catch (Processes.CommandFailedException)
            {
                // Throttling or a passing API error: keep polling until the deadline. (Expired
                // credentials are an AwsCredentialsException and end the wait.)
            }
            if (DateTime.UtcNow + interval > deadline) return false;
            Thread.Sleep(interval);
        }
    }
}
