using System.Diagnostics;

namespace Exchange.Fakes.Core;

/// <summary>
/// A server a test process starts (a registry, the aws preload server, a database) that ends when the test
/// process ends, however it ends. The test host is not always given the chance to run its exit handlers (the
/// test runner may kill it once the run is over), so Dispose alone cannot be trusted to stop its servers.
/// The server runs under a small `sh` that holds a pipe from the test process on its stdin: when that pipe
/// closes (the test process exited or was killed, or <see cref="Stop"/>), the shell stops the server.
/// The server itself gets /dev/null as its stdin; its stdout and stderr are the caller's to redirect.
/// </summary>
public sealed class Lifeline : IDisposable
{
    public const string Supervisor =
        "\"$@\" </dev/null & server=$!\n" +
        "trap 'kill $server 2>/dev/null' TERM INT\n" +
        "cat >/dev/null\n" + // returns when the test process's end of the pipe closes
        "kill $server 2>/dev/null\n" +
        "wait $server\n";

    private Lifeline(Process process) => Process = process;

    /// <summary>The supervising shell (its child is the server).</summary>
    public Process Process { get; }

    /// <summary>
    /// Starts <paramref name="start"/> (its FileName and ArgumentList; its environment, working directory and
    /// output redirection are kept) under the supervisor.
    /// </summary>
    public static Lifeline Start(ProcessStartInfo start)
    {
        var supervised = new ProcessStartInfo("sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = start.RedirectStandardOutput,
            RedirectStandardError = start.RedirectStandardError,
            WorkingDirectory = start.WorkingDirectory,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-c", Supervisor, "sh", start.FileName }.Concat(start.ArgumentList))
            supervised.ArgumentList.Add(argument);
        supervised.Environment.Clear();
        foreach (var (key, value) in start.Environment) supervised.Environment[key] = value;
        // The pipe's write end stays open in this process (never closed, never written): its end is the signal.
        return new Lifeline(Process.Start(supervised)!);
    }

    /// <summary>Stops the server (closing the pipe) and waits for it.</summary>
    public void Stop(TimeSpan? wait = null)
    {
        try
        {
            if (!Process.HasExited) Process.StandardInput.Close();
            if (!Process.WaitForExit(wait ?? TimeSpan.FromSeconds(10))) Process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException) { }
    }

    public void Dispose()
    {
        Stop();
        Process.Dispose();
    }
}
