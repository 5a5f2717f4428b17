using System.Diagnostics;

namespace Exchange.Build.Logging;

/// <summary>Start and end lines, with the duration, for work that can take more than a few seconds.</summary>
public static class Progress
{
    public static T Timed<T>(this IBuildLog log, string what, Func<T> work)
    {
        log.Information($"{what} ...");
        var clock = Stopwatch.StartNew();
        try
        {
            var result = work();
            log.Information($"{what}: done in {Seconds(clock.Elapsed)}");
            return result;
        }
        catch
        {
            log.Error($"{what}: failed after {Seconds(clock.Elapsed)}");
            throw;
        }
    }

    public static void Timed(this IBuildLog log, string what, Action work) => log.Timed(what, () => { work(); return 0; });

    public static string Seconds(TimeSpan elapsed) =>
        elapsed.TotalSeconds < 100 ? $"{elapsed.TotalSeconds:0.0} s" : $"{(int)elapsed.TotalMinutes} min {elapsed.Seconds} s";
}
