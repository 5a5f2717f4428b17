using Exchange.Build.Aws;
using Exchange.Build.Logging;
using Exchange.Build.Pipeline;
using Exchange.Build.Pipeline.Tasks;
using Exchange.Build.Processes;
using Exchange.Contracts;

namespace Exchange.Build.Tests;

public class PipelinePartsTests
{
    [Theory]
    [InlineData("arn:aws:sts::111122223333:assumed-role/Developer/jane", "Developer", false)]
    [InlineData("arn:aws:sts::111122223333:federated-user/jane", null, false)]
    [InlineData("arn:aws:iam::111122223333:user/ops/ci", null, true)]
    [InlineData("arn:aws:iam::111122223333:root", null, false)]
    public void An_assumed_role_session_names_its_role_and_only_iam_users_and_roles_are_principals(string arn, string? role, bool principal)
    {
        var identity = new CallerIdentity("111122223333", arn, "AID");

        Assert.Equal(role, identity.AssumedRoleName);
        Assert.Equal(principal, identity.IsIamPrincipal);
    }

    [Fact]
    public void Outputs_are_read_by_their_contract_and_a_missing_one_says_what_to_run()
    {
        var outputs = DeploymentOutputs.Parse(Environments.Dev.Names,
            """{"Exchange-dev-Rds": {"RdsEndpoint": "db.example"}}""", "cdk-outputs.json");

        Assert.Equal("db.example", outputs[Outputs.RdsEndpoint]);
        var error = Assert.Throws<MissingOutputException>(() => outputs[Outputs.KafkaPrivateIp]);
        Assert.Contains("'KafkaPrivateIp' of stack 'Exchange-dev-Kafka' is missing from cdk-outputs.json", error.Message);
        Assert.Contains("--target=DeployInfra", error.Message);
    }

    [Fact]
    public void The_registry_is_the_host_part_of_a_repository_uri()
    {
        Assert.Equal("111122223333.dkr.ecr.ap-northeast-2.amazonaws.com",
            DeploymentOutputs.RegistryOf("111122223333.dkr.ecr.ap-northeast-2.amazonaws.com/exchange/future-backend"));
        Assert.Equal("127.0.0.1:5000", DeploymentOutputs.RegistryOf("127.0.0.1:5000/exchange/future-backend"));
    }

    [Fact]
    public void The_summary_says_no_changes_only_when_nothing_changed()
    {
        var report = new StepReport();
        report.Add("DeployInfra", StepOutcome.Unchanged, $"{StackKinds.DeployOrder.Count} stacks, no changes");
        report.Add("Verify", StepOutcome.Checked, "4 workloads rolled out");
        Assert.Contains("No changes: everything was already up to date.", report.Summary());

        report.Add("PushImages", StepOutcome.Changed, "pushed x");
        Assert.Contains("Changed: PushImages.", report.Summary());
        Assert.DoesNotContain("No changes: everything was already up to date.", report.Summary());
    }

    [Fact]
    public void An_offline_run_checks_and_never_claims_no_changes_and_its_summary_fits_120_columns()
    {
        var report = new StepReport();
        report.Add(TaskNames.Synth, StepOutcome.Unchanged, "cloud assembly up to date");
        report.Add(TaskNames.Cost, StepOutcome.Checked, string.Join(' ', Enumerable.Repeat("a long detail", 15)));

        var summary = report.Summary().ToArray();

        Assert.DoesNotContain(summary, l => l.StartsWith("No changes", StringComparison.Ordinal) || l.StartsWith("Changed:", StringComparison.Ordinal));
        Assert.Contains(summary, l => l.StartsWith("  Cost   checked", StringComparison.Ordinal));
        Assert.All(summary, l => Assert.True(l.Length <= 120, $"{l.Length}: {l}"));
    }

    [Fact]
    public void A_task_reported_twice_keeps_its_strongest_outcome()
    {
        var report = new StepReport();
        report.Add("Synth", StepOutcome.Changed, $"synthesized {StackKinds.DeployOrder.Count} stacks");
        report.Add("Synth", StepOutcome.Unchanged, "cloud assembly up to date");

        Assert.Equal(StepOutcome.Changed, Assert.Single(report.Results).Outcome);
    }

