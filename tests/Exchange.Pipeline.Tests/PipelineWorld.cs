using Exchange.Fakes;
using System.Diagnostics;

namespace Exchange.Pipeline.Tests;

/// <summary>
/// What every end-to-end run shares, made once per test process (the test classes run two at a time):
/// the repository, the Docker engine (checked once), one registry, the real aws and cdk CLIs (aws
/// preloaded), and one deployment that tests starting from a deployed environment each get a copy of.
/// Each run has its own cloud assembly, seeded from the deployment's once there is one (so the real
/// `cdk synth` runs once for the usual context; a run that changes the context synthesizes its own).
/// </summary>
public sealed class PipelineWorld : IDisposable
{
    private static readonly Lazy<PipelineWorld> Instance = new(() =>
    {
        var world = new PipelineWorld();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => world.Dispose();
        return world;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The world of this test process (stopped and removed when the process exits).</summary>
    public static PipelineWorld Shared => Instance.Value;

    private PipelineWorld()
    {
        RepoRoot = FindRepoRoot();
        Root = Directory.CreateTempSubdirectory("exchange-e2e-").FullName;
        RealCdk = Path.Combine(RepoRoot, "infra", "node_modules", ".bin", "cdk");
        if (!File.Exists(RealCdk))
            throw new InvalidOperationException($"{RealCdk} is missing: run `npm ci --prefix infra` (.ci/run does).");
        RealAws = FakeToolbox.FindOnPath("aws", null)
            ?? throw new InvalidOperationException("The aws CLI is not on PATH: the aws CLI v1 (pip install awscli) or v2 from 2.13 on (.ci/run checks it).");
        RealDocker = FakeToolbox.FindOnPath("docker", null)
            ?? throw new InvalidOperationException("docker is not on PATH (apt-get install docker.io).");
        DockerEngine = CheckDockerEngine();
        Registry = new Registry(Directory.CreateDirectory(Path.Combine(Root, "registry")).FullName);
        string? whyNot = "EXCHANGE_TEST_AWS_PRELOAD=0";
        AwsPreload = Environment.GetEnvironmentVariable("EXCHANGE_TEST_AWS_PRELOAD") == "0" ? null : AwsPreload.Start(RealAws, Root, out whyNot);
        if (AwsPreload is null) Console.Error.WriteLine($"The aws CLI starts afresh for every call ({whyNot}): slower, same results.");
    }

    public string RepoRoot { get; }
    public string Root { get; }
    public string RealCdk { get; }
    public string RealAws { get; }
    public string RealDocker { get; }
    public string DockerEngine { get; }
    public Registry Registry { get; }
    /// <summary>The aws CLI with its start-up paid once (null when it cannot be preloaded: then each call starts it).</summary>
    public AwsPreload? AwsPreload { get; }

    private readonly Lock _deploying = new();
    private PipelineRun? _deployment;
    private string? _deploymentFailure;

    /// <summary>Copies the deployment's cloud assembly (when it has been made) into <paramref name="target"/>.</summary>
    public void SeedCloudAssembly(string target)
    {
        PipelineRun? deployment;
        lock (_deploying) deployment = _deployment;
        if (deployment is not null && Directory.Exists(deployment.CdkOut)) PipelineRun.CopyTree(deployment.CdkOut, target);
    }

    /// <summary>The account and the run directory right after one successful DeployDev (made on first use).</summary>
    public (AwsStandIn.Cloud Cloud, string Root) Deployment()
    {
        lock (_deploying)
        {
            if (_deploymentFailure is not null) throw new InvalidOperationException(_deploymentFailure);
            if (_deployment is null)
            {
                var run = new PipelineRun(this);
                var deploy = run.Build("--target=DeployDev");
                run.StandIn.DisposeAsync().AsTask().GetAwaiter().GetResult();
                if (deploy.ExitCode != 0)
                {
                    _deploymentFailure = "The shared DeployDev failed:\n" + deploy;
                    run.Dispose();
                    throw new InvalidOperationException(_deploymentFailure);
                }
                _deployment = run;
            }
            return (_deployment.Cloud, _deployment.Root);
        }
    }

    /// <summary>The keys README.md's "Machine-readable output" table documents for a target's --json document.</summary>
    public HashSet<string> ReadmeJsonKeys(string target)
    {
        var readme = File.ReadAllText(Path.Combine(RepoRoot, "README.md"));
        var row = readme.Split('\n').Single(l => l.StartsWith($"| {target} | ", StringComparison.Ordinal) && l.Contains('`'));
        var cell = row.Split(" | ")[1];
        return System.Text.RegularExpressions.Regex.Matches(System.Text.RegularExpressions.Regex.Replace(cell, @"\([^)]*\)", ""), "`(\\w+)`")
            .Select(m => m.Groups[1].Value).ToHashSet();
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Exchange.slnx"))) return dir.FullName;
        throw new InvalidOperationException("Exchange.slnx not found above the test binaries.");
    }

    private static string CheckDockerEngine()
    {
        using var process = Process.Start(new ProcessStartInfo("docker", ["version", "--format", "{{.Server.Version}}"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        var version = process.StandardOutput.ReadToEnd().Trim();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"No Docker engine answers (DOCKER_HOST={Environment.GetEnvironmentVariable("DOCKER_HOST")}): {error.Trim()} " +
                                                "Start one as .ci/run does (dockerd --host unix:///tmp/... --bridge=none --iptables=false) " +
                                                "and export DOCKER_HOST.");
        return version;
    }

    private int _disposed;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        // Each part on its own: one that fails to stop must not leave the others running.
        foreach (var stop in new Action?[] { _deployment is null ? null : _deployment.Dispose, AwsPreload is null ? null : AwsPreload.Dispose,
                     Registry.Dispose })
        {
            try { stop?.Invoke(); }
            catch (Exception e) { Console.Error.WriteLine($"Stopping the test world: {e.GetType().Name}: {e.Message}"); }
        }
        PipelineRun.DeleteTree(Root);
    }
}
