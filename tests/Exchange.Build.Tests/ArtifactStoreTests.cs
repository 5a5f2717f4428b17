using Exchange.Build.Aws;
using Exchange.Build.Logging;
using Exchange.Build.Processes;
using Exchange.Contracts;

namespace Exchange.Build.Tests;

/// <summary>Run artefacts shared through the artifacts bucket: fetched only when missing here, shared best effort.</summary>
public class ArtifactStoreTests
{
    private const string Account = "111122223333";
    private const string Bucket = "exchange-dev-artifacts-111122223333-ap-northeast-2";

    private static (ArtifactStore Store, RecordingRunner Runner, MemoryLog Log) Store(Func<CommandLine, ProcessResult> answer, string? account = Account)
    {
        var runner = new RecordingRunner(answer);
        var b = Contexts.Build(runner);
        var log = new MemoryLog();
        return (new ArtifactStore(b.Aws, Environments.Dev.Names, account, "ap-northeast-2", log), runner, log);
    }

    private static ProcessResult Ok(string stdout = "{}") => new(0, stdout, "", TimeSpan.Zero);

    [Fact]
    public void A_missing_file_is_fetched_from_the_bucket_by_its_name_and_a_present_one_is_not()
    {
        using var dir = new TempDir();
        var file = dir.Combine("images.json");
        var (store, runner, log) = Store(c =>
        {
            File.WriteAllText(c.Values.Last(v => v.EndsWith(".download", StringComparison.Ordinal)), """{"images":{}}""");
            return Ok();
        });

        Assert.True(store.Fetch(file));
        Assert.Equal("""{"images":{}}""", File.ReadAllText(file));
        Assert.Equal($"aws s3api get-object --bucket {Bucket} --key images.json {file}.download --region ap-northeast-2 --output json",
            Assert.Single(runner.Calls).Command.RenderSafe());
        Assert.Contains($"fetched it from s3://{Bucket}/images.json", log.Text);

        Assert.True(store.Fetch(file));
        Assert.Single(runner.Calls);
    }

    [Fact]
    public void An_object_that_is_not_there_is_not_fetched_and_without_an_account_nothing_is_asked()
    {
        using var dir = new TempDir();
        var (store, _, _) = Store(_ => new ProcessResult(254, "",
            "An error occurred (NoSuchKey) when calling the GetObject operation: The specified key does not exist.", TimeSpan.Zero));
        var (offline, runner, _) = Store(_ => Ok(), account: null);

        Assert.False(store.Fetch(dir.Combine("cdk-outputs.json")));
        Assert.False(File.Exists(dir.Combine("cdk-outputs.json")));
        var (unreadable, _, log) = Store(_ => new ProcessResult(254, "",
            "An error occurred (InvalidObjectState) when calling the GetObject operation: The operation is not valid for the object's storage class",
            TimeSpan.Zero));
        Assert.False(unreadable.Fetch(dir.Combine("images.json")));
        Assert.Contains(log.Entries, e => e.Level == "warning" && e.Message.Contains("Could not read images.json", StringComparison.Ordinal));
        // A refused permission is not "not there": it ends the step and names the action, like every refusal.
        var (refused, _, _) = Store(_ => new ProcessResult(254, "",
            "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied", TimeSpan.Zero));
        Assert.Contains("IAM action: s3:GetObject", Assert.Throws<AwsCallException>(() => refused.Fetch(dir.Combine("images.json"))).Message);
        Assert.False(offline.Fetch(dir.Combine("cdk-outputs.json")));
        offline.Share(dir.Write("cdk-outputs.json", "{}"));
        Assert.Empty(runner.Calls);
    }

    [Fact]
    public void Sharing_uploads_the_file_under_its_name_and_a_failure_is_a_warning()
    {
        using var dir = new TempDir();
        var file = dir.Write("deploy-policy.json", "{}");
        var (store, runner, _) = Store(_ => Ok());
        var (refused, _, log) = Store(_ => new ProcessResult(254, "",
            "An error occurred (NoSuchBucket) when calling the PutObject operation: The specified bucket does not exist", TimeSpan.Zero));

        store.Share(file);
        refused.Share(dir.Write("other-policy.json", "{}"));

        Assert.Equal($"aws s3api put-object --bucket {Bucket} --key deploy-policy.json --body {file} --region ap-northeast-2 --output json",
            Assert.Single(runner.Calls).Command.RenderSafe());
        Assert.Contains(log.Entries, e => e.Level == "warning" && e.Message.Contains("Could not share other-policy.json", StringComparison.Ordinal));
    }

    [Fact]
    public void A_file_is_uploaded_again_only_when_what_it_says_changed_since_it_was_last_shared()
    {
        using var dir = new TempDir();
        var file = dir.Write("cdk-outputs.json", """{"A":{"x":"1"},"B":{"y":"2"}}""");
        var (store, runner, _) = Store(_ => Ok());
        var (refused, _, _) = Store(_ => new ProcessResult(254, "", "An error occurred (NoSuchBucket) when calling the PutObject operation", TimeSpan.Zero));

        store.Share(file, Aws.DeploymentOutputs.Canonical);
        store.Share(file, Aws.DeploymentOutputs.Canonical); // a no-op rerun
        File.WriteAllText(file, """{"B":{"y":"2"},"A":{"x":"1"}}""");
        store.Share(file, Aws.DeploymentOutputs.Canonical); // cdk wrote the stacks in another order: the same outputs
        Assert.Single(runner.Calls);

        File.WriteAllText(file, """{"A":{"x":"1"},"B":{"y":"3"}}""");
        store.Share(file, Aws.DeploymentOutputs.Canonical);
        Assert.Equal(2, runner.Calls.Count);

        File.WriteAllText(file, """{"A":{"x":"1"},"B":{"y":"4"}}""");
        refused.Share(file, Aws.DeploymentOutputs.Canonical); // not uploaded: the next run tries again
        store.Share(file, Aws.DeploymentOutputs.Canonical);
        Assert.Equal(3, runner.Calls.Count);
    }
}