    [Fact]
    public void The_synth_fingerprint_follows_the_sources_and_the_context()
    {
        using var dir = new TempDir();
        dir.Write("infra/Program.cs", "v1");
        dir.Write("infra/bin/ignored.dll", "x");
        var context = new Dictionary<string, string> { ["env"] = "dev" };
        var first = Synth.Fingerprint(dir.Path, context);

        dir.Write("infra/bin/ignored.dll", "build output does not count");
        Assert.Equal(first, Synth.Fingerprint(dir.Path, context));
        Assert.NotEqual(first, Synth.Fingerprint(dir.Path, new Dictionary<string, string> { ["env"] = "dev", ["account"] = "1" }));
        dir.Write("infra/Program.cs", "v2");
        Assert.NotEqual(first, Synth.Fingerprint(dir.Path, context));
    }

    [Theory]
    [InlineData("v18.19.0", ToolStatus.Missing, "too old for the CDK CLI")]
    [InlineData("v20.20.2", ToolStatus.Warning, "CDK support for Node 20 ended on 2026-10-30")]
    [InlineData("v22.11.0", ToolStatus.Ok, "/usr/bin/node")]
    public void Node_below_20_is_missing_and_20_is_warned_about(string version, ToolStatus status, string detail)
    {
        var check = Doctor.Assess(Tools.ToolKind.Node, true, version, "/usr/bin/node", "2.1148.1", "1.35");

        Assert.Equal(status, check.Status);
        Assert.Contains(detail, check.Detail);
    }

    [Fact]
    public void The_account_guard_refuses_credentials_for_another_account()
    {
        var runner = new RecordingRunner(_ => new ProcessResult(0,
            """{"UserId":"AID","Account":"999988887777","Arn":"arn:aws:iam::999988887777:user/someone"}""", "", TimeSpan.Zero));
        var b = Contexts.Build(runner, new() { ["account"] = "111122223333" });

        var error = Assert.Throws<WrongAccountException>(() => b.BeginTask(TaskNames.Secrets));

        Assert.Contains("credentials are for account 999988887777", error.Message);
        Assert.Contains("configured for account 111122223333", error.Message);
    }

    [Fact]
    public void Missing_credentials_become_an_error_that_says_how_to_log_in()
    {
        // The aws CLI v1.45 exits 255 here (v2: 253); the text decides.
        var runner = new RecordingRunner(_ => new ProcessResult(255, "",
            "Unable to locate credentials. You can configure credentials by running \"aws configure\".\n", TimeSpan.Zero));
        var b = Contexts.Build(runner, new() { ["account"] = "111122223333" });

        var error = Assert.Throws<AwsCredentialsException>(() => b.EnsureAccount());

        Assert.Contains("aws sso login", error.Message);
    }

    [Theory]
    [InlineData(Tools.ToolKind.Aws, "aws-cli/1.45.11 Python/3.11.7", "AWS CLI v1")]
    [InlineData(Tools.ToolKind.Aws, "aws-cli/2.22.35 Python/3.12.9", null)]
    [InlineData(Tools.ToolKind.Cdk, "2.1100.0 (build abc)", "not the pinned 2.1148.1")]
    [InlineData(Tools.ToolKind.Cdk, "2.1148.1 (build 0a1b2c3)", null)]
    [InlineData(Tools.ToolKind.Kubectl, "Client Version: v1.33.2", "older than 1.34: the cluster runs 1.35")]
    [InlineData(Tools.ToolKind.Kubectl, "Client Version: v1.32.4-dispatcher\nKustomize Version: v5.5.0", "older than 1.34")]
    [InlineData(Tools.ToolKind.Kubectl, "Client Version: v1.34.0", null)]
    [InlineData(Tools.ToolKind.Kubectl, "Client Version: v1.36.1", null)]
    public void Doctor_warns_about_versions_the_project_is_not_tested_with(Tools.ToolKind tool, string version, string? warning)
    {
        var check = Doctor.Assess(tool, true, version, "/usr/bin/x", "2.1148.1", "1.35");

        Assert.Equal(warning is null ? ToolStatus.Ok : ToolStatus.Warning, check.Status);
        if (warning is not null) Assert.Contains(warning, check.Detail);
    }

