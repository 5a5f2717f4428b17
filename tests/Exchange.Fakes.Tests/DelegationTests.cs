namespace Exchange.Fakes.Tests;

/// <summary>Commands the kubectl stand-in hands to the real kubectl, and the state lock under concurrent calls.</summary>
public sealed class DelegationTests : IDisposable
{
    private readonly Sandbox sandbox = new();

    [Fact]
    public void Apply_k_renders_with_the_real_kustomize()
    {
        sandbox.UseCluster();
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
        sandbox.UseCluster();
        Sandbox.Ok(sandbox.Kubectl(["apply", "-f", "-"], "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: exchange-dev\n"));

        Parallel.For(0, 6, i => Sandbox.Ok(sandbox.Kubectl(["apply", "-f", "-"],
            $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: exchange-dev\ndata:\n  N: \"{i}\"\n")));

        Assert.Equal(6, sandbox.State.KubeObjects.Keys.Count(k => k.StartsWith("exchange-dev/ConfigMap/")));
        Assert.Equal(1 + 6, sandbox.Calls.Count(c => c.Tool == "kubectl" && c.Args[0] == "apply")); // the namespace, then the six
    }

    public void Dispose() => sandbox.Dispose();
}
