using Exchange.K8s.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace Exchange.K8s.Tests;

public class KustomizationFileTests
{
    // Deprecated in kustomize v5 (`kustomize edit fix` rewrites them): labels, patches, resources, replacements instead.
    private static readonly string[] DeprecatedFields =
        ["commonLabels", "patchesStrategicMerge", "patchesJson6902", "vars", "bases", "imageTags"];

    [Fact]
    public void No_kustomization_uses_a_deprecated_field()
    {
        var files = Directory.GetFiles(Repository.K8s, "kustomization.yaml", SearchOption.AllDirectories);

        var uses = files.SelectMany(file =>
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(File.ReadAllText(file)));
            var root = (YamlMappingNode)stream.Documents.Single().RootNode;
            return root.Children.Keys.Select(k => k.ToString()).Intersect(DeprecatedFields)
                .Select(field => $"{Path.GetRelativePath(Repository.Root, file)}: {field}");
        });

        Assert.True(files.Length >= 2, "no kustomization.yaml found under k8s/");
        Assert.Empty(uses);
    }
}
