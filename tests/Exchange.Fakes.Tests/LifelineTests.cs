using System.Diagnostics;
using Exchange.Fakes.Core;

namespace Exchange.Fakes.Tests;

/// <summary>A server under a lifeline ends with the process that started it, also when that one is killed.</summary>
public sealed class LifelineTests
{
    [Fact]
    public void Stopping_the_lifeline_stops_the_server()
    {
        var lifeline = Lifeline.Start(new ProcessStartInfo("sleep", ["300"]));
        var server = WaitForServer(lifeline.Process.Id);

        lifeline.Dispose();

        Assert.True(Gone(server), $"the server {server} is still running");
    }

    [Fact]
    public void When_the_owner_is_killed_the_server_ends_too()
    {
        // The owner is `sleep 1000`, holding the write end of the supervisor's stdin pipe as a test process would.
        using var pipeline = Process.Start(new ProcessStartInfo("bash", ["-c", "sleep 1000 | sh -c \"$1\" sh sleep 300", "bash", Lifeline.Supervisor])
        {
            UseShellExecute = false,
        })!;
        try
        {
            var children = WaitForChildren(pipeline.Id, 2);
            var owner = children.Single(pid => Command(pid).StartsWith("sleep 1000", StringComparison.Ordinal));
            var server = WaitForServer(children.Single(pid => pid != owner));

            Process.GetProcessById(owner).Kill(); // SIGKILL: no exit handler of the owner runs

            Assert.True(Gone(server), $"the server {server} outlived its owner");
        }
        finally
        {
            if (!pipeline.HasExited) pipeline.Kill(entireProcessTree: true);
        }
    }

    /// <summary>The supervisor's child that is the server (its other child is the `cat` holding the pipe).</summary>
    private static int WaitForServer(int supervisor)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var server = Children(supervisor).FirstOrDefault(pid => Command(pid).StartsWith("sleep 300", StringComparison.Ordinal));
            if (server != 0) return server;
            Thread.Sleep(50);
        }
        throw new TimeoutException($"the supervisor {supervisor} never started the server");
    }

    private static int[] WaitForChildren(int parent, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var children = Children(parent);
            if (children.Length == count) return children;
            Thread.Sleep(50);
        }
        throw new TimeoutException($"process {parent} never had {count} child(ren)");
    }

    private static bool Gone(int pid)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var stat = Read($"/proc/{pid}/stat");
            if (stat is null || State(stat) == "Z") return true;
            Thread.Sleep(50);
        }
        return false;
    }

    private static string Command(int pid) => (Read($"/proc/{pid}/cmdline") ?? "").Replace('\0', ' ');

    private static int[] Children(int pid) =>
        Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsAsciiDigit))
            .Select(n => (Pid: int.Parse(n!, System.Globalization.CultureInfo.InvariantCulture), Stat: Read($"/proc/{n}/stat")))
            .Where(p => p.Stat is not null && Parent(p.Stat) == pid && State(p.Stat) != "Z")
            .Select(p => p.Pid).ToArray();

    private static string? Read(string path)
    {
        try { return File.ReadAllText(path); } catch (IOException) { return null; } catch (UnauthorizedAccessException) { return null; }
    }

    // /proc/PID/stat: "pid (comm) state ppid ...", comm may contain spaces: split after the last ')'.
    private static int Parent(string stat) => int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    private static string State(string stat) => stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
}
