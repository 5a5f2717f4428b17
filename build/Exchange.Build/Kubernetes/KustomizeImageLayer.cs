using System.Text;

namespace Exchange.Build.Kubernetes;

/// <summary>An image the overlay's workloads should run: kustomize's <c>images:</c> entry.</summary>
public sealed record ImageOverride(string Name, string NewName, string NewTag)
{
    public string Reference => $"{NewName}:{NewTag}";
}

/// <summary>
/// What a layer sets besides the images: the namespace of everything in it, a suffix for every name (a Job's run), and JSON patches
/// (a preview's one backend replica and NodePort).
/// </summary>
public sealed record LayerOptions(string? Namespace = null, string? NameSuffix = null, IReadOnlyList<LayerPatch>? Patches = null);

/// <summary>A JSON 6902 patch (<paramref name="JsonPatch"/>, a JSON array) of the object of that kind and name (before any suffix).</summary>
public sealed record LayerPatch(string Kind, string Name, string JsonPatch);

/// <summary>
/// Sets image registry and tag the kustomize way without editing the repository: a throw-away
/// kustomization in a temporary folder whose only resource is the overlay (by relative path;
/// kustomize refuses absolute ones) and whose <c>images:</c> carries the pushed references.
/// </summary>
public static class KustomizeImageLayer
{
    /// <summary>Writes the layer into <paramref name="layerDir"/> (created) and returns that folder.</summary>
    public static string Write(string layerDir, string overlayDir, IReadOnlyCollection<ImageOverride> images, LayerOptions? options = null)
    {
        foreach (var image in images) Validate(image);
        Directory.CreateDirectory(layerDir);
        var overlay = Path.GetFullPath(overlayDir);
        if (!File.Exists(Path.Combine(overlay, "kustomization.yaml")))
            throw new DirectoryNotFoundException($"No kustomization.yaml in overlay '{overlay}'.");
        var relative = Path.GetRelativePath(Path.GetFullPath(layerDir), overlay).Replace('\\', '/');
        File.WriteAllText(Path.Combine(layerDir, "kustomization.yaml"), Render(relative, images, options ?? new LayerOptions()));
        return layerDir;
    }

    internal static string Render(string overlayRelativePath, IEnumerable<ImageOverride> images, LayerOptions options)
    {
        var yaml = new StringBuilder()
            .AppendLine("apiVersion: kustomize.config.k8s.io/v1beta1")
            .AppendLine("kind: Kustomization")
            .AppendLine("resources:")
            .AppendLine($"- {Quote(overlayRelativePath)}");
        if (options.Namespace is { } ns) yaml.AppendLine($"namespace: {Quote(ns)}");
        if (options.NameSuffix is { } suffix) yaml.AppendLine($"nameSuffix: {Quote(suffix)}");
        if (options.Patches is { Count: > 0 } patches)
        {
            yaml.AppendLine("patches:");
            foreach (var patch in patches)
                yaml.AppendLine($"- target: {{kind: {Quote(patch.Kind)}, name: {Quote(patch.Name)}}}")
                    .AppendLine($"  patch: {Quote(patch.JsonPatch)}");
        }
        yaml.AppendLine("images:");
        foreach (var image in images)
        {
            yaml.AppendLine($"- name: {Quote(image.Name)}")
                .AppendLine($"  newName: {Quote(image.NewName)}")
                .AppendLine($"  newTag: {Quote(image.NewTag)}");
        }
        return yaml.ToString();
    }

    private static void Validate(ImageOverride image)
    {
        if (string.IsNullOrWhiteSpace(image.Name) || string.IsNullOrWhiteSpace(image.NewName))
            throw new ArgumentException("An image override needs a name and a new name.");
        if (string.IsNullOrWhiteSpace(image.NewTag) || image.NewTag == "latest")
            throw new ArgumentException(
                $"Image '{image.Name}' needs an explicit immutable tag, not '{image.NewTag}'.");
        if (image.NewName.Split('/').Last().Contains(':') || image.NewName.Contains('@'))
            throw new ArgumentException($"Image '{image.Name}': new name '{image.NewName}' must not carry a tag.");
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
