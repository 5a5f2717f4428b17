using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Exchange.Fakes.Core;

namespace Exchange.Checker.Tests;

/// <summary>
/// A server process these tests start on 127.0.0.1 with a data directory of its own, and stop (directory removed) when disposed.
/// It runs under a <see cref="Lifeline"/>, so the server ends with the test process even when that is killed before it can
/// dispose of anything.
/// </summary>
public abstract class LocalServer : IDisposable
{
    private readonly List<Lifeline> _processes = [];
    private int _disposed;

    protected LocalServer(string name)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory($"exchange-checker-{name}-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Dispose();
    }

    /// <summary>The server's own folder (data, socket, logs), deleted on dispose.</summary>
    public string Directory { get; }
    public int Port { get; protected set; }

    /// <summary>A TCP port nothing listens on right now (the kernel's choice).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The path of a server binary, or a failure that says which package brings it.</summary>
    protected static string Binary(string name, string package)
    {
        var found = new[] { "/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin" }
            .Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
        return found ?? throw new InvalidOperationException($"{name} is not installed: apt-get install {package} (.ci/run installs it).");
    }

    /// <summary>Runs <paramref name="start"/>; when it fails, what it started is stopped and removed before the failure goes on.</summary>
    protected void StartOrCleanUp(Action start)
    {
        try { start(); }
        catch
        {
            Dispose();
            throw;
        }
    }

    protected Process Start(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        var lifeline = Lifeline.Start(start);
        var process = lifeline.Process;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        lock (_processes) _processes.Add(lifeline);
        return process;
    }

    /// <summary>Runs a short command to its end; fails with its output when it fails.</summary>
    protected static string RunToEnd(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60))) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}:\n{stdout.Result}\n{stderr.Result}");
        return stdout.Result;
    }

    /// <summary>Waits until the port accepts connections (or the process has ended, or 30 s passed).</summary>
    protected void WaitForPort(Process process, string what, Func<string> log)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) { Thread.Sleep(100); }
        }
        throw new InvalidOperationException($"{what} did not start on 127.0.0.1:{Port}:\n{log()}");
    }

    public virtual void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        lock (_processes)
            foreach (var lifeline in _processes)
            {
                lifeline.Stop(TimeSpan.FromSeconds(20)); // the supervisor stops the server and waits for it
                lifeline.Dispose();
            }
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// Debian's MariaDB (mariadb-server), its own data directory and port: a database and a user with every privilege on every
/// database and the right to grant them, as RDS gives its master user (the one in the db-credentials secret; previews' users are
/// created and granted their database by it).
/// </summary>
public sealed class MariaDbServer : LocalServer
{
    public const string User = "exchange_app";
    public const string Database = "future_exchange";
    /// <summary>A value no output may show (the tests look for it).</summary>
    public const string Password = "Pw-7f3c9a1e-must-never-show";

    public MariaDbServer() : base("mariadb") => StartOrCleanUp(Boot);

    private void Boot()
    {
        var data = Path.Combine(Directory, "data");
        var socket = Path.Combine(Directory, "mariadb.sock");
        var user = Environment.UserName;
        RunToEnd(Binary("mariadb-install-db", "mariadb-server"), "--no-defaults", $"--datadir={data}", "--auth-root-authentication-method=normal",
            "--skip-test-db", $"--user={user}");
        Port = FreePort();
        var server = Start(Binary("mariadbd", "mariadb-server"), "--no-defaults", $"--datadir={data}", $"--socket={socket}",
            $"--pid-file={Path.Combine(Directory, "mariadb.pid")}", "--bind-address=127.0.0.1", $"--port={Port}", $"--user={user}",
            "--skip-name-resolve", "--innodb-buffer-pool-size=16M", $"--log-error={Path.Combine(Directory, "error.log")}");
        var log = Path.Combine(Directory, "error.log");
        WaitForPort(server, "mariadbd", () => File.Exists(log) ? File.ReadAllText(log) : "");
        RunToEnd(Binary("mariadb", "mariadb-client"), "--no-defaults", $"--socket={socket}", "--user=root", "--execute",
            $"CREATE DATABASE {Database}; CREATE USER '{User}'@'%' IDENTIFIED BY '{Password}'; GRANT ALL ON *.* TO '{User}'@'%' WITH GRANT OPTION;");
    }
}

/// <summary>Debian's Redis (redis-server): no persistence, its own port, no password (as the ElastiCache node).</summary>
public sealed class RedisServer : LocalServer
{
    public RedisServer() : base("redis") => StartOrCleanUp(Boot);

    private void Boot()
    {
        Port = FreePort();
        var server = Start(Binary("redis-server", "redis-server"), "--port", Port.ToString(), "--bind", "127.0.0.1", "--dir", Directory,
            "--save", "", "--appendonly", "no", "--logfile", Path.Combine(Directory, "redis.log"));
        var log = Path.Combine(Directory, "redis.log");
        WaitForPort(server, "redis-server", () => File.Exists(log) ? File.ReadAllText(log) : "");
    }
}
