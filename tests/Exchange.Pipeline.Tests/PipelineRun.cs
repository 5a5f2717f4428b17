using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Exchange.AwsStandIn;
using Exchange.Fakes;
using Exchange.Fakes.State;

namespace Exchange.Pipeline.Tests;

/// <summary>The outcome of one ./build.sh run: exit code, stdout and stderr together (colour codes removed), as printed, and stdout alone.</summary>
public sealed partial record BuildResult(int ExitCode, string Output, string Raw = "", string Stdout = "")
{
    /// <summary>The output with the lines the build wrapped (at 120 columns, continued two spaces further in) joined again, for prose.</summary>
    public string Text => Continuation().Replace(Output, " ");

    [GeneratedRegex(@"\n {2,}")] private static partial Regex Continuation();

    public override string ToString() => $"exit {ExitCode}\n{Output}";
}

/// <summary>
/// One developer machine and AWS account: its own HOME, kubeconfig, artefacts, an AWS stand-in (its own
/// account state) that the real aws and cdk CLIs talk to, the kubectl stand-in's cluster objects, and
/// copies of the engine and backend sources (with a unique marker, so their image tags are new to the
/// shared Docker engine and registry), and of the connectivity checker's FROM scratch stand-in.
/// </summary>
public sealed partial class PipelineRun : IDisposable
{
    public const string Account = "111122223333";
    public const string Region = "ap-northeast-2";
    private readonly PipelineWorld _world;
    private Cloud _cloud;
    private StandIn? _standIn;

    public PipelineRun(PipelineWorld world)
    {
        _world = world;
        Root = Directory.CreateTempSubdirectory("exchange-run-").FullName;
        Broker = new Exchange.Fakes.Redpanda.FakeBroker(Path.Combine(Root, "redpanda"));
        _cloud = new Cloud(Account, Region, new RegistryEndpoint(world.Registry.Host, world.Registry.Password)) { RunShell = OnInstance };
        Toolbox = FakeToolbox.Install(Path.Combine(Root, "bin"), Path.Combine(Root, "state"), world.RealAws, world.RealCdk, world.RealDocker,
            world.AwsPreload);
        world.SeedCloudAssembly(CdkOut);
        EngineDir = CopyFixture("future-engine");
        BackendDir = CopyFixture("future-backend");
        CheckerDir = CopyFixture("exchange-checker");
        Directory.CreateDirectory(Home);
    }

    /// <summary>The account's state, which tests may seed (a leftover log group, another identity) and inspect.</summary>
    public Cloud Cloud => _cloud;

    /// <summary>The AWS stand-in, started on first use: its faults and every request it answered.</summary>
    public StandIn StandIn => _standIn ??= StandIn.Start(_cloud);

    public Faults Faults => StandIn.Faults;

    /// <summary>
    /// Starts from a deployed environment: a copy of the state one DeployDev left (the account, the
    /// cluster's objects, the artefacts, HOME and the sources it built), made once per test session.
    /// Call before the first run.
    /// </summary>
    public void Deployed()
    {
        if (_standIn is not null) throw new InvalidOperationException("Deployed() must come before the run's first build.");
        var (cloud, root) = _world.Deployment();
        _cloud = cloud.Clone();
        _cloud.RunShell = OnInstance; // this run's brokers, copied below with the rest of the deployment's files
        CopyTree(root, Root, relative => relative.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                                         || Path.GetFileName(relative).StartsWith(FakeCalls.FileName, StringComparison.Ordinal));
    }

    /// <summary>The Redpanda hosts of this account: what SSM Run Command runs there (the topics DeployInfra created, rpk's answers).</summary>
    public Exchange.Fakes.Redpanda.FakeBroker Broker { get; }

    private ShellResult OnInstance(string instance, string shell)
    {
        var (exitCode, stdout, stderr) = Broker.Run(instance, shell);
        return new ShellResult(exitCode, stdout, stderr);
    }

