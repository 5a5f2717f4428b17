namespace Exchange.Contracts;

/// <summary>
/// Every name the design document's operational commands rely on, derived from the environment name.
/// The CDK app creates resources with these names and the pipeline finds them by the same names.
/// </summary>
public sealed record EnvironmentNames(string Env)
{
    public string Stack(StackKind kind) => $"Exchange-{Env}-{kind}";
    public IReadOnlyList<string> AllStacks => StackKinds.DeployOrder.Select(Stack).ToArray();

    public string Export(string suffix) => $"{Env}-{suffix}";

    public string ClusterName => $"exchange-{Env}";
    /// <summary>The node group's Name tag; its real name is generated (the NodegroupName output), so edits that replace it work.</summary>
    public string NodegroupName => $"exchange-{Env}-spot-nodes";
    public string DbInstanceIdentifier => $"exchange-{Env}-mysql";
    public string DbSecretName => $"exchange-{Env}-db-credentials";
    public string RedisClusterName => $"exchange-{Env}-redis";
    public string KafkaInstanceName => $"exchange-{Env}-kafka";
    /// <summary>The Name tag of the jump instance a NAT gateway VPC gets for the SSM tunnel to the EKS API.</summary>
    public string JumpInstanceName => $"exchange-{Env}-jump";
    public string VpcName => $"exchange-{Env}-vpc";
    public string Namespace => $"exchange-{Env}";
    public string EksLogGroupPrefix => $"/aws/eks/exchange-{Env}";
    /// <summary>The control-plane log group EKS writes to; the EKS stack creates it (short retention, deleted on destroy).</summary>
    public string EksClusterLogGroupName => $"/aws/eks/{ClusterName}/cluster";
    public string MatchingEngineRepository => "exchange/matching-engine-shard";
    public string BackendRepository => "exchange/future-backend";
    /// <summary>The connectivity checker Verify runs in the cluster (src/Exchange.Checker).</summary>
    public string CheckerRepository => "exchange/exchange-checker";
    /// <summary>A security group's Name tag; its GroupName is generated, so a replacement (e.g. a new description) works.</summary>
    public string SecurityGroup(string purpose) => $"exchange-{Env}-{purpose}-sg";
    /// <summary>The in-AWS sleep schedule (EventBridge Scheduler, default group) that stops one resource.</summary>
    public string SleepScheduleName(SleepTarget target) => $"exchange-{Env}-sleep-{target.ToString().ToLowerInvariant()}";
    /// <summary>The one-time schedule <c>Resume --until</c> creates to put that resource to sleep later instead.</summary>
    public string SleepUntilScheduleName(SleepTarget target) => SleepScheduleName(target) + "-until";
    public string SleepSchedulePrefix => $"exchange-{Env}-sleep-";
    /// <summary>The SQS dead-letter queue where a sleep schedule's call that kept failing lands (Status reads it).</summary>
    public string SleepDeadLetterQueueName(SleepTarget target) => SleepScheduleName(target) + "-dlq";
    /// <summary>An S3 bucket of this environment (bucket names are global: suffixed with the account and region).</summary>
    public string Bucket(string purpose, string account, string region) => $"exchange-{Env}-{purpose}-{account}-{region}";
    /// <summary>The purpose of the bucket of shared run artefacts (stack outputs, images.json, deploy policy).</summary>
    public const string ArtifactsPurpose = "artifacts";
    public const string LogsPurpose = "logs";
}

/// <summary>What the in-AWS sleep stops: the node group (to 0), the Redpanda host, the database.</summary>
public enum SleepTarget { Nodes, Kafka, Database }
