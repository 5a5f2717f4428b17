using System.Text.Json;
using Exchange.Build.Aws;
using Exchange.Build.Kafka;
using Exchange.Build.Operations;
using Exchange.Build.Pipeline.Tasks;
using Exchange.Build.Processes;
using Exchange.Contracts;
using Exchange.Fakes.Redpanda;

namespace Exchange.Build.Tests;

/// <summary>The declared Kafka topics on the broker: the script run for real (bash, a docker/rpk stand-in), and when DeployInfra asks.</summary>
public sealed class KafkaTopicsTests : IDisposable
{
    private const string Host = "i-0123456789abcdef0";
    private static readonly DeclaredTopics Dev = DeclaredTopics.Of(Environments.Dev);
    private readonly TempDir _dir = new();
    private readonly FakeBroker _broker;

    public KafkaTopicsTests() => _broker = new FakeBroker(_dir.Combine("redpanda"));

    private TopicReport Run(DeclaredTopics declared, bool create)
    {
        var (exitCode, stdout, stderr) = _broker.Run(Host, string.Join("\n", TopicScript.Render(declared, create)));
        Assert.True(exitCode == 0, stderr);
        return TopicReport.Parse(declared, stdout);
    }

    [Fact]
    public void The_script_creates_each_missing_declared_topic_and_changes_no_topic_the_broker_has()
    {
        _broker.SetTopics(Host, [(ShardTopics.Input(1), 3, 1), (ShardTopics.Output(1), 1, 1), ("audit-log", 2, 1)]);

        var report = Run(Dev, create: true);

        Assert.Equal(Dev.Topics.Skip(2).Select(t => t.Name), report.Created.Select(l => l.Name));
        Assert.Equal(TopicState.Present, report.Lines.Single(l => l.Name == ShardTopics.Input(1)).State);
        Assert.Equal(TopicState.FewerPartitions, report.Lines.Single(l => l.Name == ShardTopics.Output(1)).State);
        Assert.Equal(TopicState.Undeclared, report.Lines.Single(l => l.Name == "audit-log").State);
        var broker = _broker.Topics(Host).ToDictionary(t => t.Name);
        Assert.Equal(Dev.Topics.Count + 1, broker.Count);
        Assert.All(Dev.Topics.Skip(2), t => Assert.Equal((3, 1), (broker[t.Name].Partitions, broker[t.Name].Replicas)));
        Assert.Equal(1, broker[ShardTopics.Output(1)].Partitions); // never altered: more partitions would move keys
        Assert.Equal(2, broker["audit-log"].Partitions); // never deleted
    }

    [Fact]
    public void A_second_run_creates_nothing_and_reports_every_declared_topic_present()
    {
        Run(Dev, create: true);
        var creates = _broker.Calls(Host).Count(c => c.StartsWith("rpk topic create", StringComparison.Ordinal));

        var again = Run(Dev, create: true);

        Assert.Equal(Dev.Topics.Count, creates);
        Assert.Equal(creates, _broker.Calls(Host).Count(c => c.StartsWith("rpk topic create", StringComparison.Ordinal))); // asked for none
        Assert.Empty(again.Created);
        Assert.All(again.Lines, l => Assert.Equal(TopicState.Present, l.State));
        Assert.Equal(Dev.Topics.Count, _broker.Topics(Host).Count);
    }

    [Fact]
    public void The_status_script_only_reads_and_reports_missing_topics()
    {
        _broker.SetTopics(Host, [(ShardTopics.Input(1), 3, 1)]);

        var report = Run(Dev, create: false);

        Assert.Single(_broker.Topics(Host));
        Assert.Equal(Dev.Topics.Count - 1, report.Lines.Count(l => l.State == TopicState.Missing));
        Assert.Contains("MISSING (3 partitions declared)", report.Lines.First(l => l.State == TopicState.Missing).Describe());
    }

    [Fact]
    public void A_topic_rpk_refuses_to_create_is_reported_with_rpks_message_and_the_others_are_still_created()
    {
        _broker.Refuse = ShardTopics.Input(2);

        var report = Run(Dev, create: true);

        var failed = Assert.Single(report.Failed);
        Assert.Equal(ShardTopics.Input(2), failed.Name);
        Assert.Contains("POLICY_VIOLATION", failed.Detail);
        Assert.Equal(Dev.Topics.Count - 1, report.Created.Count);
    }

    [Fact]
    public void The_digest_follows_the_declaration_and_not_its_order()
    {
        var more = DeclaredTopics.Of(Environments.Dev with { ShardCount = 4 });
        var kafka = Environments.Dev.Of<KafkaConfig>();
        var wider = DeclaredTopics.Of(Environments.Dev.With(kafka with { Partitions = 6 }));

        Assert.Matches("^[0-9a-f]{16}$", Dev.Digest);
        Assert.NotEqual(Dev.Digest, more.Digest);
        Assert.NotEqual(Dev.Digest, wider.Digest);
        Assert.Equal(Dev.Digest, new DeclaredTopics(Dev.Topics.Reverse().ToArray()).Digest);
    }

    [Theory]
    [InlineData("x; rm -rf /", 3, 1)]
    [InlineData("$(reboot)", 3, 1)]
    [InlineData("orders", 0, 1)]
    public void A_declaration_that_is_no_Kafka_topic_is_refused_before_it_reaches_a_shell(string name, int partitions, int replicas)
    {
        var error = Assert.Throws<InvalidOperationException>(() => DeclaredTopics.Checked([new KafkaTopic(name, partitions, replicas)]));

        Assert.Contains($"'{name}'", error.Message);
        Assert.Contains("src/Exchange.Contracts/Environments.cs", error.Message);
    }