    /// <summary>The Redpanda host's instance id, from the Kafka stack's outputs.</summary>
    public string KafkaInstance()
    {
        lock (_cloud)
            return _cloud.Stacks[Exchange.Contracts.Environments.Dev.Names.Stack(Exchange.Contracts.StackKind.Kafka)].Outputs
                .Single(o => o!["OutputKey"]!.GetValue<string>() == Exchange.Contracts.Outputs.KafkaInstanceId.Key)!["OutputValue"]!.GetValue<string>();
    }

    /// <summary>The database password Secrets Manager generated (tests check it never shows).</summary>
    public string DbPassword =>
        _cloud.Secrets.Values.Single(s => s.Name.EndsWith("-db-credentials", StringComparison.Ordinal)).Value["password"]!.GetValue<string>();

    public string Root { get; }
    public string Home => Path.Combine(Root, "home");
    public string Artifacts => Path.Combine(Root, "artifacts");
    public string Kubeconfig => Path.Combine(Root, "kube", "config");
    /// <summary>This run's cloud assembly (EXCHANGE_CDK_OUT).</summary>
    public string CdkOut => Path.Combine(Root, "cdk.out");
    public string EngineDir { get; }
    public string BackendDir { get; }
    /// <summary>The checker's build context: a FROM scratch stand-in with its Dockerfile where the repository keeps the real one.</summary>
    public string CheckerDir { get; }
    public FakeToolbox Toolbox { get; }
    public PipelineWorld World => _world;

    /// <summary>Extra environment for the next runs (null removes a variable).</summary>
    public Dictionary<string, string?> Env { get; } = [];

    /// <summary>Every aws, cdk and kubectl call of the run, in order.</summary>
    public IReadOnlyList<FakeCall> Calls => FakeCalls.Read(Toolbox.StateDir);

    /// <summary>The calls that reach AWS or the cluster (aws, cdk, kubectl): what "before anything touches AWS" rules out.</summary>
    public IReadOnlyList<FakeCall> CloudCalls => Calls.Where(c => c.Tool != "docker").ToList();

    /// <summary>Runs ./build.sh with the given arguments (plus --account and the source dirs unless given).</summary>
    public BuildResult Build(params string[] args)
    {
        using var running = Start(args);
        return Checked(running.WaitForExit(TimeSpan.FromMinutes(10)), args);
    }

    /// <summary>Runs ./build.sh with exactly these arguments.</summary>
    public BuildResult BuildRaw(params string[] args)
    {
        using var running = Start(args, withDefaults: false);
        return Checked(running.WaitForExit(TimeSpan.FromMinutes(10)), args);
    }

    /// <summary>The widest line any run may print (what the build wraps to when its output is not a terminal).</summary>
    public const int MaxWidth = 120;

    /// <summary>
    /// Fails the test when the stand-in sent any answer botocore's model would not accept, or when the run printed a line
    /// wider than <see cref="MaxWidth"/> characters (counted as characters, not bytes; a --json document on stdout is data,
    /// not wrapped).
    /// </summary>
    private BuildResult Checked(BuildResult result, string[] args)
    {
        lock (_cloud)
            if (_cloud.Violations.Count > 0)
                Assert.Fail("The AWS stand-in broke botocore's models:\n" + string.Join("\n", _cloud.Violations) + "\n" + result);
        if (!args.Contains("--json"))
        {
            var wide = result.Output.Split('\n').Select(l => l.TrimEnd('\r'))
                .Where(l => new System.Globalization.StringInfo(l).LengthInTextElements > MaxWidth).ToArray();
            Assert.True(wide.Length == 0, $"{wide.Length} line(s) wider than {MaxWidth} characters:\n{string.Join("\n", wide)}\n---\n{result}");
        }
        return result;
    }

