using Exchange.Build.Kafka;
using Exchange.Build.Operations;
using Exchange.Contracts;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>
/// The declared Kafka topics on the running broker: DeployInfra creates the missing ones (never deletes or alters one), and
/// Status shows declared against actual. Both go through SSM Run Command: no SSH, no open port.
/// <para>
/// A rerun asks the broker nothing: after applying, DeployInfra tags the host with the digest of the declaration it applied
/// (<see cref="TopicScript.AppliedTag"/>), and the describe-instances call every deploy already makes returns the tag. Only a
/// changed declaration or a new host (a replacement starts empty) costs the SSM round trip.
/// </para>
/// </summary>
public static class BrokerTopics
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    /// <summary>After cdk deploy: applies the declared topics unless this host already has this declaration. Returns what it did, for the report.</summary>
    public static (bool Changed, string Summary) Apply(BuildContext b, EnvironmentState before)
    {
        var declared = DeclaredTopics.Of(b.Settings.Environment);
        var instance = b.Outputs[Outputs.KafkaInstanceId];
        var applied = before.Outputs.TryGet(Outputs.KafkaInstanceId) == instance ? before.KafkaTags.GetValueOrDefault(TopicScript.AppliedTag) : null;
        if (applied == declared.Digest)
        {
            b.Log.Information($"Kafka topics: {instance} already has the {declared.Topics.Count} declared topics (tag {TopicScript.AppliedTag}=" +
                              $"{declared.Digest}); not asking the broker.");
            return (false, $"topics unchanged ({declared.Topics.Count} declared)");
        }
        b.Log.Information(applied is null
            ? $"Kafka topics: applying the {declared.Topics.Count} declared topics on {instance} (a new host, or none applied yet) through SSM."
            : $"Kafka topics: the declaration changed since {instance} got it ({applied} -> {declared.Digest}); applying it through SSM.");
        string output;
        try
        {
            output = b.Aws.RunOnInstance(instance, TopicScript.Render(declared, create: true), Timeout, "exchange-build kafka topics");
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            throw new InvalidOperationException($"Could not apply the Kafka topics on {instance}: {e.Message}\nWhat to do: check the broker " +
                $"(./build.sh --target=Status; aws ssm start-session --target {instance}, then docker logs redpanda), then rerun: " +
                $"./build.sh --target={TaskNames.DeployInfra} --exclusive", e);
        }
        var report = TopicReport.Parse(declared, output);
        foreach (var line in report.Lines) b.Log.Information($"  {line.Name,-34} {line.Describe()}");
        var unapplied = report.Lines.Where(l => l.State is TopicState.Failed or TopicState.Missing).ToArray();
        if (unapplied.Length > 0)
            throw new InvalidOperationException($"Kafka topics not created on {instance}: " +
                string.Join("; ", unapplied.Select(l => $"{l.Name} ({l.Detail ?? "the broker did not report it"})")) +
                $".\nWhat to do: read rpk's message above, fix the broker, then rerun: ./build.sh --target={TaskNames.DeployInfra} --exclusive");
        foreach (var line in report.Lines.Where(l => l.State is TopicState.FewerPartitions or TopicState.Undeclared))
            b.Log.Warning($"Kafka topic {line.Name}: {line.Describe()}");
        b.Aws.Run(b.Aws.CreateTagCommand(instance, TopicScript.AppliedTag, declared.Digest));
        var created = report.Created;
        return created.Count > 0
            ? (true, $"created topic{(created.Count == 1 ? "" : "s")} {string.Join(", ", created.Select(c => c.Name))}")
            : (false, $"topics: all {declared.Topics.Count} declared were there");
    }

    /// <summary>Status: declared against actual, read through SSM without creating anything.</summary>
    public static TopicReport Read(BuildContext b, string instance)
    {
        var declared = DeclaredTopics.Of(b.Settings.Environment);
        var output = b.Aws.RunOnInstance(instance, TopicScript.Render(declared, create: false), TimeSpan.FromSeconds(60), "exchange-build status");
        return TopicReport.Parse(declared, output);
    }

    /// <summary>Status's lines for a report <see cref="Read"/> returned: each topic, then a warning when declared ones are missing.</summary>
    public static IEnumerable<string> StatusLines(BuildContext b, string instance, TopicReport report)
    {
        yield return $"Redpanda topics on {instance} (declared against actual, through SSM):";
        foreach (var line in report.Lines) yield return $"  {line.Name,-34} {line.Describe()}";
        if (report.Lines.Any(l => l.State == TopicState.Missing))
            yield return $"  WARNING      declared topics are missing: DeployInfra creates them when the declaration or the host changed; after a " +
                         $"deletion by hand, drop the marker (aws ec2 delete-tags --resources {instance} --tags Key={TopicScript.AppliedTag} " +
                         $"--region {b.Settings.Region}) and rerun ./build.sh --target={TaskNames.DeployInfra}";
    }
}
