using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Exchange.Fakes;
using Exchange.Fakes.State;

namespace Exchange.Pipeline.Tests;

/// <summary>The outcome of one ./build.sh run.</summary>
public sealed record BuildResult(int ExitCode, string Output)
{
    public override string ToString() => $"exit {ExitCode}\n{Output}";
}

/// <summary>
/// One simulated developer machine and AWS account: its own HOME, fake AWS state, kubeconfig,
/// artefacts and copies of the engine and backend sources (with a unique marker, so their image
/// tags are new to the shared Docker engine and registry).
/// </summary>
public sealed partial class PipelineRun : IDisposable
{
    public const string Account = "111122223333";
    private readonly PipelineWorld _world;

    public PipelineRun(PipelineWorld world)
    {
        _world = world;
        Root = Directory.CreateTempSubdirectory("exchange-run-").FullName;
        DbPassword = "Db" + Guid.NewGuid().ToString("N")[..20];
        Toolbox = FakeToolbox.Install(Path.Combine(Root, "bin"), Path.Combine(Root, "state"));
        EngineDir = CopyFixture("future-engine");
        BackendDir = CopyFixture("future-backend");
        Directory.CreateDirectory(Home);
    }

    public string Root { get; }
    public string Home => Path.Combine(Root, "home");
    public string Artifacts => Path.Combine(Root, "artifacts");
    public string Kubeconfig => Path.Combine(Root, "kube", "config");
    public string EngineDir { get; }
    public string BackendDir { get; }
    public string DbPassword { get; }
    public FakeToolbox Toolbox { get; }
    public PipelineWorld World => _world;

    /// <summary>Extra environment for the next runs (null removes a variable).</summary>
    public Dictionary<string, string?> Env { get; } = [];

    public IReadOnlyList<FakeCall> Calls => FakeCalls.Read(Toolbox.StateDir);

    /// <summary>Runs ./build.sh with the given arguments (plus --account and the source dirs unless given).</summary>
    public BuildResult Build(params string[] args)
    {
        using var running = Start(args);
        return running.WaitForExit(TimeSpan.FromMinutes(10));
    }

    /// <summary>Runs ./build.sh with exactly these arguments.</summary>
    public BuildResult BuildRaw(params string[] args)
    {
        using var running = Start(args, withDefaults: false);
        return running.WaitForExit(TimeSpan.FromMinutes(10));
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
        }
        args = all.ToArray();
        var start = new ProcessStartInfo("bash", [Path.Combine(_world.RepoRoot, "build.sh"), .. args])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
            WorkingDirectory = _world.RepoRoot,
        };
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal) || k.StartsWith("FAKE_", StringComparison.Ordinal)
                     || k.StartsWith("EXCHANGE_", StringComparison.Ordinal) || k is "KUBECONFIG" or "CI" or "CDK_PATH" or "KUBECTL_PATH").ToList())
            start.Environment.Remove(key);
        var nuget = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                    ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var env = new Dictionary<string, string?>
        {
            ["HOME"] = Home,
            ["NUGET_PACKAGES"] = nuget,
            ["KUBECONFIG"] = Kubeconfig,
            ["EXCHANGE_ARTIFACTS_DIR"] = Artifacts,
            ["EXCHANGE_CDK_OUT"] = _world.CdkOut,
            ["FAKE_REAL_CDK"] = _world.RealCdk,
            ["FAKE_ECR_REGISTRY"] = _world.Registry.Host,
            ["FAKE_ECR_PASSWORD"] = _world.Registry.Password,
            ["FAKE_DB_PASSWORD"] = DbPassword,
            ["FAKE_AWS_ACCOUNT"] = Account,
            ["NO_COLOR"] = "1",
        };
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
        private readonly Lock _lines = new();

        public RunningBuild(Process process)
        {
            _process = process;
            process.StandardInput.Close();
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_lines) _output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_lines) _output.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public string Output { get { lock (_lines) return Ansi().Replace(_output.ToString(), ""); } }

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
            return new BuildResult(_process.ExitCode, Output);
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }
    }

    /// <summary>Every file the run could have written: its whole sandbox (HOME, artefacts, fake state, kubeconfig)
    /// and the shared cloud assembly.</summary>
    public IEnumerable<string> FilesWritten() =>
        Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
            .Concat(Directory.Exists(_world.CdkOut) ? Directory.EnumerateFiles(_world.CdkOut, "*", SearchOption.AllDirectories) : []);

    private string CopyFixture(string name)
    {
        var source = Path.Combine(_world.RepoRoot, "tests", "fixtures", name);
        var target = Path.Combine(Root, name);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
        File.WriteAllText(Path.Combine(target, "build-marker.txt"), Guid.NewGuid().ToString("N"));
        return target;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [GeneratedRegex(@"\x1b\[[0-9;]*m")] private static partial Regex Ansi();
}