    /// <summary>Starts ./build.sh (with the defaults Build adds) and returns at once, so a test can signal it.</summary>
    public RunningBuild Start(string[] args, bool withDefaults = true)
    {
        var all = new List<string>(args);
        if (withDefaults)
        {
            if (!all.Any(a => a.StartsWith("--account", StringComparison.Ordinal))) all.Add($"--account={Account}");
            if (!all.Any(a => a.StartsWith("--engine-dir", StringComparison.Ordinal))) all.Add($"--engine-dir={EngineDir}");
            if (!all.Any(a => a.StartsWith("--backend-dir", StringComparison.Ordinal))) all.Add($"--backend-dir={BackendDir}");
            if (!all.Any(a => a.StartsWith("--checker-dir", StringComparison.Ordinal))) all.Add($"--checker-dir={CheckerDir}");
        }
        args = all.ToArray();
        // Through `env --default-signal`: a test process started in the background by a non-interactive shell inherits
        // SIGINT ignored, and a signal ignored at exec stays ignored in bash and in .NET; the interruption tests need it.
        var start = new ProcessStartInfo("env", ["--default-signal=INT,TERM", "bash", Path.Combine(_world.RepoRoot, "build.sh"), .. args])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
            WorkingDirectory = _world.RepoRoot,
        };
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal) || k.StartsWith("FAKE_", StringComparison.Ordinal)
                     || k.StartsWith("EXCHANGE_", StringComparison.Ordinal) || k.StartsWith("CDK_", StringComparison.Ordinal)
                     || k is "KUBECONFIG" or "CI" or "KUBECTL_PATH" or "DOCKER_PATH").ToList())
            start.Environment.Remove(key);
        var nuget = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                    ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var env = new Dictionary<string, string?>
        {
            ["HOME"] = Home,
            ["NUGET_PACKAGES"] = nuget,
            ["KUBECONFIG"] = Kubeconfig,
            ["EXCHANGE_ARTIFACTS_DIR"] = Artifacts,
            ["EXCHANGE_CDK_OUT"] = CdkOut,
            ["CDK_DISABLE_CLI_TELEMETRY"] = "true",
            ["JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"] = "1",
            ["NO_COLOR"] = "1",
        };
        foreach (var (key, value) in StandIn.ClientEnvironment) env[key] = value;
        foreach (var (key, value) in Toolbox.Environment) env[key] = value;
        foreach (var (key, value) in Env) env[key] = value;
        foreach (var (key, value) in env)
            if (value is null) start.Environment.Remove(key); else start.Environment[key] = value;

        return new RunningBuild(Process.Start(start)!);
    }

    /// <summary>A ./build.sh that is still running.</summary>
    public sealed class RunningBuild : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly StringBuilder _stdout = new();
        private readonly Lock _lines = new();

        public RunningBuild(Process process)
        {
            _process = process;
            process.StandardInput.Close();
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null) lock (_lines) { _output.AppendLine(e.Data); _stdout.AppendLine(e.Data); }
            };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_lines) _output.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public string Output { get { lock (_lines) return Ansi().Replace(_output.ToString(), ""); } }

        /// <summary>The output as printed, colour codes included.</summary>
        public string Raw { get { lock (_lines) return _output.ToString(); } }

        /// <summary>Waits until the output contains <paramref name="text"/>; throws with the output so far otherwise.</summary>
        public void WaitForOutput(string text, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!Output.Contains(text, StringComparison.Ordinal))
            {
                if (_process.HasExited || DateTime.UtcNow > deadline)
                    throw new TimeoutException($"build.sh never printed '{text}':\n{Output}");
                Thread.Sleep(100);
            }
        }

        /// <summary>Sends a signal (INT, TERM) to the run, as Ctrl-C in a terminal does (build.sh execs the Cake process).</summary>
        public void Signal(string name)
        {
            using var kill = Process.Start("kill", ["-" + name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
            kill.WaitForExit();
        }

        public BuildResult WaitForExit(TimeSpan timeout)
        {
            if (!_process.WaitForExit(timeout))
            {
                _process.Kill(entireProcessTree: true);
                throw new TimeoutException($"build.sh did not finish within {timeout}:\n" + Output);
            }
            _process.WaitForExit();
            string stdout;
            lock (_lines) stdout = _stdout.ToString();
            return new BuildResult(_process.ExitCode, Output, Raw, stdout);
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }
    }

    /// <summary>Every file the run could have written: its whole sandbox (HOME, artefacts, kubectl stand-in state, kubeconfig,
    /// the cloud assembly).</summary>
    public IEnumerable<string> FilesWritten() => Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories);

    private string CopyFixture(string name)
    {
        var source = Path.Combine(_world.RepoRoot, "tests", "fixtures", name);
        var target = Path.Combine(Root, name);
        CopyTree(source, target);
        File.WriteAllText(Path.Combine(target, "build-marker.txt"), Guid.NewGuid().ToString("N"));
        return target;
    }

    /// <summary>Copies every file under <paramref name="source"/> to the same place under <paramref name="target"/>
    /// (overwriting), except those whose relative path <paramref name="skip"/> matches.</summary>
    public static void CopyTree(string source, string target, Func<string, bool>? skip = null)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (skip?.Invoke(relative) == true) continue;
            var destination = Path.Combine(target, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination, overwrite: true);
        }
    }

    /// <summary>
    /// Edits one stack's template in this run's cloud assembly, as a changed source would synthesize it, and rehashes it
    /// where the assembly names the template by its SHA-256 (the asset manifest, the template's object URL), so cdk
    /// uploads and deploys the edited one. The fingerprint stays, so Synth keeps the edited assembly.
    /// </summary>
    public void EditTemplate(Exchange.Contracts.StackKind kind, Func<string, string> edit)
    {
        var stack = Exchange.Contracts.Environments.Dev.Names.Stack(kind);
        var file = Path.Combine(CdkOut, $"{stack}.template.json");
        var before = File.ReadAllText(file);
        var after = edit(before);
        Assert.NotEqual(before, after);
        File.WriteAllText(file, after);
        string Hash(string text) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        foreach (var manifest in Directory.EnumerateFiles(CdkOut, "*.json").Where(f => f.EndsWith("manifest.json", StringComparison.Ordinal)
                                                                                       || f.EndsWith(".assets.json", StringComparison.Ordinal)))
            File.WriteAllText(manifest, File.ReadAllText(manifest).Replace(Hash(before), Hash(after), StringComparison.Ordinal));
    }

    /// <summary>A log group an earlier environment left in the account (EKS recreates its control-plane log group on its own).</summary>
    public void LeftoverLogGroup(string name)
    {
        lock (_cloud) _cloud.LogGroups[name] = Provisioner.LogGroup(_cloud, name, retention: null);
    }

    /// <summary>Credentials of another account for the next runs (the stand-in knows them; STS says whose they are).</summary>
    public void SignInAs(string account, string arn)
    {
        var key = "AKIA" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(arn)))[..16];
        Cloud.AddIdentity(key, account, arn);
        Env["AWS_ACCESS_KEY_ID"] = key;
    }

    public void Dispose()
    {
        try { _standIn?.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
        catch (ObjectDisposedException) { } // the shared deployment's stand-in is stopped once it is made
        _standIn = null;
        DeleteTree(Root);
    }

    /// <summary>Removes a folder, retrying while a process that was just stopped still writes into it.</summary>
    public static void DeleteTree(string dir)
    {
        for (var attempt = 0; attempt < 5 && Directory.Exists(dir); attempt++)
        {
            try { Directory.Delete(dir, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { Thread.Sleep(200 * (attempt + 1)); }
        }
    }

    [GeneratedRegex(@"\x1b\[[0-9;]*m")] private static partial Regex Ansi();
}
