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
    public Dictionary<string, JsonObject> Instances { get; } = [];
    public Dictionary<string, JsonObject> Databases { get; } = [];
    public Dictionary<string, SecretRecord> Secrets { get; } = []; // by name
    public Dictionary<string, JsonObject> LogGroups { get; } = [];
    public Dictionary<string, JsonObject> Roles { get; } = []; // IAM, by name
    public List<JsonObject> TaggedResources { get; } = []; // ResourceTagMapping, e.g. load balancers Kubernetes made
    public Dictionary<string, JsonObject> Commands { get; } = []; // SSM Run Command invocations
    public Dictionary<string, JsonObject> Schedules { get; } = []; // EventBridge Scheduler (default group), by name, as GetSchedule answers

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

    /// <summary>What SSM Run Command prints for a shell command on an instance (tests set it; default: nothing).</summary>
    public Func<string, string, string> RunShell { get; set; } = (_, _) => "";

    /// <summary>
    /// An independent copy of the account as it is now (identities, stacks, exports and every service's state), with
    /// no faults: tests that start from a deployed environment each get their own copy of one deployment.
    /// </summary>
    public Cloud Clone()
    {
        WithDefaultCaller();
        var copy = new Cloud(Account, Region, Registry) { RunShell = RunShell, Timing = Timing }; // a copy starts with nothing in progress
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
                     (Instances, copy.Instances), (Databases, copy.Databases), (LogGroups, copy.LogGroups), (Roles, copy.Roles),
                     (Commands, copy.Commands), (Schedules, copy.Schedules),
                 })
            foreach (var (key, value) in mine) theirs[key] = (JsonObject)value.DeepClone();
        copy.TaggedResources.AddRange(TaggedResources.Select(t => (JsonObject)t.DeepClone()));
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
