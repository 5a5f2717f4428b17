using Exchange.Contracts;

namespace Exchange.K8s.Tests.Support;

/// <summary>A kustomization the tests render, and what its output must look like.</summary>
public sealed record Rendering(string Name, string Directory, string Namespace, int ShardCount)
{
    public Manifest Render() => Kustomize.Render(Directory);
    public override string ToString() => Name;
}

public static class Renderings
{
    /// <summary>k8s/base: runnable alone in the namespace `exchange`, with the design's three shards.</summary>
    public static Rendering Base { get; } = new("base", Repository.Base, "exchange", 3);

    /// <summary>Each overlay folder and the environment it deploys. A new overlay must be added here.</summary>
    public static IReadOnlyDictionary<string, EnvironmentConfig> OverlayEnvironments { get; } =
        new Dictionary<string, EnvironmentConfig> { ["aws-dev"] = Environments.Dev };

    public static IReadOnlyList<Rendering> Overlays { get; } = OverlayEnvironments
        .Select(e => new Rendering($"overlays/{e.Key}", Path.Combine(Repository.Overlays, e.Key), e.Value.Names.Namespace, e.Value.ShardCount))
        .ToArray();

    public static IEnumerable<Rendering> All => Overlays.Prepend(Base);

    public static TheoryData<string> AllNames => new(All.Select(r => r.Name));
    public static TheoryData<string> OverlayNames => new(Overlays.Select(r => r.Name));

    public static Rendering Named(string name) => All.Single(r => r.Name == name);
}
