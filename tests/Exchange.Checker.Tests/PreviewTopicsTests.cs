using Exchange.Contracts;

namespace Exchange.Checker.Tests;

/// <summary>
/// A preview's topics through the provisioning Job's Kafka path against librdkafka's mock cluster. The mock answers neither
/// CreateTopics nor DeleteTopics, so what it can show is the metadata side: topics that exist are left as they are, topics that do
/// not exist need no deleting. Creating and deleting run only against a real broker (Redpanda on AWS).
/// </summary>
public sealed class PreviewTopicsTests(KafkaMockCluster kafka) : IClassFixture<KafkaMockCluster>
{
    private CheckerRun Provision(string mode, PreviewName preview) => CheckerProcess.Run(new Dictionary<string, string>
    {
        [KubernetesSecrets.KafkaBootstrapServers] = kafka.BootstrapServers,
        [PreviewProvisioning.Database] = preview.Database,
        [PreviewProvisioning.User] = preview.DatabaseUser,
        [PreviewProvisioning.Password] = "unused-here-1",
        [PreviewProvisioning.Topics] = string.Join(',', preview.Topics(Environments.Dev)),
        [PreviewProvisioning.TopicPartitions] = "4",
    }, PreviewProvisioning.Argument + mode, "--checks=kafka", "--timeout=3");

    private static string Kafka(CheckerRun run) => CheckReport.Parse(run.Stdout).Checks.Single(c => c.Check == ConnectivityCheck.Kafka).Detail;

    [Fact]
    public void Topics_the_preview_already_has_are_left_unchanged()
    {
        var preview = PreviewName.ForPullRequest("dev", "5101");
        kafka.CreateTopics(preview.Topics(Environments.Dev));

        var run = Provision(PreviewProvisioning.Create, preview);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal($"{Environments.Dev.KafkaTopics.Count} topic(s) {string.Join(",", preview.Topics(Environments.Dev))}: unchanged", Kafka(run));
    }

    [Fact]
    public void Dropping_topics_that_do_not_exist_finds_nothing_to_do()
    {
        var preview = PreviewName.ForPullRequest("dev", "5102");

        var run = Provision(PreviewProvisioning.Drop, preview);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.EndsWith(": already gone", Kafka(run));
        Assert.StartsWith("topics pr-5102.", Kafka(run));
    }

    [Fact]
    public void The_list_mode_names_the_topics_with_a_prefix_and_leaves_the_main_topics_out()
    {
        var preview = PreviewName.ForPullRequest("dev", "5103");
        kafka.CreateTopics(preview.Topics(Environments.Dev).Concat(Environments.Dev.KafkaTopics));

        var run = CheckerProcess.Run(new Dictionary<string, string>
        {
            [KubernetesSecrets.KafkaBootstrapServers] = kafka.BootstrapServers,
            [CheckerConfigMap.KafkaTopics] = string.Join(',', Environments.Dev.KafkaTopics),
            [CheckerConfigMap.KafkaTopicPartitions] = "3",
        }, PreviewProvisioning.Argument + PreviewProvisioning.List, "--checks=kafka", "--timeout=3");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith(PreviewProvisioning.ListedTopics, Kafka(run));
        var listed = Kafka(run)[PreviewProvisioning.ListedTopics.Length..].Split(',');
        Assert.Subset(listed.ToHashSet(), preview.Topics(Environments.Dev).ToHashSet());
        Assert.DoesNotContain(listed, t => Environments.Dev.KafkaTopics.Contains(t));
    }
}
