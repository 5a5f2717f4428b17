using System.Text.Json.Nodes;
using Exchange.Fakes.Core;

namespace Exchange.Fakes.Aws;

/// <summary>
/// `aws ecr ...`: repositories exist while the stack that declares them is deployed; images are
/// whatever the real registry at FAKE_ECR_REGISTRY holds.
/// </summary>
internal static class Ecr
{
    private const string DefaultPassword =
        "eyJwYXlsb2FkIjoiRmFrZUVjclRva2VuN3FYMmtMOXBSM3ZaOHdOMWNCNnlIMGZKNHRHNW1EIiwiZGF0YWtleSI6IkFRRUJBSGg0ZmFrZSIsInZlcnNpb24iOiIyIiwidHlwZSI6IkRBVEFfS0VZIiwiZXhwaXJhdGlvbiI6MTc5NTAwMDAwMH0=";

    public static IEnumerable<AwsOperation> Operations =>
    [
        new("ecr", "get-login-password", [], [], _ => AwsResponse.Text(Password + "\n")),
        new("ecr", "describe-images", ["--repository-name", "--image-ids", "--registry-id", "--filter"], ["--repository-name"], DescribeImages),
        new("ecr", "list-images", ["--repository-name", "--registry-id", "--filter"], ["--repository-name"], ListImages),
        new("ecr", "batch-delete-image", ["--repository-name", "--image-ids", "--registry-id"], ["--repository-name", "--image-ids"], BatchDeleteImage),
        new("ecr", "describe-repositories", ["--repository-names", "--registry-id"], [], DescribeRepositories),
    ];

    public static string Password => FakeEnv.Get(FakeEnv.EcrPassword) ?? DefaultPassword;

    private static AwsResponse DescribeImages(AwsCall call)
    {
        var repository = call.Req("--repository-name");
        if (MissingRepository(call, repository) is { } missing)
            return missing;
        using var registry = Registry();
        var ids = call.Args.GetAll("--image-ids").Select(ImageId).ToList();
        if (ids.Count == 0)
            ids = registry.Tags(repository).Select(t => (Tag: (string?)t, Digest: (string?)null)).ToList();
        var details = new JsonArray();
        foreach (var (tag, digest) in ids)
        {
            var manifest = registry.Manifest(repository, tag ?? digest ?? "latest");
            if (manifest is null)
                return call.ServiceError("ImageNotFoundException",
                    $"The image with imageId {{imageDigest:'{digest ?? "null"}', imageTag:'{tag ?? "null"}'}} does not exist " +
                    $"within the repository with name '{repository}' in the registry with id '{call.Account}'");
            details.Add(new JsonObject
            {
                ["registryId"] = call.Account,
                ["repositoryName"] = repository,
                ["imageDigest"] = manifest.Digest,
                ["imageTags"] = tag is null ? new JsonArray() : Json.Strings([tag]),
                ["imageSizeInBytes"] = manifest.SizeInBytes,
                ["imagePushedAt"] = Json.AwsTime(DateTimeOffset.UtcNow),
                ["imageManifestMediaType"] = manifest.MediaType,
            });
        }
        return AwsResponse.Ok(new JsonObject { ["imageDetails"] = details });
    }

    private static AwsResponse ListImages(AwsCall call)
    {
        var repository = call.Req("--repository-name");
        if (MissingRepository(call, repository) is { } missing)
            return missing;
        using var registry = Registry();
        var ids = registry.Tags(repository)
            .Select(tag => new JsonObject { ["imageDigest"] = registry.Manifest(repository, tag)?.Digest, ["imageTag"] = tag });
        return AwsResponse.Ok(new JsonObject { ["imageIds"] = Json.Array(ids) });
    }

    /// <summary>Recorded in the call log only: the images stay in the registry.</summary>
    private static AwsResponse BatchDeleteImage(AwsCall call)
    {
        var repository = call.Req("--repository-name");
        if (MissingRepository(call, repository) is { } missing)
            return missing;
        var ids = call.Args.GetAll("--image-ids").Select(ImageId)
            .Select(id => Json.WithoutNulls(new JsonObject { ["imageDigest"] = id.Digest, ["imageTag"] = id.Tag }));
        return AwsResponse.Ok(new JsonObject { ["imageIds"] = Json.Array(ids), ["failures"] = new JsonArray() });
    }

    private static AwsResponse DescribeRepositories(AwsCall call)
    {
        var wanted = call.List("--repository-names");
        if (wanted.FirstOrDefault(name => !call.State.EcrRepositories.ContainsKey(name)) is { } absent)
            return NotFound(call, absent);
        var repositories = call.State.EcrRepositories.Keys
            .Where(name => wanted.Count == 0 || wanted.Contains(name))
            .Select(name => new JsonObject
            {
                ["repositoryArn"] = $"arn:aws:ecr:{call.Region}:{call.Account}:repository/{name}",
                ["registryId"] = call.Account,
                ["repositoryName"] = name,
                ["repositoryUri"] = RepositoryUri(name, call.Region),
                ["imageTagMutability"] = "MUTABLE",
            });
        return AwsResponse.Ok(new JsonObject { ["repositories"] = Json.Array(repositories) });
    }

    /// <summary>The registry address images are pushed to: FAKE_ECR_REGISTRY when set, else ECR's real shape.</summary>
    public static string RepositoryUri(string repository, string region) =>
        $"{FakeEnv.Get(FakeEnv.EcrRegistry) ?? $"{FakeEnv.Account}.dkr.ecr.{region}.amazonaws.com"}/{repository}";

    private static AwsResponse? MissingRepository(AwsCall call, string repository) =>
        call.State.EcrRepositories.ContainsKey(repository) ? null : NotFound(call, repository);

    private static AwsResponse NotFound(AwsCall call, string repository) =>
        call.ServiceError("RepositoryNotFoundException",
            $"The repository with name '{repository}' does not exist in the registry with id '{call.Account}'");

    private static RegistryClient Registry() =>
        new(FakeEnv.Get(FakeEnv.EcrRegistry) ?? throw new FakeSetupException(
            $"{FakeEnv.EcrRegistry} is not set: the fake ECR reads images from that registry (host:port)."), Password);

    /// <summary>Shorthand `imageTag=T[,imageDigest=D]` or JSON `{"imageTag":"T"}`.</summary>
    private static (string? Tag, string? Digest) ImageId(string text)
    {
        if (text.TrimStart().StartsWith('{') && JsonNode.Parse(text) is JsonObject json)
            return (Json.Str(json, "imageTag"), Json.Str(json, "imageDigest"));
        var pairs = text.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        return (pairs.GetValueOrDefault("imageTag"), pairs.GetValueOrDefault("imageDigest"));
    }
}
