using Exchange.Build.Kubernetes;
using Exchange.Contracts;
using Exchange.K8s.Tests.Support;

namespace Exchange.K8s.Tests;

public class KustomizeImageLayerTests
{
    [Theory]
    [InlineData("latest")]
    [InlineData("")]
    [InlineData("   ")]
    public void The_image_layer_refuses_a_tag_that_is_not_explicit(string tag)
    {
        var layer = Path.Combine(Path.GetTempPath(), $"k8s-image-layer-{Guid.NewGuid():N}");

        var error = Assert.Throws<ArgumentException>(() => KustomizeImageLayer.Write(layer,
            Path.Combine(Repository.Overlays, "aws-dev"),
            [new ImageOverride(WorkloadImages.Backend, "127.0.0.1:5000/exchange/future-backend", tag)]));

        Assert.Contains("explicit immutable tag", error.Message);
        Assert.False(Directory.Exists(layer));
    }
}
