using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Exchange.AwsStandIn;

/// <summary>Reads the local registry that stands in for ECR (Docker Registry HTTP API v2, basic auth).</summary>
public static class RegistryClient
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private static HttpRequestMessage Get(RegistryEndpoint registry, string path, params string[] accept)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"http://{registry.Host}{path}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:" + registry.Password)));
        foreach (var type in accept) request.Headers.Accept.ParseAdd(type);
        return request;
    }

    public static IReadOnlyList<string> Tags(RegistryEndpoint registry, string repository)
    {
        using var response = Http.Send(Get(registry, $"/v2/{repository}/tags/list"));
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound) return [];
        response.EnsureSuccessStatusCode();
        var json = JsonNode.Parse(response.Content.ReadAsStream());
        return json?["tags"] is JsonArray tags ? tags.Select(t => t!.GetValue<string>()).ToArray() : [];
    }

    public static (string Digest, long Size, string MediaType) Manifest(RegistryEndpoint registry, string repository, string tag)
    {
        using var response = Http.Send(Get(registry, $"/v2/{repository}/manifests/{tag}",
            "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json", "application/vnd.docker.distribution.manifest.list.v2+json"));
        response.EnsureSuccessStatusCode();
        var manifest = JsonNode.Parse(response.Content.ReadAsStream())!;
        var size = (manifest["layers"]?.AsArray() ?? []).Concat(manifest["manifests"]?.AsArray() ?? []).Append(manifest["config"])
            .Sum(n => n?["size"]?.GetValue<long>() ?? 0);
        return (response.Headers.GetValues("Docker-Content-Digest").First(), size,
            manifest["mediaType"]?.GetValue<string>() ?? response.Content.Headers.ContentType?.MediaType ?? "application/vnd.oci.image.manifest.v1+json");
    }
}
