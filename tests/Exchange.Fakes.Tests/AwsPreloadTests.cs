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
    private readonly string _realAws = FakeToolbox.FindOnPath("aws", null) ?? throw new InvalidOperationException("The aws CLI is not on PATH.");
    private readonly StandIn _standIn = StandIn.Start(new Cloud());
    private readonly AwsPreload _preload;

    public AwsPreloadTests()
    {
        _preload = AwsPreload.Start(_realAws, _root, out var whyNot) ?? throw new InvalidOperationException("no preload: " + whyNot);
    }

    /// <summary>Only the Python aws CLI v1 can be preloaded: with the aws CLI v2 on PATH (GitHub's runners) these tests are skipped, saying so.</summary>
    public sealed class WithAwsCliV1Fact : FactAttribute
    {
        public WithAwsCliV1Fact() => Skip = AwsCliV1.WhyNot;
    }

    /// <inheritdoc cref="WithAwsCliV1Fact"/>
    public sealed class WithAwsCliV1Theory : TheoryAttribute
    {
        public WithAwsCliV1Theory() => Skip = AwsCliV1.WhyNot;
    }

    private static class AwsCliV1
    {
        private static readonly Lazy<string?> Reason = new(() =>
        {
            var aws = FakeToolbox.FindOnPath("aws", null);
            if (aws is null) return null; // the constructor says it
            using var process = Process.Start(new ProcessStartInfo(aws, ["--version"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            var version = (output.Result + error).Trim().Split(' ')[0];
            return version.StartsWith("aws-cli/1.", StringComparison.Ordinal)
                ? null
                : $"the aws CLI on PATH is {version}: only the Python aws CLI v1 can be preloaded (the pipeline tests run v2 afresh, saying so)";
        });

        public static string? WhyNot => Reason.Value;
    }

    [WithAwsCliV1Theory]
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

    [WithAwsCliV1Fact]
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

    [WithAwsCliV1Fact]
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

    [WithAwsCliV1Fact]
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

/// <summary>The pipeline tests on a machine whose aws CLI is v2 (GitHub's runners): no preload, and one line saying why.</summary>
public sealed class AwsPreloadFallbackTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("aws-preload-v2-").FullName;

    [Fact]
    public void An_aws_CLI_v2_is_not_preloaded_and_the_reason_names_it()
    {
        // A frozen aws CLI v2 as AWS's installer lays it out; a Python awscli may still be importable beside it (this machine's is).
        var aws = Path.Combine(_root, "aws-cli", "v2", "2.31.20", "dist", "aws");
        Directory.CreateDirectory(Path.GetDirectoryName(aws)!);
        File.WriteAllText(aws, "#!/bin/sh\necho 'aws-cli/2.31.20 Python/3.13.7 Linux/6.8.0-1017-azure exe/x86_64.ubuntu.24'\n");
        File.SetUnixFileMode(aws, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var preload = AwsPreload.Start(aws, _root, out var whyNot);

        Assert.Null(preload);
        Assert.Equal($"{aws} is aws-cli/2.31.20, not the Python aws CLI v1 this can preload", whyNot);
        Assert.False(File.Exists(Path.Combine(_root, "aws-preload.sock")));
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
