using System.Text.Json;
using Exchange.Build.Aws;
using Exchange.Contracts;

namespace Exchange.Build.Operations;

/// <summary>What is deployed and what is running, read from AWS (never from local files).</summary>
public sealed record EnvironmentState(
    IReadOnlyDictionary<StackKind, JsonElement?> Stacks,
    DeploymentOutputs Outputs,
    NodegroupScaling? Nodes,
    string? KafkaState,
    string? DatabaseStatus,
    NodegroupDescription? Nodegroup = null)
{
    /// <summary>The Redpanda host's tags (e.g. which topic declaration DeployInfra applied to it); empty without a host.</summary>
    public IReadOnlyDictionary<string, string> KafkaTags { get; init; } = new Dictionary<string, string>();

    /// <summary>The node group's generated name (the Eks stack's NodegroupName output), or null without one.</summary>
    public string? NodegroupName => Outputs.TryGet(Contracts.Outputs.EksNodegroupName);

    public bool IsDeployed(StackKind stack) => Stacks[stack] is not null;
    public bool AnyDeployed => Stacks.Values.Any(s => s is not null);

    public string Phase
    {
        get
        {
            if (!AnyDeployed) return "not deployed";
            if (Stacks.Values.FirstOrDefault(s => s?.GetProperty("StackStatus").GetString() is { } st
                && (st.Contains("FAILED") || st.Contains("ROLLBACK"))) is { } failed)
                return $"broken ({failed.GetProperty("StackName").GetString()} is {failed.GetProperty("StackStatus").GetString()}: rerun DeployInfra, or " +
                    "DestroyDev)";
            if (Stacks.Any(s => !Pausing.DeepRemoved.Contains(s.Key) && s.Value is null)) return "partly deployed (rerun DeployDev)";
            if (!Pausing.DeepRemoved.All(IsDeployed)) return "deep-paused";
            var paused = new[] { Nodes?.DesiredSize == 0, KafkaState == "stopped", DatabaseStatus == "stopped" };
            if (paused.All(p => p)) return "paused";
            if (paused.All(p => !p)) return "running";
            return "partly paused";
        }
    }

    /// <summary>The versions the cluster runs (one describe-cluster; the node group's were read with the state), or null without an Eks stack.</summary>
    public EksVersions? RunningVersions(BuildContext b) =>
        IsDeployed(StackKind.Eks) && Nodegroup is { } nodes && b.Aws.DescribeCluster(b.Names.ClusterName) is { } cluster
            ? new EksVersions(cluster.Version, nodes.Version, nodes.ReleaseVersion)
            : null;

    public static EnvironmentState Read(BuildContext b)
    {
        var stacks = StackKinds.DeployOrder.ToDictionary(k => k, k => b.Aws.DescribeStack(b.Names.Stack(k)));
        var outputs = DeploymentOutputs.FromStackDescriptions(b.Names, stacks.Values.Where(s => s is not null).Select(s => s!.Value));
        return WithResources(b, stacks, outputs);
    }

    /// <summary>
    /// The state as far as DeployInfra needs it before a deploy, at the cost of a rerun: the stacks the last deploy's outputs list
    /// (this machine's file, else the artifacts bucket's) count as deployed, and only the resources a pause stops are asked about
    /// (node group, broker, database). Describing every stack cost seven calls on every rerun. Without an outputs file anywhere
    /// (a first deploy) it asks CloudFormation as <see cref="Read"/> does.
    /// </summary>
    public static EnvironmentState Known(BuildContext b)
    {
        b.Artifacts.Fetch(b.Settings.OutputsFile);
        if (DeploymentOutputs.Load(b.Names, b.Settings.OutputsFile) is not { } outputs) return Read(b);
        var stacks = StackKinds.DeployOrder.ToDictionary(k => k, k => outputs.HasStack(k)
            ? JsonDocument.Parse(JsonSerializer.Serialize(new { StackName = b.Names.Stack(k), StackStatus = "(from the outputs file)" })).RootElement.Clone()
            : (JsonElement?)null);
        return WithResources(b, stacks, outputs);
    }

    private static EnvironmentState WithResources(BuildContext b, Dictionary<StackKind, JsonElement?> stacks, DeploymentOutputs outputs)
    {
        var nodes = stacks[StackKind.Eks] is null || outputs.TryGet(Contracts.Outputs.EksNodegroupName) is not { } nodegroup
            ? null
            : b.Aws.DescribeNodegroup(b.Names.ClusterName, nodegroup);
        var kafka = outputs.TryGet(Contracts.Outputs.KafkaInstanceId) is { } instance ? b.Aws.DescribeInstance(instance) : null;
        var database = stacks[StackKind.Rds] is null ? null : b.Aws.DbInstanceStatus(b.Names.DbInstanceIdentifier);
        return new EnvironmentState(stacks, outputs, nodes?.Scaling, kafka?.State, database, nodes)
        {
            KafkaTags = kafka?.Tags ?? new Dictionary<string, string>(),
        };
    }
}

/// <summary>artifacts/&lt;env&gt;/pause.json: when this machine stopped RDS (it restarts itself 7 days later).</summary>
public sealed record PauseRecord(DateTimeOffset? RdsStoppedAt, bool Deep)
{
    public static readonly TimeSpan RdsAutoStart = TimeSpan.FromDays(7);
    public DateTimeOffset? RdsRestartsAt => RdsStoppedAt + RdsAutoStart;

    public static PauseRecord? Load(string path) =>
        File.Exists(path) ? JsonSerializer.Deserialize<PauseRecord>(File.ReadAllText(path)) : null;

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Files.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this));
    }
}
