using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Exchange.Fakes.Tests;

/// <summary>The fake ECR reads images from a registry over HTTP; here a minimal one that insists on ECR's basic auth.</summary>
public sealed class EcrRegistryTests : IDisposable
{
    private const string Repository = "exchange/matching-engine-shard";
    private const string Digest = "sha256:4f1c1e0f0e5a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4";

    private readonly Sandbox sandbox = new();
    private readonly HttpListener registry = new();
    private readonly Task serving;

    public EcrRegistryTests()
    {
        var port = FreePort();
        registry.Prefixes.Add($"http://127.0.0.1:{port}/");
        registry.Start();
        serving = Task.Run(Serve);
        sandbox.Env["FAKE_ECR_REGISTRY"] = $"127.0.0.1:{port}";
        sandbox.Env["FAKE_ECR_PASSWORD"] = "registry-password";
    }

    [Fact]
    public void Describe_images_returns_the_digest_the_registry_serves()
    {
        sandbox.Deploy();

        var found = Sandbox.Ok(sandbox.Aws("ecr", "describe-images", "--repository-name", Repository, "--image-ids", "imageTag=abc123"));
        var missing = sandbox.Aws("ecr", "describe-images", "--repository-name", Repository, "--image-ids", "imageTag=nope");

        var detail = JsonNode.Parse(found.Stdout)!["imageDetails"]![0]!;
        Assert.Equal(Digest, detail["imageDigest"]!.GetValue<string>());
        Assert.Equal("abc123", detail["imageTags"]![0]!.GetValue<string>());
        Assert.Equal(254, missing.Exit);
        Assert.Contains("(ImageNotFoundException) when calling the DescribeImages operation", missing.Stderr);
    }

    [Fact]
    public void A_repository_exists_only_while_its_stack_is_deployed()
    {
        var result = sandbox.Aws("ecr", "list-images", "--repository-name", Repository);

        Assert.Equal(254, result.Exit);
        Assert.Contains("RepositoryNotFoundException", result.Stderr);
    }

    private async Task Serve()
    {
        while (registry.IsListening)
        {
            HttpListenerContext context;
            try { context = await registry.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
            var response = context.Response;
            var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:registry-password"));
            var path = context.Request.Url!.AbsolutePath;
            string body;
            if (context.Request.Headers["Authorization"] != expected)
                (response.StatusCode, body) = (401, """{"errors":[{"code":"UNAUTHORIZED"}]}""");
            else if (path == $"/v2/{Repository}/manifests/abc123")
            {
                response.ContentType = "application/vnd.oci.image.manifest.v1+json";
                response.Headers["Docker-Content-Digest"] = Digest;
                body = """{"schemaVersion":2,"config":{"size":100},"layers":[{"size":1000}]}""";
            }
            else if (path == $"/v2/{Repository}/tags/list")
                body = $$"""{"name":"{{Repository}}","tags":["abc123"]}""";
            else
                (response.StatusCode, body) = (404, """{"errors":[{"code":"MANIFEST_UNKNOWN"}]}""");
            var bytes = Encoding.UTF8.GetBytes(body);
            await response.OutputStream.WriteAsync(bytes);
            response.Close();
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public void Dispose()
    {
        registry.Stop();
        registry.Close();
        serving.Wait(TimeSpan.FromSeconds(5));
        sandbox.Dispose();
    }
}
