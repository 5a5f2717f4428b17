using Exchange.Build.Processes;

namespace Exchange.Build.Tests;

/// <summary>A run asks AWS each settled thing once: the same stack, image or secret is not described again until something changed.</summary>
public sealed class AwsReadsTests
{
    private static ProcessResult Ok(string json) => new(0, json, "", TimeSpan.Zero);

    private static string Stack(string status) => $$"""{"Stacks":[{"StackName":"Exchange-dev-Eks","StackStatus":"{{status}}"}]}""";

    private static int Asked(RecordingRunner runner, string operation) =>
        runner.Calls.Count(c => string.Join(' ', c.Command.Values).StartsWith(operation, StringComparison.Ordinal));

    [Fact]
    public void A_settled_stack_is_described_once_and_asked_again_after_a_call_that_changes_something()
    {
        var runner = new RecordingRunner(c => Ok(c.Values.Contains("describe-stacks") ? Stack("UPDATE_COMPLETE") : "{}"));
        var b = Contexts.Build(runner);

        Assert.NotNull(b.Aws.DescribeStack("Exchange-dev-Eks"));
        Assert.NotNull(b.Aws.DescribeStack("Exchange-dev-Eks"));
        Assert.NotNull(b.Aws.DescribeStack("Exchange-dev-Rds")); // another stack is another question
        Assert.Equal(2, Asked(runner, "cloudformation describe-stacks"));
        Assert.Equal(1, b.Aws.ReusedReads);

        b.Aws.Run(b.Aws.StopDbInstanceCommand("exchange-dev-mysql"));
        b.Aws.DescribeStack("Exchange-dev-Eks");
        Assert.Equal(3, Asked(runner, "cloudformation describe-stacks"));

        b.Cdk.Run(b.Cdk.DiffCommand("cdk.out"), Contexts.RepoRoot); // cdk may change anything
        b.Aws.DescribeStack("Exchange-dev-Eks");
        Assert.Equal(4, Asked(runner, "cloudformation describe-stacks"));
    }

    [Fact]
    public void A_stack_still_in_progress_is_asked_again_so_a_wait_sees_it_move()
    {
        var answers = new Queue<string>(["UPDATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"]);
        var runner = new RecordingRunner(_ => Ok(Stack(answers.Dequeue())));
        var b = Contexts.Build(runner);

        var seen = Enumerable.Range(0, 4).Select(_ => b.Aws.DescribeStack("Exchange-dev-Eks")!.Value.GetProperty("StackStatus").GetString()!).ToArray();

        Assert.Equal(["UPDATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_COMPLETE", "UPDATE_COMPLETE"], seen);
        Assert.Equal(3, Asked(runner, "cloudformation describe-stacks"));
    }

    [Fact]
    public void An_image_that_exists_is_asked_about_once_and_a_missing_one_every_time()
    {
        var runner = new RecordingRunner(c => c.Values.Contains("imageTag=there")
            ? Ok("""{"imageDetails":[{"imageDigest":"sha256:abc"}]}""")
            : new ProcessResult(254, "", "An error occurred (ImageNotFoundException) when calling the DescribeImages operation", TimeSpan.Zero));
        var b = Contexts.Build(runner);

        Assert.True(b.Aws.ImageTagExists("exchange/future-backend", "there"));
        Assert.Equal("sha256:abc", b.Aws.ImageDigest("exchange/future-backend", "there"));
        Assert.False(b.Aws.ImageTagExists("exchange/future-backend", "missing"));
        Assert.False(b.Aws.ImageTagExists("exchange/future-backend", "missing")); // a push in between would add it
        Assert.Equal(3, Asked(runner, "ecr describe-images"));
    }

    [Fact]
    public void Update_kubeconfig_changes_nothing_in_AWS_and_keeps_what_the_run_knows()
    {
        var runner = new RecordingRunner(c => Ok(c.Values.Contains("describe-stacks") ? Stack("CREATE_COMPLETE") : "Updated context x"));
        var b = Contexts.Build(runner);

        b.Aws.DescribeStack("Exchange-dev-Eks");
        b.Aws.UpdateKubeconfig("exchange-dev");
        b.Aws.DescribeStack("Exchange-dev-Eks");

        Assert.Equal(1, Asked(runner, "cloudformation describe-stacks"));
    }
}
