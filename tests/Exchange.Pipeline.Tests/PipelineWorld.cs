using Exchange.Fakes;
using System.Diagnostics;

namespace Exchange.Pipeline.Tests;

/// <summary>
/// What every end-to-end run shares: the repository, the Docker engine (checked once), one registry,
/// the real aws and cdk CLIs, one cloud-assembly folder (the real `cdk synth` runs once; later runs find
/// it up to date), and one deployment that tests starting from a deployed environment each get a copy of.
/// </summary>
public sealed class PipelineWorld : IDisposable
{
    public PipelineWorld()
    {
        RepoRoot = FindRepoRoot();
        Root = Directory.CreateTempSubdirectory("exchange-e2e-").FullName;
        CdkOut = Path.Combine(Root, "cdk.out");
        RealCdk = Path.Combine(RepoRoot, "infra", "node_modules", ".bin", "cdk");
        if (!File.Exists(RealCdk))
            throw new InvalidOperationException($"{RealCdk} is missing: run `npm ci --prefix infra` (.ci/run does).");
        RealAws = FakeToolbox.FindOnPath("aws", null)
            ?? throw new InvalidOperationException("The aws CLI v1 is not on PATH: pip install awscli (.ci/run checks it).");
        RealDocker = FakeToolbox.FindOnPath("docker", null)
            ?? throw new InvalidOperationException("docker is not on PATH (apt-get install docker.io).");
        DockerEngine = CheckDockerEngine();
        Registry = new Registry(Directory.CreateDirectory(Path.Combine(Root, "registry")).FullName);
    }

    public string RepoRoot { get; }
    public string Root { get; }
    public string CdkOut { get; }
    public string RealCdk { get; }
    public string RealAws { get; }
    public string RealDocker { get; }
    public string DockerEngine { get; }
    public Registry Registry { get; }

    private readonly Lock _deploying = new();
    private PipelineRun? _deployment;
    private string? _deploymentFailure;

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

    public void Dispose()
    {
        _deployment?.Dispose();
        Registry.Dispose();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class PipelineCollection : ICollectionFixture<PipelineWorld>
{
    public const string Name = "pipeline";
}
