using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Exchange.AwsStandIn;

/// <summary>
/// Who signed a request: the credentials' access key and the principal they stand for. <paramref name="ByAssumeRole"/>: a session
/// the stand-in's sts:AssumeRole handed out (a CDK bootstrap role's), which acts with its role's permissions, not the caller's.
/// </summary>
public sealed record Identity(string AccessKeyId, string Account, string Arn, string UserId, bool ByAssumeRole = false);

/// <summary>The local registry that stands in for ECR: where it listens and the password `get-login-password` hands out.</summary>
public sealed record RegistryEndpoint(string Host, string Password);

/// <summary>
/// The account's state: what the stand-in's services know. Stacks create most of it (see
/// <see cref="Provisioner"/>); tests may seed more (a leftover log group, a load balancer).
/// </summary>
public sealed class Cloud(string account = "111122223333", string region = "ap-northeast-2", RegistryEndpoint? registry = null)
{
    public const string SsoRole = "AWSReservedSSO_AdministratorAccess_0123456789abcdef";
    private readonly Dictionary<string, Identity> _identities = [];

    public string Account { get; } = account;
    public string Region { get; } = region;
    public RegistryEndpoint? Registry { get; } = registry;
    public Faults Faults { get; } = new();
    public List<string> Violations { get; } = [];

    /// <summary>The developer's SSO session: an assumed role whose real ARN has the SSO path.</summary>
    public Identity DefaultCaller { get { WithDefaultCaller(); return _identities.Values.First(); } }

    public Dictionary<string, StackRecord> Stacks { get; } = []; // by name, live stacks
    public List<StackRecord> DeletedStacks { get; } = [];
    public Dictionary<string, (string Value, string Stack)> Exports { get; } = [];
    public Dictionary<string, Dictionary<string, byte[]>> Buckets { get; } = [];
    public Dictionary<string, JsonObject> Parameters { get; } = []; // SSM
    public Dictionary<string, JsonObject> Repositories { get; } = []; // ECR, by name
    public Dictionary<string, JsonObject> Clusters { get; } = [];
    public Dictionary<string, JsonObject> Nodegroups { get; } = []; // "cluster/nodegroup"
    public Dictionary<string, JsonObject> Addons { get; } = []; // EKS managed add-ons, "cluster/addon", as DescribeAddon answers
    public Dictionary<string, JsonObject> Updates { get; } = []; // EKS updates, "cluster/id" (see Eks)
    public Dictionary<string, JsonObject> Instances { get; } = [];
    public Dictionary<string, JsonObject> Volumes { get; } = []; // EBS, by id: state and attachments (VolumeInUse)
    public Dictionary<string, JsonObject> Databases { get; } = [];
    public Dictionary<string, SecretRecord> Secrets { get; } = []; // by name
    public Dictionary<string, JsonObject> LogGroups { get; } = [];
    public Dictionary<string, JsonObject> Roles { get; } = []; // IAM, by name
    public List<JsonObject> TaggedResources { get; } = []; // ResourceTagMapping, e.g. load balancers Kubernetes made
    public Dictionary<string, JsonObject> Commands { get; } = []; // SSM Run Command invocations
    public Dictionary<string, JsonObject> Schedules { get; } = []; // EventBridge Scheduler (default group), by name, as GetSchedule answers
    public Dictionary<string, JsonObject> Queues { get; } = []; // SQS, by name: its URL, ARN and messages
    public Dictionary<string, AccessEntryRecord> AccessEntries { get; } = []; // EKS, by "cluster|principalArn"
    public Dictionary<string, List<string>> InstanceProfiles { get; } = []; // IAM instance profile name -> its roles' names
    public Dictionary<string, List<string>> RolePolicies { get; } = []; // IAM role name -> its managed policy ARNs
    public Dictionary<string, SessionRecord> Sessions { get; } = []; // SSM Session Manager, by id (live ones are not cloned)

    /// <summary>This machine's address on the internet: a public EKS endpoint is reachable when one of its CIDRs contains it.</summary>
    public string ClientPublicAddress { get; set; } = "203.0.113.10";

