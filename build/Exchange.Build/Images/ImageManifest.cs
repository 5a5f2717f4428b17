using System.Text.Json;
using System.Text.Json.Serialization;

namespace Exchange.Build.Images;

/// <summary>One workload image: where it was built from and where it went.</summary>
public sealed record ImageRecord
{
    /// <summary>The kustomize image name in k8s/base (matching-engine-shard, future-backend).</summary>
    public required string Name { get; init; }
    public required string SourceDir { get; init; }
    public required string Dockerfile { get; init; }
    public required string Tag { get; init; }
    /// <summary>How the tag was derived: git commit, content digest, or --image-tag.</summary>
    public required string TagSource { get; init; }
    public string LocalReference => $"{Name}:{Tag}";
    public string? Repository { get; init; }
    public string? RemoteReference => Repository is null ? null : $"{Repository}:{Tag}";
    public string? Digest { get; init; }
}

/// <summary>artifacts/&lt;env&gt;/images.json: what BuildImages built and PushImages pushed, so either can rerun alone.</summary>
public sealed record ImageManifest
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public Dictionary<string, ImageRecord> Images { get; init; } = new(StringComparer.Ordinal);

    public static ImageManifest Load(string path) =>
        File.Exists(path) ? JsonSerializer.Deserialize<ImageManifest>(File.ReadAllText(path), Json) ?? new() : new();

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Files.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));
    }
}
