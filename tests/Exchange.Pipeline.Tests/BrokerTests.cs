using System.Text.Json.Nodes;
using Exchange.Contracts;

namespace Exchange.Pipeline.Tests;

/// <summary>The Redpanda host over a year: a replacing change deploys in one run, and the declared topics reach the running broker.</summary>
public sealed class BrokerTests : IDisposable
{
    private static PipelineWorld world => PipelineWorld.Shared;
    private readonly PipelineRun _run = new(world);

    private List<string> CallsSince(int index) => _run.Calls.Skip(index).Select(c => c.CommandLine).ToList();

    private JsonObject Instance(string id)
    {
        lock (_run.Cloud) return (JsonObject)_run.Cloud.Instances[id].DeepClone();
    }

    [Fact]
    public void A_replacing_change_to_the_Redpanda_host_deploys_in_one_DeployInfra_and_the_new_broker_gets_the_declared_topics()
    {
        _run.Deployed();
        var old = _run.KafkaInstance();
        Assert.Equal(Environments.Dev.KafkaTopics.Order(), _run.Broker.Topics(old).Select(t => t.Name).Order()); // DeployDev created them
        // The host moves to x86 (what a new instance type of the other CPU does): a new AMI, so CloudFormation replaces it.
        _run.EditTemplate(StackKind.Kafka, t => t.Replace("al2023-ami-kernel-default-arm64", "al2023-ami-kernel-default-x86_64", StringComparison.Ordinal)
            .Replace("\"t4g.small\"", "\"t3.small\"", StringComparison.Ordinal));

        var deploy = _run.Build("--target=DeployInfra", "--exclusive");

        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        var replacement = _run.KafkaInstance();
        Assert.NotEqual(old, replacement);
        lock (_run.Cloud) Assert.False(_run.Cloud.Instances.ContainsKey(old)); // deleted in the cleanup, after the new one was up
        Assert.Equal("t3.small", Instance(replacement)["InstanceType"]!.GetValue<string>());
        Assert.Contains($"Kafka topics: applying the 6 declared topics on {replacement} (a new host", deploy.Text);
        Assert.Equal(Environments.Dev.KafkaTopics.Order(), _run.Broker.Topics(replacement).Select(t => t.Name).Order());
        Assert.All(_run.Broker.Topics(replacement), t => Assert.Equal((3, 1), (t.Partitions, t.Replicas)));
        var outputs = JsonNode.Parse(File.ReadAllText(Path.Combine(_run.Artifacts, "cdk-outputs.json")))!;
        Assert.Equal(replacement, outputs["Exchange-dev-Kafka"]!["KafkaInstanceId"]!.GetValue<string>());
        // The sleep schedule follows the new host.
        lock (_run.Cloud) Assert.Contains(replacement, _run.Cloud.Schedules["exchange-dev-sleep-kafka"]["Target"]!["Input"]!.GetValue<string>());

        var before = _run.Calls.Count;
        var again = _run.Build("--target=DeployInfra", "--exclusive");

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("The stacks were last deployed from this very assembly", again.Text); // recorded on the new host too
        Assert.Contains($"Kafka topics: {replacement} already has the 6 declared topics", again.Text);
        Assert.DoesNotContain(CallsSince(before), c => c.StartsWith("aws ssm", StringComparison.Ordinal) || c.StartsWith("aws ec2 create-tags",
            StringComparison.Ordinal));
        Assert.Contains("No changes: everything was already up to date.", again.Output);
    }

    [Fact]
    public void A_topic_added_to_the_configuration_appears_on_the_broker_after_DeployInfra_and_Status_shows_declared_against_actual()
    {
        _run.Deployed();
        var host = _run.KafkaInstance();
        var added = ShardTopics.Output(3);
        // The host got an older declaration without the last topic; someone also made a topic of their own on it.
        _run.Broker.SetTopics(host, _run.Broker.Topics(host).Where(t => t.Name != added).Append(("audit-log", 1, 1)));
        lock (_run.Cloud)
            foreach (var tag in _run.Cloud.Instances[host]["Tags"]!.AsArray().Where(t => t!["Key"]!.GetValue<string>() == "exchange:kafka-topics"))
                tag!["Value"] = "0123456789abcdef";
        var before = _run.Calls.Count;
        var rpkBefore = _run.Broker.Calls(host).Count;

        var deploy = _run.Build("--target=DeployInfra", "--exclusive");

        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        Assert.Contains($"created topic {added}", deploy.Text);
        Assert.Contains("audit-log", deploy.Output); // said, and left alone
        Assert.Contains((added, 3, 1), _run.Broker.Topics(host));
        Assert.Contains(("audit-log", 1, 1), _run.Broker.Topics(host));
        Assert.Equal([$"rpk topic create {added} -p 3 -r 1"],
            _run.Broker.Calls(host).Skip(rpkBefore).Where(c => c.StartsWith("rpk topic create", StringComparison.Ordinal)));
        // No cdk deploy (the stacks were last deployed from this assembly): the topics follow the declaration, not the stacks.
        Assert.DoesNotContain(CallsSince(before), c => c.StartsWith("cdk deploy", StringComparison.Ordinal));
        CallOrder.Assert(CallsSince(before), "aws ssm send-command", "aws ssm get-command-invocation",
            $"aws ec2 create-tags --resources {host} --tags Key=exchange:kafka-topics,Value=");
        Assert.DoesNotContain("0123456789abcdef", Instance(host)["Tags"]!.ToJsonString());

        var status = _run.Build("--target=Status");

        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Matches($@"{added}\s+present, 3 partitions, replication 1", status.Output);
        Assert.Matches(@"audit-log\s+not declared \(1 partitions\): left as it is, nothing is deleted", status.Output);
        Assert.DoesNotContain("WARNING      declared topics are missing", status.Output);
    }

    public void Dispose() => _run.Dispose();
}