    /// <summary>Where the stand-in serves SSM sessions' data channels (host:port; set by the running stand-in).</summary>
    public string DataChannelEndpoint { get; set; } = "127.0.0.1:0";
    public Dictionary<string, JsonObject> AutoScalingGroups { get; } = []; // the ones EKS makes for managed node groups, by name
    public Dictionary<string, JsonObject> TargetGroups { get; } = []; // ELBv2, by ARN
    public Dictionary<string, JsonObject> Listeners { get; } = []; // ELBv2 listeners, by ARN: their default target group and their rules

    /// <summary>What the load balancer's health check says about a target (target group ARN, instance id); tests set it (default: healthy).</summary>
    public Func<string, string, TargetHealthState> TargetHealth { get; set; } = (_, _) => TargetHealthState.Healthy;

    /// <summary>What SSM Run Command gets from a shell command on an instance (tests set it; default: it prints nothing and succeeds).</summary>
    public Func<string, string, ShellResult> RunShell { get; set; } = (_, _) => "";

    /// <summary>The time-scaled world: null (the default) creates and deletes at once; see <see cref="ResourceTiming"/>.</summary>
    public ResourceTiming? Timing { get; set; }

    /// <summary>Every timed stack operation, in the order they began: when, how long AWS would take, and when it was done.</summary>
    public List<TimedOperation> Timeline { get; } = [];

    private readonly List<(TimedOperation Operation, Action Complete)> _pending = [];

    /// <summary>Runs <paramref name="complete"/> once <paramref name="awsMinutes"/> (scaled) have passed (see <see cref="Due"/>).</summary>
    public void Schedule(string stack, string operation, double awsMinutes, Action complete)
    {
        var now = DateTimeOffset.UtcNow;
        var timed = new TimedOperation(stack, operation, awsMinutes, now, now + Timing!.Scaled(awsMinutes));
        Timeline.Add(timed);
        _pending.Add((timed, complete));
    }

    /// <summary>The timed operations due now, earliest first, taken off the schedule.</summary>
    public IReadOnlyList<(DateTimeOffset Due, Action Complete)> Due()
    {
        var now = DateTimeOffset.UtcNow;
        var due = _pending.Where(p => p.Operation.Due <= now).OrderBy(p => p.Operation.Due).ToList();
        foreach (var p in due) _pending.Remove(p);
        return due.Select(p => (p.Operation.Due, p.Complete)).ToList();
    }

    /// <summary>
    /// An independent copy of the account as it is now (identities, stacks, exports and every service's state), with
    /// no faults: tests that start from a deployed environment each get their own copy of one deployment.
    /// </summary>
    public Cloud Clone()
    {
        WithDefaultCaller();
        var copy = new Cloud(Account, Region, Registry)
        {
            // A copy starts with nothing in progress.
            RunShell = RunShell, ClientPublicAddress = ClientPublicAddress, TargetHealth = TargetHealth, Timing = Timing,
        };
        foreach (var (key, identity) in _identities) copy._identities[key] = identity;
        foreach (var (name, stack) in Stacks) copy.Stacks[name] = stack.Copy();
        copy.DeletedStacks.AddRange(DeletedStacks.Select(s => s.Copy()));
        foreach (var (name, export) in Exports) copy.Exports[name] = export;
        foreach (var (name, bucket) in Buckets) copy.Buckets[name] = new Dictionary<string, byte[]>(bucket);
        foreach (var (name, secret) in Secrets)
            copy.Secrets[name] = new SecretRecord
            {
                Name = secret.Name, Arn = secret.Arn, VersionId = secret.VersionId, Value = (JsonObject)secret.Value.DeepClone(),
                Created = secret.Created, Deleted = secret.Deleted, Description = secret.Description,
            };
        foreach (var (mine, theirs) in new[]
                 {
                     (Parameters, copy.Parameters), (Repositories, copy.Repositories), (Clusters, copy.Clusters), (Nodegroups, copy.Nodegroups),
                     (Instances, copy.Instances), (Volumes, copy.Volumes), (Databases, copy.Databases), (LogGroups, copy.LogGroups), (Roles, copy.Roles),
                     (Commands, copy.Commands), (Schedules, copy.Schedules), (Queues, copy.Queues), (Addons, copy.Addons), (Updates, copy.Updates),
                     (AutoScalingGroups, copy.AutoScalingGroups), (TargetGroups, copy.TargetGroups), (Listeners, copy.Listeners),
                 })
            foreach (var (key, value) in mine) theirs[key] = (JsonObject)value.DeepClone();
        copy.TaggedResources.AddRange(TaggedResources.Select(t => (JsonObject)t.DeepClone()));
        foreach (var (key, entry) in AccessEntries) copy.AccessEntries[key] = entry.Copy();
        foreach (var (name, roles) in InstanceProfiles) copy.InstanceProfiles[name] = [.. roles];
        foreach (var (name, policies) in RolePolicies) copy.RolePolicies[name] = [.. policies];
        return copy;
    }

