namespace Exchange.Fakes.State;

/// <summary>
/// Everything the fakes remember between calls: $FAKE_STATE_DIR/state.json. Resources carry the
/// stack that created them, so `cdk destroy` removes them with it. Secret values are never kept.
/// </summary>
public sealed class FakeStateData
{
    public Dictionary<string, StackState> Stacks { get; set; } = [];
    public Dictionary<string, SecretState> Secrets { get; set; } = [];
    public Dictionary<string, ClusterState> Clusters { get; set; } = [];
    /// <summary>Keyed "cluster/nodegroup".</summary>
    public Dictionary<string, NodegroupState> Nodegroups { get; set; } = [];
    public Dictionary<string, InstanceState> Instances { get; set; } = [];
    public Dictionary<string, DbInstanceState> DbInstances { get; set; } = [];
    public Dictionary<string, LogGroupState> LogGroups { get; set; } = [];
    /// <summary>EventBridge Scheduler schedules by name (default group).</summary>
    public Dictionary<string, ScheduleState> Schedules { get; set; } = [];
    /// <summary>ECR repository name -> the stack that created it (the images live in the real registry).</summary>
    public Dictionary<string, string> EcrRepositories { get; set; } = [];
    /// <summary>ARN -> tags, for resourcegroupstaggingapi (e.g. load balancers a cluster left behind).</summary>
    public Dictionary<string, Dictionary<string, string>> TaggedResources { get; set; } = [];
    /// <summary>Keyed "namespace/kind.group/name" ("" namespace for cluster-scoped kinds).</summary>
    public Dictionary<string, KubeObjectState> KubeObjects { get; set; } = [];
    public Dictionary<string, SsmCommandState> SsmCommands { get; set; } = [];
    /// <summary>Environment seeds already applied ("loggroup:NAME"), so a deleted leftover stays deleted.</summary>
    public List<string> AppliedSeeds { get; set; } = [];
    /// <summary>Random seed the generated database password is derived from (the password itself is not stored).</summary>
    public string? PasswordSeed { get; set; }
}

public sealed class StackState
{
    public required string StackName { get; set; }
    public required string StackId { get; set; }
    public required string Status { get; set; }
    public required string TemplateSha256 { get; set; }
    public required string Region { get; set; }
    public DateTimeOffset CreationTime { get; set; }
    public DateTimeOffset? LastUpdatedTime { get; set; }
    public List<StackOutputState> Outputs { get; set; } = [];
    /// <summary>Export names this stack imports (Fn::ImportValue): they block the exporter's deletion.</summary>
    public List<string> Imports { get; set; } = [];
    public List<StackEventState> Events { get; set; } = [];
    /// <summary>Logical id -> what was deployed, for updates, `cdk diff` and `cdk destroy`.</summary>
    public Dictionary<string, ResourceState> Resources { get; set; } = [];
}

/// <summary>A deployed resource: its type, the hash of its template entry, its physical id, and whether it outlives the stack.</summary>
public sealed record ResourceState(string Type, string Sha256, string PhysicalId, bool Retain);

public sealed record StackOutputState(string OutputKey, string OutputValue, string? Description, string? ExportName);

public sealed record StackEventState(string EventId, DateTimeOffset Timestamp, string LogicalResourceId,
    string PhysicalResourceId, string ResourceType, string ResourceStatus, string? ResourceStatusReason);

public sealed class SecretState
{
    public required string Name { get; set; }
    public required string Arn { get; set; }
    public required string VersionId { get; set; }
    public required string StackName { get; set; }
    public DateTimeOffset CreatedDate { get; set; }
    public DateTimeOffset? DeletedDate { get; set; }
    public string Username { get; set; } = "admin";
    public string Engine { get; set; } = "mysql";
    public string Host { get; set; } = "";
    public int Port { get; set; } = 3306;
    public string DbName { get; set; } = "future_exchange";
    public string DbInstanceIdentifier { get; set; } = "";
    /// <summary>The characters the generated password is drawn from (the template's GenerateSecretString).</summary>
    public string PasswordAlphabet { get; set; } = "";
    public int PasswordLength { get; set; } = 32;
}

public sealed class ClusterState
{
    public required string Name { get; set; }
    public required string Arn { get; set; }
    public required string Version { get; set; }
    public required string Endpoint { get; set; }
    public required string ClusterSecurityGroupId { get; set; }
    public required string Region { get; set; }
    public required string StackName { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class NodegroupState
{
    public required string ClusterName { get; set; }
    public required string NodegroupName { get; set; }
    public required string StackName { get; set; }
    public string CapacityType { get; set; } = "ON_DEMAND";
    public List<string> InstanceTypes { get; set; } = [];
    public int MinSize { get; set; }
    public int MaxSize { get; set; }
    public int DesiredSize { get; set; }
    public int UpdateCount { get; set; }
}

public sealed class InstanceState
{
    public required string InstanceId { get; set; }
    public required string StackName { get; set; }
    public string InstanceType { get; set; } = "t3.medium";
    public string State { get; set; } = "running";
    public string PrivateIpAddress { get; set; } = "10.0.11.25";
}

public sealed class DbInstanceState
{
    public required string Identifier { get; set; }
    public required string StackName { get; set; }
    public string Status { get; set; } = "available";
    public string Engine { get; set; } = "mysql";
    public string EngineVersion { get; set; } = "8.4.7";
    public string InstanceClass { get; set; } = "db.t4g.micro";
    public string Address { get; set; } = "";
    public int Port { get; set; } = 3306;
}

public sealed class ScheduleState
{
    public required string Name { get; set; }
    /// <summary>The stack that declared it; null for one the pipeline created.</summary>
    public string? StackName { get; set; }
    public required string Expression { get; set; }
    public string? Timezone { get; set; }
    public string State { get; set; } = "ENABLED";
    public string? StartDate { get; set; }
    public string? Description { get; set; }
    public string? ActionAfterCompletion { get; set; }
    public string FlexibleTimeWindowMode { get; set; } = "OFF";
    /// <summary>The target as JSON (Arn, RoleArn, Input, RetryPolicy).</summary>
    public required string Target { get; set; }
}

public sealed record LogGroupState(string LogGroupName, long CreationTime, long StoredBytes);

public sealed class KubeObjectState
{
    public required string ApiVersion { get; set; }
    public required string Kind { get; set; }
    public required string Name { get; set; }
    public string? Namespace { get; set; }
    /// <summary>Canonical hash of the last applied manifest.</summary>
    public required string Sha256 { get; set; }
    /// <summary>The object as applied (JSON); null for Secrets, whose values are never stored.</summary>
    public string? Json { get; set; }
    /// <summary>Secrets only: the data keys (never the values).</summary>
    public List<string>? SecretKeys { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public long Generation { get; set; } = 1;
}

public sealed record SsmCommandState(string CommandId, List<string> InstanceIds, string DocumentName,
    List<string> Commands, DateTimeOffset RequestedAt);
