using System.Diagnostics;
using System.Text;
using Exchange.Pipeline.Tests;

namespace Exchange.AwsStandIn.Tests;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;
    public override string ToString() => $"exit {ExitCode}\n{Stdout}\n{Stderr}";
}

/// <summary>A fresh stand-in (its own account state) and the real clients pointed at it, with a throw-away HOME.</summary>
public sealed class World : IDisposable
{
    public const string Account = "111122223333";

    public World(RegistryEndpoint? registry = null)
    {
        Root = Directory.CreateTempSubdirectory("standin-test-").FullName;
        Cloud = new Cloud(Account, "ap-northeast-2", registry);
        StandIn = StandIn.Start(Cloud);
    }

    public string Root { get; }
    public Cloud Cloud { get; }
    public StandIn StandIn { get; }
    public Faults Faults => StandIn.Faults;
    public Dictionary<string, string?> Env { get; } = [];

    public static string RepoRoot { get; } = FindRepoRoot();
    public static string CdkCli => Path.Combine(RepoRoot, "infra", "node_modules", ".bin", "cdk");

    /// <summary>
    /// The real aws CLI. For sqs it is given the stand-in's endpoint as --endpoint-url: the aws CLI v1 points sqs at its legacy
    /// regional endpoint unless that flag is given, ignoring AWS_ENDPOINT_URL (the pipeline tests' aws shim does the same).
    /// </summary>
    public CliResult Aws(params string[] args) => Run("aws", args is ["sqs", ..] ? [.. args, "--endpoint-url", StandIn.Endpoint] : args);

    public CliResult Cdk(params string[] args)
    {
        if (!File.Exists(CdkCli)) throw new InvalidOperationException($"{CdkCli} is missing: run `npm ci --prefix infra` (.ci/run does).");
        return Run(CdkCli, [.. args, "--no-notices"]);
    }

    public CliResult Run(string program, string[] args, string? stdin = null)
    {
        var start = new ProcessStartInfo(program, args)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, WorkingDirectory = Root,
        };
        foreach (var key in start.Environment.Keys
                     .Where(k => k.StartsWith("AWS_", StringComparison.Ordinal) || k.StartsWith("CDK_", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(key);
        start.Environment["HOME"] = Root;
        start.Environment["CDK_DISABLE_CLI_TELEMETRY"] = "true";
        start.Environment["JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"] = "1";
        foreach (var (key, value) in StandIn.ClientEnvironment) start.Environment[key] = value;
        foreach (var (key, value) in Env)
            if (value is null) start.Environment.Remove(key); else start.Environment[key] = value;
        using var process = Process.Start(start)!;
        process.StandardInput.Write(stdin ?? "");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within 3 minutes");
        }
        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    public string Write(string name, string text)
    {
        var path = Path.Combine(Root, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Exchange.slnx"))) return dir.FullName;
        throw new InvalidOperationException("Exchange.slnx not found above the test binaries.");
    }

    public void Dispose()
    {
        StandIn.DisposeAsync().AsTask().GetAwaiter().GetResult();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

/// <summary>One local registry for the ECR tests.</summary>
public sealed class RegistryFixture : IDisposable
{
    public Registry Registry { get; } = new(Directory.CreateTempSubdirectory("standin-registry-").FullName);
    public RegistryEndpoint Endpoint => new(Registry.Host, Registry.Password);
    public void Dispose() => Registry.Dispose();
}