    // ---- DeployInfra: when the broker is asked ----

    private static ProcessResult Ok(object json) => new(0, JsonSerializer.Serialize(json), "", TimeSpan.Zero);

    /// <summary>A scripted AWS whose SSM runs the commands on the fake broker.</summary>
    private RecordingRunner Aws() => new(c => c.Values.ToArray() switch
    {
        ["ssm", "send-command", ..] => SendCommand(c),
        ["ssm", "get-command-invocation", ..] => Ok(new { Status = "Success", StandardOutputContent = _lastOutput, StandardErrorContent = "" }),
        _ => Ok(new { }),
    });

    private string _lastOutput = "";

    private ProcessResult SendCommand(CommandLine c)
    {
        var parameters = c.Values.SkipWhile(v => v != "--parameters").Skip(1).First();
        var shell = string.Join("\n", JsonDocument.Parse(parameters).RootElement.GetProperty("commands").EnumerateArray().Select(l => l.GetString()));
        _lastOutput = _broker.Run(Host, shell).Stdout;
        return Ok(new { Command = new { CommandId = "c-1" } });
    }

    private BuildContext DeployedTo(RecordingRunner runner, string instance)
    {
        _dir.Write("artifacts/cdk-outputs.json", JsonSerializer.Serialize(new Dictionary<string, object>
        {
            [Environments.Dev.Names.Stack(StackKind.Kafka)] = new Dictionary<string, string> { [Outputs.KafkaInstanceId.Key] = instance },
        }));
        return Contexts.Build(runner, new() { ["account"] = "111122223333", ["artifacts"] = _dir.Combine("artifacts") }, tasks: "DeployInfra");
    }

    /// <summary>What DeployInfra read before cdk deploy: the host and its tags.</summary>
    private static EnvironmentState Before(string? instance, string? applied)
    {
        var names = Environments.Dev.Names;
        var outputs = DeploymentOutputs.Parse(names, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            [names.Stack(StackKind.Kafka)] = instance is null ? new Dictionary<string, string>()
                : new Dictionary<string, string> { [Outputs.KafkaInstanceId.Key] = instance },
        }), "test");
        return new EnvironmentState(StackKinds.DeployOrder.ToDictionary(k => k, _ => (JsonElement?)null), outputs, null, "running", "available")
        {
            KafkaTags = applied is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [TopicScript.AppliedTag] = applied },
        };
    }

    private static IReadOnlyList<string> Calls(RecordingRunner runner) => runner.Calls.Select(c => string.Join(' ', c.Command.Values.Take(2))).ToList();

    [Fact]
    public void A_host_marked_with_this_declaration_is_not_asked_at_all()
    {
        var runner = Aws();

        var (changed, summary) = BrokerTopics.Apply(DeployedTo(runner, Host), Before(Host, Dev.Digest));

        Assert.False(changed);
        Assert.Empty(runner.Calls);
        Assert.Equal($"topics unchanged ({Dev.Topics.Count} declared)", summary);
    }

    [Fact]
    public void A_changed_declaration_is_applied_through_SSM_and_the_host_marked_with_its_digest()
    {
        _broker.SetTopics(Host, Dev.Topics.Take(4).Select(t => (t.Name, t.Partitions, t.Replicas)));
        var runner = Aws();

        var (changed, summary) = BrokerTopics.Apply(DeployedTo(runner, Host), Before(Host, "0000000000000000"));

        Assert.True(changed);
        Assert.Equal($"created topics {Dev.Topics[4].Name}, {Dev.Topics[5].Name}", summary);
        Assert.Equal(["ssm send-command", "ssm get-command-invocation", "ec2 create-tags"], Calls(runner));
        Assert.Equal(["ec2", "create-tags", "--resources", Host, "--tags", $"Key={TopicScript.AppliedTag},Value={Dev.Digest}"],
            runner.Calls[^1].Command.Values.Take(6));
    }

    [Fact]
    public void A_new_host_is_asked_even_when_the_old_one_had_this_declaration_and_a_host_with_every_topic_is_only_marked()
    {
        _broker.SetTopics(Host, Dev.Topics.Select(t => (t.Name, t.Partitions, t.Replicas)));
        var runner = Aws();

        var (changed, summary) = BrokerTopics.Apply(DeployedTo(runner, Host), Before("i-0replacedhost00000", Dev.Digest));

        Assert.False(changed);
        Assert.Equal($"topics: all {Dev.Topics.Count} declared were there", summary);
        Assert.Equal(["ssm send-command", "ssm get-command-invocation", "ec2 create-tags"], Calls(runner));
    }

    [Fact]
    public void A_topic_the_broker_refuses_fails_the_step_names_it_and_leaves_the_host_unmarked()
    {
        _broker.Refuse = ShardTopics.Output(3);
        var runner = Aws();

        var error = Assert.Throws<InvalidOperationException>(() => BrokerTopics.Apply(DeployedTo(runner, Host), Before(null, null)));

        Assert.Contains($"Kafka topics not created on {Host}: {ShardTopics.Output(3)} (", error.Message);
        Assert.Contains("POLICY_VIOLATION", error.Message);
        Assert.Contains("--target=DeployInfra --exclusive", error.Message);
        Assert.DoesNotContain("ec2 create-tags", Calls(runner)); // the next run tries again
    }

    public void Dispose() => _dir.Dispose();
}
