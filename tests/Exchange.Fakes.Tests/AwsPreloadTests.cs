using System.Diagnostics;
using Exchange.AwsStandIn;

namespace Exchange.Fakes.Tests;

/// <summary>
/// The preloaded aws CLI is the same aws CLI: the same output, errors and exit codes as starting it afresh,
/// stdin reaches it, signals are forwarded, a killed client takes its call with it, and with no server the
/// client runs the real aws itself.
/// </summary>
public sealed class AwsPreloadTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("aws-preload-").FullName;
    private readonly string _realAws = FakeToolbox.FindOnPath("aws", null) ?? throw new InvalidOperationException("The aws CLI v1 is not on PATH.");
    private readonly StandIn _standIn = StandIn.Start(new Cloud());
    private readonly AwsPreload _preload;

    public AwsPreloadTests()
    {
        _preload = AwsPreload.Start(_realAws, _root, out var whyNot) ?? throw new InvalidOperationException("no preload: " + whyNot);
    }

    [Theory]
    [InlineData("sts", "get-caller-identity")] // an answer from the stand-in, as JSON
    [InlineData("cloudformation", "describe-stacks", "--stack-name", "Nope")] // AWS's error text, exit 254
    [InlineData("s3", "no-such-command")] // the CLI's own usage error, exit 252
    [InlineData("--version")]
    public void A_call_prints_and_returns_what_the_aws_CLI_started_afresh_does(params string[] args)
    {
        var direct = Run([_realAws], args);
        var preloaded = Run(Client(), args);

        Assert.Equal(direct.Exit, preloaded.Exit);
        Assert.Equal(direct.Stdout, preloaded.Stdout);
        Assert.Equal(direct.Stderr, preloaded.Stderr);
        Assert.True(direct.Output.Length > 0);
    }

    [Fact]
    public void Stdin_and_the_working_directory_are_the_callers()
    {
        var input = Path.Combine(_root, "input.json");
        File.WriteAllText(input, """{"StackName": "FromTheFile"}""");
        string[] describe = ["cloudformation", "describe-stacks", "--cli-input-json", "file://input.json", "--debug"];
        var result = Run(Client(), describe);
        Assert.Equal(Run([_realAws], describe).Exit, result.Exit);
        Assert.Contains("'StackName': 'FromTheFile'", result.Stderr, StringComparison.Ordinal); // read relative to the caller's directory

        string[] create = ["secretsmanager", "create-secret", "--name", "from-stdin", "--secret-string", "file:///dev/stdin", "--debug"];
        var piped = Run(Client(), create, stdin: "value-on-stdin");
        Assert.Contains("\"SecretString\": \"value-on-stdin\"", piped.Stderr, StringComparison.Ordinal); // the request body
        Assert.Equal(Run([_realAws], create, stdin: "value-on-stdin").Exit, piped.Exit);
    }

    [Fact]
    public void A_killed_client_takes_its_call_with_it_and_SIGTERM_is_forwarded()
    {
        // A call that lasts: it reads a stdin nobody closes.
        using var killed = Start(Client(), ["secretsmanager", "create-secret", "--name", "never", "--secret-string", "file:///dev/stdin"]);
        var worker = WaitForWorker();
        killed.Kill();
        killed.WaitForExit();
        Assert.True(WaitGone(worker), $"the preloaded aws (pid {worker}) outlived its killed client");

        using var terminated = Start(Client(), ["secretsmanager", "create-secret", "--name", "never", "--secret-string", "file:///dev/stdin"]);
        var second = WaitForWorker();
        using (var kill = Process.Start("kill", ["-TERM", terminated.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!) kill.WaitForExit();
        Assert.True(terminated.WaitForExit(10_000), "the client did not end on SIGTERM");
        Assert.Equal(128 + 15, terminated.ExitCode); // ended by the forwarded signal, as the aws process itself was
        Assert.True(WaitGone(second));
    }

    [Fact]
    public void Without_a_server_the_client_runs_the_real_aws_itself()
    {
        var client = new[] { _preload.Python, "-I", "-S", _preload.ClientScript, Path.Combine(_root, "no-server.sock"), _realAws };
        var result = Run(client, ["sts", "get-caller-identity"]);
        Assert.Equal(0, result.Exit);
        Assert.Equal(Run([_realAws], ["sts", "get-caller-identity"]).Stdout, result.Stdout);
    }

    private string[] Client() => [_preload.Python, "-I", "-S", _preload.ClientScript, _preload.Socket, _realAws];

    private Process Start(string[] command, string[] args, Dictionary<string, string>? env = null)
    {
        var start = new ProcessStartInfo(command[0], [.. command[1..], .. args])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
            WorkingDirectory = _root,
        };
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList()) start.Environment.Remove(key);
        foreach (var (key, value) in _standIn.ClientEnvironment) start.Environment[key] = value;
        start.Environment["HOME"] = _root;
        foreach (var (key, value) in env ?? []) start.Environment[key] = value;
        return Process.Start(start)!;
    }

    private Result Run(string[] command, string[] args, string? stdin = "", Dictionary<string, string>? env = null)
    {
        using var process = Start(command, args, env);
        if (stdin is not null) process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000)) { process.Kill(entireProcessTree: true); throw new TimeoutException(string.Join(' ', args)); }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The pid of the server's one running child (the preloaded aws).</summary>
    private int WaitForWorker()
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var children = Children(_preload.ServerPid);
            if (children.Length == 1) return children[0];
            Thread.Sleep(50);
        }
        throw new TimeoutException("the preload server never started the call");
    }

    private static bool WaitGone(int pid)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (!Directory.Exists($"/proc/{pid}") || File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2] == "Z") return true;
            Thread.Sleep(50);
        }
        return false;
    }

    private static int[] Children(int pid) =>
        Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsAsciiDigit))
            .Select(n => (Pid: int.Parse(n!, System.Globalization.CultureInfo.InvariantCulture), Stat: TryRead($"/proc/{n}/stat")))
            .Where(p => p.Stat is not null && ParentOf(p.Stat) == pid && State(p.Stat) != "Z")
            .Select(p => p.Pid).ToArray();

    private static string? TryRead(string path)
    {
        try { return File.ReadAllText(path); } catch (IOException) { return null; } catch (UnauthorizedAccessException) { return null; }
    }

    // /proc/PID/stat: "pid (comm) state ppid ...", comm may contain spaces: split after the last ')'.
    private static int ParentOf(string stat) => int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    private static string State(string stat) => stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];

    public void Dispose()
    {
        _preload.Dispose();
        _standIn.DisposeAsync().AsTask().GetAwaiter().GetResult();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
