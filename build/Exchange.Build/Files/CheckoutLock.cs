using System.Diagnostics;
using Exchange.Build.Logging;
using Exchange.Build.Processes;

namespace Exchange.Build.Files;

/// <summary>
/// One run at a time, in this checkout, for work that shares build output: two <c>cdk synth</c> at once both run
/// <c>dotnet run</c> on the CDK app and break each other's build in infra/obj. The lock is the operating system's (an
/// exclusive open, flock on Unix), so it goes with the process that held it: a killed run leaves no stale lock.
/// </summary>
public sealed class CheckoutLock : IDisposable
{
    private readonly FileStream _file;

    private CheckoutLock(FileStream file) => _file = file;

    /// <summary>Waits (saying so every 30 s) until no other run holds <paramref name="path"/>, for at most <paramref name="timeout"/>.</summary>
    public static CheckoutLock Acquire(string path, string what, IBuildLog log, TimeSpan timeout, CancellationToken cancel = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var clock = Stopwatch.StartNew();
        TimeSpan? said = null;
        while (true)
        {
            try
            {
                return new CheckoutLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (clock.Elapsed < timeout)
            {
                if (said is null || clock.Elapsed - said >= TimeSpan.FromSeconds(30))
                {
                    log.Information($"Waiting for another {what} in this checkout to finish ({path} is held; " +
                                    $"{Operations.Backoff.Format(clock.Elapsed)} of {Operations.Backoff.Format(timeout)}).");
                    said = clock.Elapsed;
                }
                if (cancel.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(250))) throw new RunInterruptedException($"waiting for {path}");
            }
            catch (IOException e)
            {
                throw new InvalidOperationException($"Another {what} in this checkout has held {path} for {Operations.Backoff.Format(timeout)}: " +
                                                    "wait for it to end (or stop it), then rerun.", e);
            }
        }
    }

    public void Dispose() => _file.Dispose();
}
