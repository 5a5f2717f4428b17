using System.Text.Json;
using System.Text.Json.Nodes;
using Exchange.Build.Processes;

namespace Exchange.Build.Aws;

/// <summary>
/// The S3 calls: emptying a bucket before its stack is destroyed (DestroyDev; CDK's auto-delete would need a Lambda),
/// and sharing run artefacts through the artifacts bucket (<see cref="ArtifactStore"/>).
/// </summary>
public sealed partial class AwsCli
{
    /// <summary>DeleteObjects takes at most this many keys a call.</summary>
    public const int DeleteBatch = 1000;

    private static readonly string[] BucketMissing = ["NoSuchBucket"];

    public CommandLine PutObjectCommand(string bucket, string key, string file) =>
        JsonCommand("s3api", "put-object", "--bucket", bucket, "--key", key, "--body", file);

    public CommandLine GetObjectCommand(string bucket, string key, string outFile) =>
        JsonCommand("s3api", "get-object", "--bucket", bucket, "--key", key, outFile);

    public CommandLine ListObjectsCommand(string bucket) => JsonCommand("s3api", "list-objects-v2", "--bucket", bucket);

    /// <summary>Every key in the bucket (the CLI follows the pages), or null when the bucket does not exist.</summary>
    public IReadOnlyList<string>? ObjectKeys(string bucket)
    {
        using var json = RunJsonOrNull(ListObjectsCommand(bucket), BucketMissing);
        if (json is null) return null;
        return json.RootElement.TryGetProperty("Contents", out var contents) && contents.ValueKind == JsonValueKind.Array
            ? contents.EnumerateArray().Select(o => o.GetProperty("Key").GetString()!).ToArray()
            : [];
    }

    public CommandLine DeleteObjectsCommand(string bucket, IEnumerable<string> keys)
    {
        var delete = new JsonObject
        {
            ["Objects"] = new JsonArray(keys.Select(k => (JsonNode)new JsonObject { ["Key"] = k }).ToArray()),
            ["Quiet"] = true,
        };
        return JsonCommand("s3api", "delete-objects", "--bucket", bucket, "--delete", delete.ToJsonString());
    }

    /// <summary>Deletes every object in the bucket, in batches; returns how many. A bucket that does not exist has none.</summary>
    public int EmptyBucket(string bucket)
    {
        var keys = ObjectKeys(bucket) ?? [];
        foreach (var batch in keys.Chunk(DeleteBatch))
        {
            using var json = RunJson(DeleteObjectsCommand(bucket, batch));
            if (json.RootElement.TryGetProperty("Errors", out var errors) && errors.GetArrayLength() > 0)
                throw new InvalidOperationException($"Could not delete {errors.GetArrayLength()} object(s) of bucket {bucket}, e.g. " +
                                                    $"{errors[0].GetProperty("Key").GetString()}: {errors[0].GetProperty("Message").GetString()}. " +
                                                    "Check your role may s3:DeleteObject there (--target=Permissions), then rerun.");
        }
        return keys.Count;
    }
}