    public Cloud WithDefaultCaller()
    {
        if (_identities.Count == 0) AddIdentity("AKIASTANDIN0DEVELOPER", Account, $"arn:aws:sts::{Account}:assumed-role/{SsoRole}/developer");
        var role = SsoRole;
        Roles.TryAdd(role, Role(role, $"/aws-reserved/sso.amazonaws.com/{Region}/"));
        return this;
    }

    /// <summary>Registers credentials (e.g. another account's) a client may sign with.</summary>
    public Identity AddIdentity(string accessKeyId, string account, string arn, bool byAssumeRole = false)
    {
        var identity = new Identity(accessKeyId, account, arn,
            "AROA" + Hex(16, arn).ToUpperInvariant() + (arn.Contains("assumed-role") ? ":" + arn.Split('/').Last() : ""),
            byAssumeRole);
        _identities[accessKeyId] = identity;
        return identity;
    }

    public Identity? Caller(string accessKeyId) { WithDefaultCaller(); return _identities.GetValueOrDefault(accessKeyId); }

    public static AwsError UnknownCredentials(string protocol) => protocol is "json" or "rest-json"
        ? new AwsError("UnrecognizedClientException", "The security token included in the request is invalid.", 400)
        : new AwsError("InvalidClientTokenId", "The security token included in the request is invalid.", 403);

    public JsonObject Role(string name, string path = "/") => new()
    {
        ["Path"] = path, ["RoleName"] = name, ["RoleId"] = "AROA" + Hex(17, name).ToUpperInvariant(),
        ["Arn"] = $"arn:aws:iam::{Account}:role{path}{name}", ["CreateDate"] = Time(DateTimeOffset.UtcNow.AddDays(-30)),
    };

    /// <summary>ECR's registry host (ACCOUNT.dkr.ecr.REGION.amazonaws.com) is the local registry: templates build repository URIs from it.</summary>
    public string LocalEcr(string value) =>
        Registry is null ? value : value.Replace($"{Account}.dkr.ecr.{Region}.amazonaws.com", Registry.Host, StringComparison.Ordinal);

    public string Hex(int length, params string[] parts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Account + "/" + Region + "/" + string.Join("/", parts))))[..length];

    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>What a command run on an instance through SSM Run Command ended with (a plain string: it printed that and succeeded).</summary>
public sealed record ShellResult(int ExitCode, string Stdout, string Stderr)
{
    public static implicit operator ShellResult(string stdout) => new(0, stdout, "");
}
/// <summary>A stack operation of the timed world: begun at <paramref name="Began"/>, done at <paramref name="Due"/> (AWS minutes, scaled).</summary>
public sealed record TimedOperation(string Stack, string Operation, double AwsMinutes, DateTimeOffset Began, DateTimeOffset Due);

/// <summary>A Secrets Manager secret; DeletedDate set means scheduled for deletion (the recovery window).</summary>
public sealed class SecretRecord
{
    public required string Name { get; init; }
    public required string Arn { get; init; }
    public required string VersionId { get; init; }
    public required JsonObject Value { get; set; }
    public required DateTimeOffset Created { get; init; }
    public DateTimeOffset? Deleted { get; set; }
    public string Description { get; init; } = "";
}
