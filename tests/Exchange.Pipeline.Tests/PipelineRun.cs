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
        var all = new List<string>(args);
        if (!all.Any(a => a.StartsWith("--account", StringComparison.Ordinal))) all.Add($"--account={Account}");
        if (!all.Any(a => a.StartsWith("--engine-dir", StringComparison.Ordinal))) all.Add($"--engine-dir={EngineDir}");
        if (!all.Any(a => a.StartsWith("--backend-dir", StringComparison.Ordinal))) all.Add($"--backend-dir={BackendDir}");
        return BuildRaw(all.ToArray());
    }

    /// <summary>Runs ./build.sh with exactly these arguments.</summary>
    public BuildResult BuildRaw(params string[] args)
    {
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

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = new StringBuilder();
        var lines = new object();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (lines) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (lines) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("build.sh did not finish within 10 minutes:\n" + output);
        }
        process.WaitForExit();
        lock (lines) return new BuildResult(process.ExitCode, Ansi().Replace(output.ToString(), ""));
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
