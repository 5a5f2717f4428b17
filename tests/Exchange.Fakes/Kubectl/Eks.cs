using System.Globalization;
using System.Text.Json.Nodes;
using Exchange.Fakes.Core;

namespace Exchange.Fakes.Kubectl;

/// <summary>An EKS cluster as the kubectl stand-in sees it (from the AWS stand-in).</summary>
public sealed record ClusterState(string Name, string Arn, string Version, string Endpoint, string Region, DateTimeOffset CreatedAt);

/// <summary>A node group: its nodes are its desired size.</summary>
public sealed record NodegroupState(string ClusterName, string NodegroupName, string CapacityType, IReadOnlyList<string> InstanceTypes, int DesiredSize);

/// <summary>
/// What the API servers behind kubectl are: the EKS clusters and node groups the AWS stand-in at
/// AWS_ENDPOINT_URL knows (GET /_standin/eks), so a cluster exists exactly while its stack does and
/// a node group has as many nodes as it was scaled to.
/// </summary>
internal static class Eks
{
    public static (IReadOnlyList<ClusterState> Clusters, IReadOnlyList<NodegroupState> Nodegroups) Load()
    {
        var endpoint = FakeEnv.Get("AWS_ENDPOINT_URL") ?? throw new FakeSetupException(
            "AWS_ENDPOINT_URL is not set: the kubectl stand-in reads the clusters from the AWS stand-in (tests/Exchange.AwsStandIn).");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var json = JsonNode.Parse(http.GetStringAsync(endpoint.TrimEnd('/') + "/_standin/eks").GetAwaiter().GetResult())!;
        var region = FakeEnv.Region ?? "ap-northeast-2";
        var clusters = json["clusters"]!.AsArray().Select(c => new ClusterState(
            (string)c!["name"]!, (string)c["arn"]!, (string)c["version"]!, (string)c["endpoint"]!,
            ((string)c["arn"]!).Split(':')[3] is { Length: > 0 } r ? r : region,
            DateTimeOffset.Parse((string)c["createdAt"]!, CultureInfo.InvariantCulture))).ToList();
        var nodegroups = json["nodegroups"]!.AsArray().Select(n => new NodegroupState(
            (string)n!["clusterName"]!, (string)n["nodegroupName"]!, (string?)n["capacityType"] ?? "ON_DEMAND",
            n["instanceTypes"]?.AsArray().Select(t => (string)t!).ToList() ?? [], (int)n["scalingConfig"]!["desiredSize"]!)).ToList();
        return (clusters, nodegroups);
    }

    private static readonly Dictionary<string, string?> Digests = [];

    /// <summary>
    /// What a kubelet reports as a container's imageID once it pulled <paramref name="image"/>: REPOSITORY@DIGEST, the digest the
    /// registry standing in for ECR serves for that tag (GET /_standin/image-digest); "" for an image the registry does not have.
    /// </summary>
    public static string ImageId(string image)
    {
        if (!Digests.TryGetValue(image, out var digest))
        {
            var endpoint = FakeEnv.Get("AWS_ENDPOINT_URL");
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            using var response = endpoint is null ? null
                : http.GetAsync($"{endpoint.TrimEnd('/')}/_standin/image-digest?reference={Uri.EscapeDataString(image)}").GetAwaiter().GetResult();
            digest = response is { IsSuccessStatusCode: true }
                ? (string?)JsonNode.Parse(response.Content.ReadAsStringAsync().GetAwaiter().GetResult())?["digest"]
                : null;
            Digests[image] = digest;
        }
        var colon = image.LastIndexOf(':');
        var repository = colon > image.LastIndexOf('/') ? image[..colon] : image;
        return digest is null ? "" : $"{repository}@{digest}";
    }
}