    [Fact]
    public void A_docker_client_without_an_engine_is_no_engine_not_missing_and_says_how_to_start_one()
    {
        var check = Doctor.Assess(Tools.ToolKind.Docker, false,
            "28.2.2 (engine \nCannot connect to the Docker daemon at unix:///nowhere. Is the docker daemon running?", "/usr/bin/docker", null, "1.35");
        var noClient = Doctor.Assess(Tools.ToolKind.Docker, false, "exec format error", "/usr/bin/docker", null, "1.35");

        Assert.Equal(ToolStatus.NoEngine, check.Status);
        Assert.Equal("no engine", check.Shown);
        Assert.Equal("28.2.2", check.Version);
        Assert.Contains("client installed (/usr/bin/docker), but no Docker engine answers", check.Detail);
        Assert.Contains("DOCKER_HOST", check.Detail);
        Assert.Equal(ToolStatus.Missing, noClient.Status); // a client that does not even print its version is missing
        Assert.True(check.Blocks && noClient.Blocks);
    }

    [Fact]
    public void The_Doctor_table_keeps_every_line_within_120_columns()
    {
        var checks = Doctor.Tools.Select(t => new ToolCheck(t, ToolStatus.Warning, "v1.32.4-dispatcher",
            string.Join(' ', Enumerable.Repeat("a long reason", 20)))).ToArray();

        var lines = Doctor.Table(checks).ToArray();

        Assert.All(lines, l => Assert.True(l.Length <= 120, $"{l.Length}: {l}"));
        Assert.Equal(Doctor.Tools.Count, lines.Count(l => l.StartsWith("  ", StringComparison.Ordinal) && l.Contains("warning", StringComparison.Ordinal)));
    }

    [Fact]
    public void Every_node_project_under_tests_is_pinned_by_a_lock_file_and_installed_by_CI_and_the_Test_target()
    {
        var b = Contexts.Build(new RecordingRunner());
        var ci = File.ReadAllText(Path.Combine(Contexts.RepoRoot, ".ci", "run"));
        var underTests = Directory.GetDirectories(Path.Combine(Contexts.RepoRoot, "tests"))
            .Where(d => File.Exists(Path.Combine(d, "package.json"))).Select(Path.GetFullPath).Order().ToArray();

        var installed = Offline.TestNodeProjects(b).Select(p => Path.GetFullPath(p.Dir)).ToArray();

        Assert.Contains(Path.Combine(Contexts.RepoRoot, "tests", "cdk-nag-check"), underTests);
        Assert.All(underTests, d => Assert.Contains(d, installed));
        Assert.All(installed, d =>
        {
            Assert.True(File.Exists(Path.Combine(d, "package-lock.json")), $"{d} has no package-lock.json: `npm ci` needs one");
            Assert.Contains($"npm ci --prefix {Path.GetRelativePath(Contexts.RepoRoot, d).Replace('\\', '/')} ", ci);
        });
    }
}

/// <summary>Two synths in one checkout: the second waits for the first, says so, and gives up with a clear message.</summary>
public sealed class CheckoutLockTests
{
    [Fact]
    public void A_held_lock_makes_the_next_run_wait_say_so_and_fail_at_its_limit_and_a_released_one_is_taken()
    {
        using var dir = new TempDir();
        var path = dir.Combine("obj", "exchange-synth.lock");
        var log = new Logging.MemoryLog();

        using (Files.CheckoutLock.Acquire(path, "cdk synth", log, TimeSpan.FromSeconds(1)))
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var error = Assert.Throws<InvalidOperationException>(() => Files.CheckoutLock.Acquire(path, "cdk synth", log, TimeSpan.FromSeconds(1)));
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1), $"gave up after {clock.Elapsed}");
            Assert.Contains("Another cdk synth in this checkout has held", error.Message);
            Assert.Contains(log.Entries, e => e.Message.StartsWith("Waiting for another cdk synth in this checkout", StringComparison.Ordinal));
        }

        using var again = Files.CheckoutLock.Acquire(path, "cdk synth", log, TimeSpan.FromSeconds(1));
    }
}
