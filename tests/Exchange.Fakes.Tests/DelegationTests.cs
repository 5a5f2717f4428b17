namespace Exchange.Fakes.Tests;

/// <summary>Commands the fakes hand to the real CLIs, and the state lock under concurrent calls.</summary>
public sealed class DelegationTests : IDisposable
{
    private readonly Sandbox sandbox = new();

    [Fact]
    public void Synth_runs_the_real_cdk_with_the_same_arguments_and_exit_code()
    {
        var realCdk = Path.Combine(sandbox.Root, "real-cdk");
        File.WriteAllText(realCdk, "#!/bin/sh\necho \"real cdk: $*\"\nexit 3\n");
        File.SetUnixFileMode(realCdk, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        sandbox.Env["FAKE_REAL_CDK"] = realCdk;

        var result = sandbox.Cdk("synth", "--all", "-c", "env=dev");

        Assert.Equal(3, result.Exit);
        Assert.Equal("real cdk: synth --all -c env=dev\n", result.Stdout);
    }

    [Fact]
    public void Synth_without_a_real_cdk_fails_loudly()
    {
        var result = sandbox.Cdk("synth", "--all");

        Assert.Equal(97, result.Exit);
        Assert.Contains("FAKE_REAL_CDK is not set", result.Stderr);
    }

    [Fact]
    public void Apply_k_renders_with_the_real_kustomize()
    {
        sandbox.DeployWithCluster();
        var dir = Directory.CreateDirectory(Path.Combine(sandbox.Root, "overlay")).FullName;
        File.WriteAllText(Path.Combine(dir, "kustomization.yaml"), "resources: [ns.yaml, cm.yaml]\nnamespace: exchange-dev\n");
        File.WriteAllText(Path.Combine(dir, "ns.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: exchange-dev\n");
        File.WriteAllText(Path.Combine(dir, "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  A: b\n");

        var result = Sandbox.Ok(sandbox.Kubectl(["apply", "-k", dir]));

        Assert.Equal("namespace/exchange-dev created\nconfigmap/settings created\n", result.Stdout);
        Assert.NotNull(sandbox.State.KubeObjects["exchange-dev/ConfigMap/settings"].Json);
    }

    [Fact]
    public void Concurrent_calls_neither_lose_state_nor_log_lines()
    {
        sandbox.DeployWithCluster();
        Sandbox.Ok(sandbox.Kubectl(["create", "namespace", "exchange-dev"]));

        Parallel.For(0, 6, i => Sandbox.Ok(sandbox.Kubectl(["apply", "-f", "-"],
            $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: exchange-dev\ndata:\n  N: \"{i}\"\n")));

        Assert.Equal(6, sandbox.State.KubeObjects.Keys.Count(k => k.StartsWith("exchange-dev/ConfigMap/")));
        Assert.Equal(6, sandbox.Calls.Count(c => c.Tool == "kubectl" && c.Args[0] == "apply"));
    }

    public void Dispose() => sandbox.Dispose();
}
