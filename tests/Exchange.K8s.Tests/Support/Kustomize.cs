using System.Collections.Concurrent;

namespace Exchange.K8s.Tests.Support;

/// <summary>`kubectl kustomize` (kubectl from KUBECTL_PATH or PATH), as the pipeline and people run it.</summary>
public static class Kustomize
{
    private static readonly ConcurrentDictionary<string, Lazy<(Manifest Manifest, string Warnings)>> Cache = new();

    /// <summary>The rendered objects of the kustomization in <paramref name="directory"/> (cached per folder).</summary>
    public static Manifest Render(string directory) => RenderWithWarnings(directory).Manifest;

    /// <summary>The rendered objects and what kustomize printed on stderr (its warnings).</summary>
    public static (Manifest Manifest, string Warnings) RenderWithWarnings(string directory) =>
        Cache.GetOrAdd(Path.GetFullPath(directory), dir => new Lazy<(Manifest Manifest, string Warnings)>(() => Build(dir))).Value;

    /// <summary>Renders without caching, e.g. a throw-away image layer.</summary>
    public static Manifest RenderUncached(string directory) => Build(Path.GetFullPath(directory)).Manifest;

    private static (Manifest Manifest, string Warnings) Build(string directory)
    {
        var kubectl = ProcessRunner.Resolve("kubectl", "KUBECTL_PATH");
        var result = ProcessRunner.Run(kubectl, ["kustomize", directory]);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"kustomize could not render {directory}.\n{result.Describe()}");
        var source = Path.GetRelativePath(Repository.Root, directory).Replace('\\', '/');
        return (new Manifest(source, result.StandardOutput), result.StandardError.Trim());
    }
}
