using System.Diagnostics;
using System.Text;
using Exchange.Fakes.State;

namespace Exchange.Fakes.Tests;

/// <summary>What a fake printed and returned.</summary>
public sealed record Result(int Exit, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;
}

/// <summary>
/// A throw-away directory with the fakes installed: runs the shims as real processes with a controlled
/// environment (no inherited AWS_*, FAKE_*, KUBECONFIG or CI), like the pipeline tests will.
/// </summary>
public sealed class Sandbox : IDisposable
{
    public const string Registry = "127.0.0.1:5999";
    public static readonly string Assembly = Path.Combine(AppContext.BaseDirectory, "Fixtures", "assembly");

    public Sandbox()
    {
        Root = Directory.CreateTempSubdirectory("fakes-").FullName;
        Toolbox = FakeToolbox.Install(Path.Combine(Root, "bin"), Path.Combine(Root, "state"));
        Kubeconfig = Path.Combine(Root, "kube", "config");
    }

    public string Root { get; }
    public FakeToolbox Toolbox { get; }
    public string Kubeconfig { get; }
    public string StateDir => Toolbox.StateDir;

    /// <summary>Extra environment for every call (null removes a variable).</summary>
    public Dictionary<string, string?> Env { get; } = [];

    public Result Run(string tool, string[] args, string? stdin = null, Dictionary<string, string?>? env = null)
    {
        var start = new ProcessStartInfo(Path.Combine(Toolbox.BinDir, tool))
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root,
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("AWS_") || k.StartsWith("FAKE_") || k is "KUBECONFIG" or "CI").ToList())
            start.Environment.Remove(key);
        start.Environment["AWS_REGION"] = "ap-northeast-2";
        start.Environment["KUBECONFIG"] = Kubeconfig;
        start.Environment["FAKE_ECR_REGISTRY"] = Registry;
        foreach (var (key, value) in Env.Concat(env ?? []))
            start.Environment[key] = value;

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(stdin ?? "");
        process.StandardInput.Close();
        process.WaitForExit();
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    public Result Aws(params string[] args) => Run("aws", args);
    public Result Cdk(params string[] args) => Run("cdk", args);
    public Result Kubectl(string[] args, string? stdin = null) => Run("kubectl", args, stdin);

    /// <summary>Bootstrap and deploy the fixture assembly (two stacks), writing the outputs file.</summary>
    public Result Deploy(string outputsFile = "outputs.json")
    {
        Ok(Cdk("bootstrap", "aws://111122223333/ap-northeast-2"));
        return Ok(Cdk("deploy", "--app", Assembly, "--all", "--require-approval", "never", "--outputs-file",
            Path.Combine(Root, outputsFile), "--concurrency", "2", "--progress", "events", "--ci"));
    }

    /// <summary>Deploy, then point the kubeconfig at the fixture's cluster.</summary>
    public void DeployWithCluster()
    {
        Deploy();
        Ok(Aws("eks", "update-kubeconfig", "--region", "ap-northeast-2", "--name", "exchange-dev"));
    }

    public static Result Ok(Result result)
    {
        Assert.True(result.Exit == 0, $"exit {result.Exit}\nstdout:\n{result.Stdout}\nstderr:\n{result.Stderr}");
        return result;
    }

    public IReadOnlyList<FakeCall> Calls => FakeCalls.Read(StateDir);
    public FakeStateData State => FakeState.Read(StateDir);

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}
