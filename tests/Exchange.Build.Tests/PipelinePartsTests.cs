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
    [InlineData("arn:aws:sts::111122223333:assumed-role/Developer/jane", "arn:aws:iam::111122223333:role/Developer")]
    [InlineData("arn:aws:iam::111122223333:user/ci", "arn:aws:iam::111122223333:user/ci")]
    public void The_admin_principal_of_an_assumed_role_session_is_its_role(string arn, string principal)
    {
        Assert.Equal(principal, new CallerIdentity("111122223333", arn, "AID").PrincipalArn);
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
        report.Add("DeployInfra", StepOutcome.Unchanged, "6 stacks, no changes");
        report.Add("Verify", StepOutcome.Checked, "4 workloads rolled out");
        Assert.Contains("No changes: everything was already up to date.", report.Summary());

        report.Add("PushImages", StepOutcome.Changed, "pushed x");
        Assert.Contains("Changed: PushImages.", report.Summary());
        Assert.DoesNotContain("No changes: everything was already up to date.", report.Summary());
    }

    [Fact]
    public void A_task_reported_twice_keeps_its_strongest_outcome()
    {
        var report = new StepReport();
        report.Add("Synth", StepOutcome.Changed, "synthesized 6 stacks");
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
    [InlineData("v18.19.0", "too old")]
    [InlineData("v20.20.2", "warning")]
    [InlineData("v22.11.0", "")]
    public void Node_below_20_is_refused_and_20_is_warned_about(string version, string expected)
    {
        var log = new MemoryLog();
        var b = Contexts.Build(new RecordingRunner());
        var problems = new List<string>();
        var logged = new BuildContext(b.Settings, log, _ => null, [TaskNames.Doctor], new RecordingRunner());

        Doctor.CheckNode(logged, version, problems);

        if (expected == "too old") Assert.Contains("too old for the CDK CLI", Assert.Single(problems));
        else Assert.Empty(problems);
        Assert.Equal(expected == "warning", log.Entries.Any(e => e.Level == "warning" && e.Message.Contains("Node.js 22")));
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
    [InlineData(Tools.ToolKind.Aws, "aws-cli/1.45.11 Python/3.11.7", "is not v2")]
    [InlineData(Tools.ToolKind.Aws, "aws-cli/2.22.35 Python/3.12.9", null)]
    [InlineData(Tools.ToolKind.Cdk, "2.1100.0 (build abc)", "not the pinned 2.1148.1")]
    [InlineData(Tools.ToolKind.Cdk, "2.1148.1 (build 0a1b2c3)", null)]
    [InlineData(Tools.ToolKind.Kubectl, "Client Version: v1.30.2", "older than 1.33")]
    [InlineData(Tools.ToolKind.Kubectl, "Client Version: v1.35.0", null)]
    public void Doctor_warns_about_versions_the_project_is_not_tested_with(Tools.ToolKind tool, string version, string? warning)
    {
        var warnings = Doctor.VersionWarnings(tool, version, "2.1148.1").ToArray();

        if (warning is null) Assert.Empty(warnings);
        else Assert.Contains(warning, Assert.Single(warnings));
    }
}
