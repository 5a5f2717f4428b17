using System.Diagnostics;

namespace Exchange.Fakes;

/// <summary>
/// The machine's aws CLI with its start-up paid once per test session (Preload/aws_preload_server.py):
/// each call is the real aws script run from the start in a process forked from a server that has
/// already imported awscli and botocore and read botocore's data files. Same code, same files, same
/// arguments, environment, streams and exit code; about a quarter of the time per call.
/// </summary>
public sealed class AwsPreload : IDisposable
{
    private readonly Core.Lifeline _server;

    private AwsPreload(Core.Lifeline server, string socket, string python, string client)
    {
        _server = server;
        Socket = socket;
        Python = python;
        ClientScript = client;
    }

    public string Socket { get; }
    /// <summary>The server's process id: each call is a child of it.</summary>
    public int ServerPid { get; private init; }
    /// <summary>The interpreter the aws CLI runs under (the client uses it too, with -I -S).</summary>
    public string Python { get; }
    public string ClientScript { get; }

    /// <summary>
    /// Starts the server for <paramref name="realAws"/> in <paramref name="dir"/>. Returns null, with the reason,
    /// when the aws CLI on PATH is not a Python script this can preload (then the shims run it directly).
    /// </summary>
    public static AwsPreload? Start(string realAws, string dir, out string? whyNot)
    {
        whyNot = null;
        var scripts = Path.Combine(AppContext.BaseDirectory, "Preload");
        var server = Path.Combine(scripts, "aws_preload_server.py");
        if (!File.Exists(server)) { whyNot = $"{server} is missing"; return null; }
        // Only the Python aws CLI v1 can be preloaded; the aws CLI v2 is a frozen binary with its own Python and botocore.
        var version = Version(realAws);
        if (version is null || !version.StartsWith("aws-cli/1.", StringComparison.Ordinal))
        {
            whyNot = $"{realAws} is {version ?? "not runnable"}, not the Python aws CLI v1 this can preload";
            return null;
        }
        if (Script(realAws) is not { } script) { whyNot = $"no Python aws script behind {realAws}"; return null; }
        var socket = Path.Combine(dir, "aws-preload.sock");
        var start = new ProcessStartInfo(script.Python, ["-u", server, socket, script.Path])
        {
            RedirectStandardOutput = true, RedirectStandardError = false, UseShellExecute = false,
        };
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        // Under a lifeline: the server ends with the test process even when that is killed before it can dispose of it.
        var lifeline = Core.Lifeline.Start(start);
        var ready = lifeline.Process.StandardOutput.ReadLineAsync();
        if (!ready.Wait(TimeSpan.FromSeconds(30)) || ready.Result is not { } line || !line.StartsWith("ready ", StringComparison.Ordinal))
        {
            lifeline.Dispose();
            whyNot = $"the preload server did not start ({script.Python} {server})";
            return null;
        }
        // "ready <python> <pid>": the interpreter and the server's own pid (its calls are its children).
        var fields = line["ready ".Length..].Trim();
        var space = fields.LastIndexOf(' ');
        return new AwsPreload(lifeline, socket, fields[..space], Path.Combine(scripts, "aws_preload_client.py"))
        {
            ServerPid = int.Parse(fields[(space + 1)..], System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    /// <summary>What `aws --version` says (its first word: aws-cli/1.45.11), or null when it does not run.</summary>
    private static string? Version(string aws)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(aws, ["--version"])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            })!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(30_000)) { process.Kill(entireProcessTree: true); return null; }
            var text = (output.Result + error.Result).Trim();
            return process.ExitCode == 0 && text.Length > 0 ? text.Split(' ')[0] : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }

    /// <summary>The aws script and its interpreter: the file itself when it starts with a Python #!, else (a pyenv
    /// shim, a wrapper) the `aws` beside the python3 on PATH that imports awscli.</summary>
    private static (string Path, string Python)? Script(string realAws)
    {
        var python = Shebang(realAws);
        if (python is not null && python.Contains("python", StringComparison.Ordinal)) return (realAws, python);
        var probe = new ProcessStartInfo("python3", ["-c", "import awscli, sys; print(sys.executable)"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        try
        {
            using var process = Process.Start(probe)!;
            var executable = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            if (process.ExitCode != 0 || executable.Length == 0) return null;
            var script = Path.Combine(Path.GetDirectoryName(executable)!, "aws");
            return File.Exists(script) && Shebang(script) is { } interpreter && interpreter.Contains("python", StringComparison.Ordinal)
                ? (script, executable)
                : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static string? Shebang(string path)
    {
        using var reader = new StreamReader(path);
        var first = reader.ReadLine();
        return first is not null && first.StartsWith("#!", StringComparison.Ordinal) && !first.Contains(' ', StringComparison.Ordinal)
            ? first[2..]
            : null;
    }

    public void Dispose() => _server.Dispose();
}
