using System.Reflection;
using System.Text.Json;
using Exchange.Build.Aws;
using Exchange.Build.Logging;
using Exchange.Build.Operations;
using Exchange.Build.Pipeline;
using Exchange.Build.Processes;
using Exchange.Build.Tools;

namespace Exchange.Build.Tests;

/// <summary>Time that passes only when someone sleeps: waits and retries run instantly and deterministically.</summary>
public sealed class FakeClock : IClock
{
    public DateTimeOffset UtcNow { get; private set; } = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
    public List<TimeSpan> Sleeps { get; } = [];
    public TimeSpan Slept => Sleeps.Aggregate(TimeSpan.Zero, (a, b) => a + b);

    public void Sleep(TimeSpan duration, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        Sleeps.Add(duration);
        UtcNow += duration;
    }
}

/// <summary>Answers the account check (sts get-caller-identity) itself; everything else goes to the test's runner.</summary>
public sealed class IdentityFirst(IProcessRunner inner) : IProcessRunner
{
    public ProcessResult Run(CommandLine command, ProcessOptions? options = null) => command.Values.Contains("get-caller-identity")
        ? new ProcessResult(0, """{"Account":"111122223333","Arn":"arn:aws:sts::111122223333:assumed-role/Deploy/ci","UserId":"AROA:ci"}""", "", TimeSpan.Zero)
        : inner.Run(command, options);

    public IRunningProcess Start(CommandLine command, ProcessOptions? options = null) => inner.Start(command, options);
}

