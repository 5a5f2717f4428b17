using Exchange.Build.Logging;
using Exchange.Build.Processes;
using Exchange.Contracts;

namespace Exchange.Build.Aws;

/// <summary>
/// The run artefacts CI and people share (stack outputs, images.json, the deploy policy) in the Storage stack's
/// artifacts bucket, under their file names. Local files stay the cache: a file is fetched only when it is missing
/// here, so an <c>--exclusive</c> rerun of PushImages or ApplyK8s works on any machine. Sharing is best effort (a
/// warning, never a failed deploy), and so is fetching: a missing object is not fetched, and a bucket this run cannot
/// read is a warning, after which the caller goes on as without the file (the outputs from CloudFormation).
/// </summary>
public sealed class ArtifactStore(AwsCli aws, EnvironmentNames names, string? account, string region, IBuildLog log)
{
    private static readonly string[] Missing = ["NoSuchKey", "NoSuchBucket", "Not Found", "404"];

    /// <summary>The bucket, or null when no account is configured (then nothing is shared).</summary>
    public string? Bucket => account is null ? null : names.Bucket(EnvironmentNames.ArtifactsPurpose, account, region);

    public static string Key(string file) => Path.GetFileName(file);

    /// <summary>
    /// Sharing is best effort (a missing bucket, a dropped connection: a warning), but a refused permission ends the step like
    /// every other refusal, naming the action: the role is missing part of the deploy policy, and other machines would
    /// silently miss the file. Missing or expired credentials end it too (<see cref="AwsCredentialsException"/> is not caught).
    /// </summary>
    private static bool IsRefused(CommandFailedException e) => e is AwsCallException { Failure.Kind: AwsFailureKind.Permission };

    /// <summary>Where this machine notes what the bucket holds of <paramref name="file"/> (a digest, beside the file).</summary>
    public static string SharedNote(string file) => file + ".shared";

    /// <summary>
    /// Uploads <paramref name="file"/> unless the bucket already holds what it says: its digest (over the whole content,
    /// or over what <paramref name="meaning"/> keeps of it) equals the one noted when this machine last shared or fetched it.
    /// A rerun that changed nothing writes nothing. A failure is a warning naming what others will miss.
    /// </summary>
    public void Share(string file, Func<string, string>? meaning = null)
    {
        if (Bucket is not { } bucket || !File.Exists(file)) return;
        var digest = Digest(File.ReadAllText(file), meaning);
        if (File.Exists(SharedNote(file)) && File.ReadAllText(SharedNote(file)).Trim() == digest)
        {
            log.Verbose($"{Key(file)} unchanged since it was last shared in s3://{bucket}; not uploading it again.");
            return;
        }
        try
        {
            aws.Run(aws.PutObjectCommand(bucket, Key(file), file));
            Files.AtomicFile.WriteAllText(SharedNote(file), digest);
            log.Verbose($"Shared {Key(file)} in s3://{bucket}.");
        }
        catch (CommandFailedException e) when (!IsRefused(e))
        {
            log.Warning($"Could not share {Key(file)} in s3://{bucket} ({e.Message.Split('\n')[0]}); other machines will not find it there.");
        }
    }

    /// <summary>When <paramref name="file"/> is missing here, downloads it from the bucket; true when it exists afterwards.</summary>
    public bool Fetch(string file)
    {
        if (File.Exists(file)) return true;
        if (Bucket is not { } bucket) return false;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        var partial = file + ".download";
        try
        {
            using var answer = aws.RunJsonOrNull(aws.GetObjectCommand(bucket, Key(file), partial), Missing);
            if (answer is null || !File.Exists(partial)) return false;
            File.Move(partial, file, overwrite: true);
            Files.AtomicFile.WriteAllText(SharedNote(file), Digest(File.ReadAllText(file), null)); // what the bucket holds
            log.Information($"No local {file}: fetched it from s3://{bucket}/{Key(file)}.");
            return true;
        }
        catch (CommandFailedException e) when (!IsRefused(e))
        {
            log.Warning($"Could not read {Key(file)} from s3://{bucket} ({e.Message.Split('\n')[0]}); going on without it.");
            return false;
        }
        finally
        {
            if (File.Exists(partial)) File.Delete(partial);
        }
    }

    private static string Digest(string content, Func<string, string>? meaning) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(meaning?.Invoke(content) ?? content)));
}
