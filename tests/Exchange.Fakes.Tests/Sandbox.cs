using System.Diagnostics;
using System.Text.Json.Nodes;
using Exchange.AwsStandIn;
using Exchange.Fakes.State;

namespace Exchange.Fakes.Tests;

/// <summary>What a tool printed and returned.</summary>
public sealed record Result(int Exit, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;
}

/// <summary>
/// A throw-away directory with the tools installed (the real aws behind its recording shim, the kubectl
/// stand-in, the Session Manager plugin stand-in) and an AWS stand-in whose account has the dev cluster and its
/// node group, with an admin access entry for the default caller and (unless <c>privateEndpoint</c>) a public
/// endpoint that admits this machine: runs them as real processes with a controlled environment (no inherited
/// AWS_*, FAKE_*, KUBECONFIG or CI), as the pipeline does.
/// </summary>
public sealed class Sandbox : IDisposable
{
    public const string Cluster = "exchange-dev";
    public const string Nodegroup = "SpotNodes-0123456789ab";

    public Sandbox(bool privateEndpoint = false)
    {
        Root = Directory.CreateTempSubdirectory("kubectl-standin-").FullName;
        var aws = FakeToolbox.FindOnPath("aws", null) ?? throw new InvalidOperationException("The aws CLI v1 is not on PATH: pip install awscli.");
        Toolbox = FakeToolbox.Install(Path.Combine(Root, "bin"), Path.Combine(Root, "state"), aws, "/nonexistent/cdk");
        Kubeconfig = Path.Combine(Root, "kube", "config");
        Cloud = new Cloud().WithDefaultCaller();
        var now = Cloud.Time(DateTimeOffset.UtcNow);
        Cloud.Clusters[Cluster] = new JsonObject
        {
            ["name"] = Cluster, ["arn"] = $"arn:aws:eks:{Cloud.Region}:{Cloud.Account}:cluster/{Cluster}", ["createdAt"] = now, ["version"] = "1.35",
            ["endpoint"] = "https://0123456789ABCDEF0123456789ABCDEF.gr7.ap-northeast-2.eks.amazonaws.com", ["status"] = "ACTIVE",
            ["certificateAuthority"] = new JsonObject { ["data"] = Convert.ToBase64String("stand-in CA"u8.ToArray()) },
            ["resourcesVpcConfig"] = new JsonObject
            {
                ["endpointPrivateAccess"] = true, ["endpointPublicAccess"] = !privateEndpoint, ["publicAccessCidrs"] = new JsonArray("203.0.113.0/24"),
            },
        };
        ClusterAccess.Create(Cloud, Cluster, Cloud.Roles[Cloud.SsoRole]["Arn"]!.GetValue<string>(), "STANDARD",
            [("arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", "cluster")]);
        Cloud.Nodegroups[$"{Cluster}/{Nodegroup}"] = new JsonObject
        {
            ["nodegroupName"] = Nodegroup, ["clusterName"] = Cluster, ["status"] = "ACTIVE", ["capacityType"] = "SPOT", ["createdAt"] = now,
            ["nodegroupArn"] = $"arn:aws:eks:{Cloud.Region}:{Cloud.Account}:nodegroup/{Cluster}/{Nodegroup}/0a1b2c3d",
            ["scalingConfig"] = new JsonObject { ["minSize"] = 1, ["maxSize"] = 4, ["desiredSize"] = 2 },
        };
        StandIn = StandIn.Start(Cloud);
    }

    public string Root { get; }
    public FakeToolbox Toolbox { get; }
    public string Kubeconfig { get; }
    public Cloud Cloud { get; }
    public StandIn StandIn { get; }
    public string StateDir => Toolbox.StateDir;

    /// <summary>Extra environment for the tools (null removes a variable).</summary>
    public Dictionary<string, string?> Env { get; } = [];

    public Result Run(string tool, string[] args, string? stdin = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(Path.Combine(Toolbox.BinDir, tool))
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root,
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("AWS_") || k.StartsWith("FAKE_") || k is "KUBECONFIG" or "CI").ToList())
            start.Environment.Remove(key);
        foreach (var (key, value) in StandIn.ClientEnvironment)
            start.Environment[key] = value;
        start.Environment["HOME"] = Root;
        start.Environment["KUBECONFIG"] = Kubeconfig;
        foreach (var (key, value) in Env)
            if (value is null) start.Environment.Remove(key); else start.Environment[key] = value;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
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
    public Result Kubectl(string[] args, string? stdin = null, IReadOnlyDictionary<string, string>? environment = null) =>
        Run("kubectl", args, stdin, environment);

    /// <summary>Points the kubeconfig at the dev cluster the way the pipeline does: the real `aws eks update-kubeconfig`.</summary>
    public void UseCluster() => Ok(Aws("eks", "update-kubeconfig", "--name", Cluster));

    public static Result Ok(Result result)
    {
        Assert.True(result.Exit == 0, $"exit {result.Exit}\nstdout:\n{result.Stdout}\nstderr:\n{result.Stderr}");
        return result;
    }

    public IReadOnlyList<FakeCall> Calls => FakeCalls.Read(StateDir);
    public FakeStateData State => FakeState.Read(StateDir);

    public void Dispose()
    {
        StandIn.DisposeAsync().AsTask().GetAwaiter().GetResult();
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}
