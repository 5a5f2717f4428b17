using System.Diagnostics;

namespace Exchange.Pipeline.Tests;

/// <summary>
/// What every end-to-end run shares: the repository, the Docker engine (checked once), one registry,
/// and one cloud-assembly folder (the real `cdk synth` runs once; later runs find it up to date).
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
        DockerEngine = CheckDockerEngine();
        Registry = new Registry(Directory.CreateDirectory(Path.Combine(Root, "registry")).FullName);
    }

    public string RepoRoot { get; }
    public string Root { get; }
    public string CdkOut { get; }
    public string RealCdk { get; }
    public string DockerEngine { get; }
    public Registry Registry { get; }

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
                                                "Start one as .ci/run does (dockerd --host unix:///tmp/... --bridge=none --iptables=false) and export DOCKER_HOST.");
        return version;
    }

    public void Dispose()
    {
        Registry.Dispose();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class PipelineCollection : ICollectionFixture<PipelineWorld>
{
    public const string Name = "pipeline";
}