/// <summary>The aws CLI's real error texts (Fixtures/aws-cli-errors), classified once; retries, waits and their messages.</summary>
public class FaultTests
{
    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "aws-cli-errors", name + ".txt"));
    private static ProcessResult Failed(string fixture) => new(255, "", Fixture(fixture), TimeSpan.Zero);
    private static ProcessResult Ok(object json) => new(0, JsonSerializer.Serialize(json), "", TimeSpan.Zero);

    private static (BuildContext Build, FakeClock Clock, MemoryLog Log) Context(IProcessRunner runner, string waitTimeout = "20m", string? artifacts = null)
    {
        var clock = new FakeClock();
        var log = new MemoryLog();
        var env = new Dictionary<string,
            string> { ["AWS_PATH"] = "/bin/sh", ["CDK_PATH"] = "/bin/sh", ["DOCKER_PATH"] = "/bin/sh", ["KUBECTL_PATH"] = "/bin/sh" };
        var arguments = new Dictionary<string, string> { ["account"] = "111122223333", ["wait-timeout"] = waitTimeout, ["confirm"] = "true" };
        if (artifacts is not null) arguments["artifacts"] = artifacts;
        var b = new BuildContext(Contexts.Settings(arguments, env), log, n => env.GetValueOrDefault(n), [Pipeline.TaskNames.DestroyDev],
            new IdentityFirst(runner), clock);
        b.BeginTask(Pipeline.TaskNames.DestroyDev); // checks the account once (answered below, not recorded)
        return (b, clock, log);
    }

    [Theory]
    [InlineData("tag-access-denied", AwsFailureKind.Permission, "AccessDeniedException", "tag:GetResources")]
    [InlineData("cloudformation-access-denied", AwsFailureKind.Permission, "AccessDenied", "cloudformation:DescribeStacks")]
    [InlineData("ec2-unauthorized", AwsFailureKind.Permission, "UnauthorizedOperation", "ec2:DescribeInstances")]
    [InlineData("ecr-token-access-denied", AwsFailureKind.Permission, "AccessDeniedException", "ecr:GetAuthorizationToken")]
    [InlineData("eks-describe-cluster-denied-no-action", AwsFailureKind.Permission, "AccessDeniedException", null)]
    [InlineData("cloudformation-throttling", AwsFailureKind.Transient, "Throttling", null)]
    [InlineData("cloudformation-throttling-after-retries", AwsFailureKind.Transient, "Throttling", null)]
    [InlineData("ec2-request-limit", AwsFailureKind.Transient, "RequestLimitExceeded", null)]
    [InlineData("eks-too-many-requests", AwsFailureKind.Transient, "TooManyRequestsException", null)]
    [InlineData("rds-internal-error", AwsFailureKind.Transient, "InternalError", null)]
    [InlineData("cloudformation-service-unavailable", AwsFailureKind.Transient, "ServiceUnavailable", null)]
    [InlineData("connection-closed", AwsFailureKind.Transient, null, null)]
    [InlineData("connection-refused", AwsFailureKind.Transient, null, null)]
    [InlineData("eks-resource-in-use", AwsFailureKind.Conflict, "ResourceInUseException", null)]
    [InlineData("rds-invalid-state", AwsFailureKind.Conflict, "InvalidDBInstanceState", null)]
    [InlineData("cloudformation-validation-error", AwsFailureKind.Invalid, "ValidationError", null)]
    [InlineData("ecr-invalid-parameter", AwsFailureKind.Invalid, "InvalidParameterException", null)]
    [InlineData("parameter-validation", AwsFailureKind.Invalid, null, null)]
    [InlineData("rds-not-found", AwsFailureKind.NotFound, "DBInstanceNotFound", null)]
    [InlineData("sts-expired-token", AwsFailureKind.Credentials, "ExpiredToken", null)]
    [InlineData("ecr-expired-token", AwsFailureKind.Credentials, "ExpiredTokenException", null)]
    [InlineData("sts-invalid-client-token", AwsFailureKind.Credentials, "InvalidClientTokenId", null)]
    [InlineData("no-credentials", AwsFailureKind.Credentials, null, null)]
    public void Real_aws_cli_errors_are_classified_by_their_code(string fixture, AwsFailureKind kind, string? code, string? refusedAction)
    {
        var failure = AwsFailure.Classify(255, Fixture(fixture));

        Assert.Equal(kind, failure.Kind);
        Assert.Equal(code, failure.Code);
        Assert.Equal(refusedAction, failure.RefusedAction);
        Assert.False(string.IsNullOrWhiteSpace(failure.Message));
    }

    /// <summary>
    /// The aws CLI v2 (GitHub's runners) prints the same error lines as v1 but exits 254 for a service error, 253 for credentials and
    /// configuration, 252 for a usage error and 255 otherwise (a connection that failed). These texts follow v2's documented shapes
    /// (hand-written: no aws CLI v2 that honours AWS_ENDPOINT_URL runs on this machine).
    /// </summary>
    [Theory]
    [InlineData(254, "\nAn error occurred (AccessDeniedException) when calling the DescribeCluster operation: User: arn:aws:sts::111122223333:" +
                     "assumed-role/Deploy/ci is not authorized to perform: eks:DescribeCluster on resource: arn:aws:eks:ap-northeast-2:111122223333:" +
                     "cluster/exchange-dev\n", AwsFailureKind.Permission)]
    [InlineData(254, "\nAn error occurred (ThrottlingException) when calling the DescribeAddon operation (reached max retries: 2): Rate exceeded\n",
        AwsFailureKind.Transient)]
    [InlineData(254, "\nAn error occurred (ResourceInUseException) when calling the UpdateAddon operation: Addon vpc-cni is currently being updated\n",
        AwsFailureKind.Conflict)]
    [InlineData(253, "\nUnable to locate credentials. You can configure credentials by running \"aws configure\".\n", AwsFailureKind.Credentials)]
    [InlineData(253, "\nThe config profile (dev) could not be found\n", AwsFailureKind.Credentials)]
    [InlineData(255, "\nError when retrieving token from sso: Token has expired and refresh failed\n", AwsFailureKind.Credentials)]
    [InlineData(252, "\nusage: aws [options] <command> <subcommand> [<subcommand> ...] [parameters]\nTo see help text, you can run:\n\n  aws help\n\n" +
                     "aws: error: the following arguments are required: --name\n", AwsFailureKind.Invalid)]
    [InlineData(252, "\nParameter validation failed:\nInvalid type for parameter maxResults, value: x, type: <class 'str'>\n", AwsFailureKind.Invalid)]
    [InlineData(255, "\nCould not connect to the endpoint URL: \"https://eks.ap-northeast-2.amazonaws.com/clusters/exchange-dev\"\n",
        AwsFailureKind.Transient)]
    public void The_aws_CLI_v2s_errors_and_exit_codes_are_classified_as_v1s(int exitCode, string stderr, AwsFailureKind kind)
    {
        Assert.Equal(kind, AwsFailure.Classify(exitCode, stderr).Kind);
    }

    [Theory]
    [InlineData("tag-access-denied")]
    [InlineData("eks-resource-in-use")]
    [InlineData("cloudformation-throttling")]
    [InlineData("rds-not-found")]
    public void The_same_error_text_is_classified_the_same_whichever_exit_code_the_CLI_version_uses(string fixture)
    {
        var v1 = AwsFailure.Classify(255, Fixture(fixture));

        foreach (var exit in new[] { 254, 252, 253, 1 })
            Assert.Equal(v1, AwsFailure.Classify(exit, Fixture(fixture)));
    }

    [Fact]
    public void Every_aws_call_runs_with_the_aws_CLI_v2s_pager_off()
    {
        var runner = new RecordingRunner(_ => Ok(new { Stacks = new[] { new { StackName = "Exchange-dev-Eks" } } }));
        var (b, _, _) = Context(runner);

        b.Aws.DescribeStack("Exchange-dev-Eks");
        b.Aws.Run(b.Aws.DescribeClusterCommand("exchange-dev"), new ProcessOptions { Environment = new Dictionary<string, string?> { ["X"] = "1" } });

        Assert.All(runner.Calls, c => Assert.Equal("", c.Options.Environment!["AWS_PAGER"]));
        Assert.Equal("1", runner.Calls[^1].Options.Environment!["X"]);
    }

    [Fact]
    public void A_refused_permission_ends_a_wait_at_once_and_names_the_action_and_the_policy_target()
    {
        var runner = new RecordingRunner(_ => Failed("tag-access-denied"));
        var (b, clock, _) = Context(runner);

        var error = Assert.Throws<AwsCallException>(() => b.Waits.For("the load balancers to go", () => b.Aws.TaggedLoadBalancers(b.Names.ClusterName),
            l => l.Count == 0, l => $"{l.Count} left", b.Settings.WaitTimeout, "aws resourcegroupstaggingapi get-resources"));

        Assert.Single(runner.Calls);
        Assert.Equal(TimeSpan.Zero, clock.Slept);
        Assert.Equal("tag:GetResources", error.Action);
        Assert.Contains("IAM action: tag:GetResources", error.Message);
        Assert.Contains("is not authorized to perform: tag:GetResources", error.Message);
        Assert.Contains("--target=Permissions", error.Message);
        Assert.Contains("./build.sh --target=DestroyDev --exclusive", error.Message);
    }

    [Theory]
    [InlineData("eks-describe-cluster-denied-no-action", "eks:DescribeCluster")]
    [InlineData("ecr-token-access-denied", "ecr:GetAuthorizationToken")]
    public void A_refusal_that_does_not_name_the_action_is_reported_with_the_commands_declared_action(string fixture, string action)
    {
        var runner = new RecordingRunner(_ => Failed(fixture));
        var (b, _, _) = Context(runner);

        var error = Assert.Throws<AwsCallException>(() => fixture.StartsWith("eks", StringComparison.Ordinal)
            ? b.Aws.UpdateKubeconfig("exchange-dev") : b.Aws.GetEcrLoginPassword().Reveal());

        Assert.Equal(action, error.Action);
        Assert.Contains($"IAM action: {action}", error.Message);
    }

    [Fact]
    public void Throttling_is_retried_with_growing_jittered_backoff_and_the_call_succeeds()
    {
        var answers = new Queue<ProcessResult>([Failed("cloudformation-throttling"), Failed("ec2-request-limit"), Failed("connection-closed"),
            Ok(new { Stacks = new[] { new { StackName = "Exchange-dev-Vpc", StackStatus = "CREATE_COMPLETE" } } })]);
        var runner = new RecordingRunner(_ => answers.Dequeue());
        var (b, clock, log) = Context(runner);

        var stack = b.Aws.DescribeStack("Exchange-dev-Vpc");

        Assert.Equal("CREATE_COMPLETE", stack!.Value.GetProperty("StackStatus").GetString());
        Assert.Equal(4, runner.Calls.Count);
        Assert.Equal(3, clock.Sleeps.Count);
        for (var i = 0; i < 3; i++)
        {
            var ceiling = TimeSpan.FromSeconds(Math.Pow(2, i));
            Assert.InRange(clock.Sleeps[i], ceiling / 2, ceiling);
        }
        Assert.Contains(log.Entries, e => e.Level == "warning" && e.Message.Contains("Throttling: Rate exceeded - retrying in", StringComparison.Ordinal));
    }

    [Fact]
    public void Throttling_that_never_stops_fails_after_the_last_attempt_and_says_so()
    {
        var runner = new RecordingRunner(_ => Failed("cloudformation-throttling"));
        var (b, clock, _) = Context(runner);

        var error = Assert.Throws<AwsCallException>(() => b.Aws.DescribeStack("Exchange-dev-Vpc"));

        Assert.Equal(AwsCli.MaxAttempts, runner.Calls.Count);
        Assert.All(clock.Sleeps, s => Assert.True(s <= TimeSpan.FromSeconds(20)));
        Assert.Contains($"kept failing after {AwsCli.MaxAttempts} attempts (Throttling)", error.Message);
    }

    [Fact]
    public void Backoff_is_capped()
    {
        var backoff = Backoff.ForRetries(new Random(7));

        Assert.All(Enumerable.Range(1, 20).Select(backoff.Delay), d => Assert.InRange(d, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(20)));
        Assert.InRange(backoff.Delay(12), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void A_wait_whose_state_never_arrives_reports_progress_every_30_seconds_and_fails_at_the_deadline_with_the_last_state()
    {
        var runner = new RecordingRunner(_ => Ok(new { nodegroup = new { scalingConfig = new { minSize = 0, maxSize = 4, desiredSize = 2 } } }));
        var (b, clock, log) = Context(runner, waitTimeout: "3m");
        var start = clock.UtcNow;

        var result = b.Waits.For("node group exchange-dev-spot-nodes to scale to 0", ()
            => b.Aws.DescribeNodegroupScaling(b.Names.ClusterName, b.Names.NodegroupName),
            s => s?.DesiredSize == 0, s => s?.ToString() ?? "gone", b.Settings.WaitTimeout,
            b.Aws.DescribeNodegroupCommand(b.Names.ClusterName, b.Names.NodegroupName).RenderSafe());

        Assert.False(result.Done);
        Assert.Equal(TimeSpan.FromMinutes(3), clock.UtcNow - start);
        var progress = log.Entries.Where(e => e.Message.StartsWith("waiting for node group", StringComparison.Ordinal)).Select(e => e.Message).ToArray();
        Assert.Equal("waiting for node group exchange-dev-spot-nodes to scale to 0: desired 2 (min 0, max 4) (0s of 3m)", progress[0]);
        Assert.Contains("waiting for node group exchange-dev-spot-nodes to scale to 0: desired 2 (min 0, max 4) (30s of 3m)", progress);
        foreach (var mark in new[] { "1m", "1m30s", "2m", "2m30s" }) Assert.Contains(progress, p => p.EndsWith($"({mark} of 3m)", StringComparison.Ordinal));
        Assert.EndsWith("(3m of 3m)", progress.Last());
        Assert.Contains("Gave up waiting for node group exchange-dev-spot-nodes to scale to 0 after 3m", result.Failure);
        Assert.Contains("the last state seen was desired 2 (min 0, max 4)", result.Failure);
        Assert.Contains("Check by hand: aws eks describe-nodegroup --cluster-name exchange-dev --nodegroup-name exchange-dev-spot-nodes", result.Failure);
    }

    [Fact]
    public void A_wait_polls_through_throttling_and_a_busy_resource_and_ends_when_the_state_arrives()
    {
        var answers = new Queue<ProcessResult>(
            Enumerable.Repeat(Failed("eks-too-many-requests"), AwsCli.MaxAttempts)
                .Concat([Failed("eks-resource-in-use"), Ok(new { nodegroup = new { scalingConfig = new { minSize = 0, maxSize = 4, desiredSize = 0 } } })]));
        var runner = new RecordingRunner(_ => answers.Dequeue());
        var (b, _, log) = Context(runner);

        var result = b.Waits.For("node group to scale to 0", () => b.Aws.DescribeNodegroupScaling("exchange-dev", "exchange-dev-spot-nodes"),
            s => s?.DesiredSize == 0, s => s?.ToString() ?? "gone", TimeSpan.FromMinutes(20), "aws eks describe-nodegroup");

        Assert.True(result.Done);
        Assert.Empty(answers);
        Assert.Contains(log.Entries, e => e.Message.Contains("AWS answered TooManyRequestsException", StringComparison.Ordinal));
        Assert.Contains(log.Entries, e => e.Message.Contains("AWS answered ResourceInUseException", StringComparison.Ordinal));
    }

    [Fact]
    public void Pause_fails_at_the_deadline_naming_what_did_not_take_and_its_last_state()
    {
        var runner = new RecordingRunner(c => c.Values.ToArray() switch
        {
            [_, "describe-stacks", _, var stack, ..] => Ok(new { Stacks = new[] { new { StackName = stack, StackStatus = "CREATE_COMPLETE",
                // The node group's name is generated: Pause reads it from the Eks stack's output.
                Outputs = stack.EndsWith("-Eks", StringComparison.Ordinal)
                    ? new[] { new { OutputKey = "NodegroupName", OutputValue = "exchange-dev-spot-nodes" } } : [] } } }),
            [_, "describe-nodegroup", ..] => Ok(new { nodegroup = new { scalingConfig = new { minSize = 1, maxSize = 4, desiredSize = 2 } } }),
            [_, "describe-db-instances", ..] => Failed("rds-not-found"),
            _ => Ok(new { }),
        });
        using var dir = new TempDir();
        var (b, clock, _) = Context(runner, waitTimeout: "5m", artifacts: dir.Path);

        var error = Assert.Throws<InvalidOperationException>(() => Pipeline.Tasks.PauseResume.Pause(b));

        Assert.Contains("node group exchange-dev-spot-nodes still wants desired 2 (min 1, max 4)", error.Message);
        Assert.True(clock.Slept >= TimeSpan.FromMinutes(5));
    }

    [Fact]
    public void A_refused_describe_stacks_is_not_mistaken_for_a_stack_that_does_not_exist()
    {
        var (b, _, _) = Context(new RecordingRunner(_ => Failed("cloudformation-access-denied")));

        var error = Assert.Throws<AwsCallException>(() => b.Aws.DescribeStack("Exchange-dev-Vpc"));

        Assert.Equal("cloudformation:DescribeStacks", error.Action);
    }

    [Fact]
    public void A_stack_that_does_not_exist_is_reported_as_missing_not_as_an_error()
    {
        var (b, _, _) = Context(new RecordingRunner(_ => Failed("cloudformation-validation-error")));

        Assert.Null(b.Aws.DescribeStack("Exchange-dev-Vpc"));
    }

    [Fact]
    public void An_interrupted_run_stops_the_running_child_at_once_and_starts_no_other()
    {
        using var interruption = new CancellationTokenSource();
        var runner = new ProcessRunner(new Redactor(), new MemoryLog(), interruption.Token);
        var sleep = new CommandLine("sleep", "/bin/sleep").Add("30");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        interruption.CancelAfter(TimeSpan.FromMilliseconds(300));

        Assert.Throws<RunInterruptedException>(() => runner.Run(sleep));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Throws<RunInterruptedException>(() => runner.Run(new CommandLine("true", "/bin/true")));
    }

    [Theory]
    [InlineData(System.Runtime.InteropServices.PosixSignal.SIGINT, 130)]
    [InlineData(System.Runtime.InteropServices.PosixSignal.SIGTERM, 143)]
    public void An_interrupted_run_ends_with_the_shells_exit_code_for_the_signal(System.Runtime.InteropServices.PosixSignal signal, int expected)
    {
        var b = Contexts.Build(new RecordingRunner());
        b.BeginTask(TaskNames.Plan);
        b.Interrupt(signal);

        Assert.Equal(expected, b.ExitCode(failed: true));
        Assert.Equal(expected, b.ExitCode(failed: false)); // the step ended before the signal reached a child
        Assert.StartsWith($"Interrupted ({signal}) during Plan", b.InterruptionSummary(TaskNames.Plan).First());
        Assert.True(b.Interruption.IsCancellationRequested);
    }

    [Fact]
    public void A_run_that_was_not_interrupted_ends_as_its_target_did()
    {
        var b = Contexts.Build(new RecordingRunner());

        Assert.Equal(0, b.ExitCode(failed: false));
        Assert.Equal(1, b.ExitCode(failed: true));
        Assert.Null(b.InterruptionExitCode);
        Assert.Empty(b.InterruptionSummary(TaskNames.Plan));
    }

    [Fact]
    public void The_first_of_two_signals_sets_the_exit_code()
    {
        var b = Contexts.Build(new RecordingRunner());
        b.Interrupt(System.Runtime.InteropServices.PosixSignal.SIGTERM);
        b.Interrupt(System.Runtime.InteropServices.PosixSignal.SIGINT);

        Assert.Equal(143, b.InterruptionExitCode);
        Assert.Equal("SIGTERM", b.InterruptedBy);
    }

    [Fact]
    public void A_known_secret_inside_AWS_error_text_is_masked_in_the_message()
    {
        var (b, _, _) = Context(new RecordingRunner(_ => new ProcessResult(255, "",
            "\nAn error occurred (ValidationError) when calling the DescribeStacks operation: bad value hunter2-secret-value\n", TimeSpan.Zero)));
        b.Redactor.Add("hunter2-secret-value");

        var error = Assert.Throws<AwsCallException>(() => b.Aws.RunJson(b.Aws.DescribeStackCommand("Exchange-dev-Vpc")));

        Assert.DoesNotContain("hunter2-secret-value", error.Message);
        Assert.DoesNotContain("hunter2-secret-value", error.Failure.Message);
    }
}
