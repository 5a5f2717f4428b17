using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Exchange.Fakes.Core;

/// <summary>A manifest as the registry serves it.</summary>
public sealed record RegistryManifest(string Digest, string MediaType, long SizeInBytes);

/// <summary>The few Docker Registry HTTP API v2 calls the fake ECR makes against the real local registry.</summary>
public sealed class RegistryClient(string registry, string password) : IDisposable
{
    private static readonly string[] ManifestTypes =
    [
        "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.docker.distribution.manifest.v2+json",
    ];

    private readonly HttpClient http = new() { BaseAddress = new Uri($"http://{registry}/"), Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>The manifest of repository:reference, or null when the registry does not have it.</summary>
    public RegistryManifest? Manifest(string repository, string reference)
    {
        using var response = Send($"v2/{repository}/manifests/{reference}", ManifestTypes);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return null;
        Ensure(response);
        var body = response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
        var digest = response.Headers.TryGetValues("Docker-Content-Digest", out var values)
            ? values.First() : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
        var mediaType = response.Content.Headers.ContentType?.MediaType ?? ManifestTypes[1];
        return new RegistryManifest(digest, mediaType, LayerBytes(body));
    }

    /// <summary>The tags of a repository (empty when the registry has never seen it).</summary>
    public IReadOnlyList<string> Tags(string repository)
    {
        using var response = Send($"v2/{repository}/tags/list", ["application/json"]);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return [];
        Ensure(response);
        var json = JsonNode.Parse(response.Content.ReadAsStringAsync().GetAwaiter().GetResult());
        return json?["tags"] is JsonArray tags ? tags.Select(t => t!.GetValue<string>()).ToList() : [];
    }

    private HttpResponseMessage Send(string path, string[] accept)
    {
        var response = Get(path, accept, authenticate: false);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
            return response;
        response.Dispose();
        return Get(path, accept, authenticate: true);
    }

    private HttpResponseMessage Get(string path, string[] accept, bool authenticate)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var type in accept)
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        if (authenticate)
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:" + password)));
        try
        {
            return http.Send(request);
        }
        catch (HttpRequestException e)
        {
            throw new FakeSetupException($"the registry at {registry} (FAKE_ECR_REGISTRY) did not answer: {e.Message}");
        }
    }

    private void Ensure(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
            throw new FakeSetupException($"the registry at {registry} answered {(int)response.StatusCode} {response.ReasonPhrase}");
    }

    private static long LayerBytes(byte[] manifest)
    {
        var json = JsonNode.Parse(manifest);
        var parts = (json?["layers"] as JsonArray ?? json?["manifests"] as JsonArray ?? []).ToList();
        if (json?["config"] is { } config)
            parts.Add(config);
        return parts.Sum(p => p?["size"]?.GetValue<long>() ?? 0);
    }

    public void Dispose() => http.Dispose();
}
