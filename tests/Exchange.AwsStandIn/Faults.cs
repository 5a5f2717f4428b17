using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Exchange.AwsStandIn;

/// <summary>IAM action names of requests (the prefix is not always the signing name).</summary>
public static class Actions
{
    public static string Of(string service, string operation) => service switch
    {
        "resourcegroupstaggingapi" => "tag:" + operation,
        "s3" => "s3:" + operation switch { "ListObjectsV2" => "ListBucket", "HeadObject" => "GetObject", "HeadBucket" => "ListBucket", "DeleteObjects" => "DeleteObject", _ => operation },
        _ => $"{service}:{operation}",
    };

    /// <summary>IAM's pattern match: * and ? wildcards, case-insensitive.</summary>
    public static bool Matches(string pattern, string action) =>
        Regex.IsMatch(action, "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.IgnoreCase);
}

/// <summary>
/// Per-test faults: refuse an action (AccessDenied as AWS words it), throttle it N times, fail a
/// resource when CloudFormation creates it, stall an action (accepted, but its effect never arrives),
/// or enforce an IAM policy document. Documented in README.md; also reachable over HTTP (/_standin/faults).
/// </summary>
public sealed class Faults
{
    private readonly List<(string Pattern, int Remaining)> _denied = [];
    private readonly List<(string Pattern, int Remaining)> _throttled = [];
    private readonly List<string> _stalled = [];
    private readonly Dictionary<string, string> _failing = [];
    private List<JsonObject>? _policy;

    /// <summary>Refuses the action (IAM pattern, e.g. cloudformation:DescribeStacks or ec2:*), always or the next N times.</summary>
    public Faults Deny(string action, int times = int.MaxValue) { lock (this) _denied.Add((action, times)); return this; }

    /// <summary>Throttles the action the next N times, then lets it through.</summary>
    public Faults Throttle(string action, int times) { lock (this) _throttled.Add((action, times)); return this; }

    /// <summary>Accepts the action but never lets its effect arrive (a node group that stays at its size, an instance that stays stopping).</summary>
    public Faults Stall(string action) { lock (this) _stalled.Add(action); return this; }

    /// <summary>Fails the resource (logical id or resource type) whenever CloudFormation creates or updates it, with this reason.</summary>
    public Faults FailResource(string logicalIdOrType, string reason) { lock (this) _failing[logicalIdOrType] = reason; return this; }

    /// <summary>Allows only what this IAM policy document allows (Allow/Deny statements; actions matched with wildcards, resources not checked).</summary>
    public Faults EnforcePolicy(string document)
    {
        var root = JsonNode.Parse(document)!;
        var statements = root["Statement"] is JsonArray a ? a.Select(s => s!.AsObject()).ToList() : [root["Statement"]!.AsObject()];
        lock (this) _policy = statements;
        return this;
    }

    public void Clear()
    {
        lock (this) { _denied.Clear(); _throttled.Clear(); _stalled.Clear(); _failing.Clear(); _policy = null; }
    }

    public bool IsStalled(string action) { lock (this) return _stalled.Any(p => Actions.Matches(p, action)); }

    public string? ResourceFailure(string logicalId, string type) { lock (this) return _failing.GetValueOrDefault(logicalId) ?? _failing.GetValueOrDefault(type); }

    /// <summary>Throws the AWS error a refused or throttled request gets.</summary>
    public void Check(AwsRequest r)
    {
        var action = Actions.Of(r.Model.Service, r.Operation!);
        lock (this)
        {
            if (Take(_denied, action) || (_policy is not null && !Allowed(_policy, action)))
                throw AccessDenied(r, action);
            if (Take(_throttled, action))
                throw r.Model.Protocol switch
                {
                    "ec2" => new AwsError("RequestLimitExceeded", "Request limit exceeded.", 503),
                    "json" => new AwsError("ThrottlingException", "Rate exceeded", 400),
                    "rest-json" => new AwsError("TooManyRequestsException", "Rate exceeded", 429),
                    "rest-xml" => new AwsError("SlowDown", "Please reduce your request rate.", 503),
                    _ => new AwsError("Throttling", "Rate exceeded", 400),
                };
        }
    }

    private static bool Take(List<(string Pattern, int Remaining)> rules, string action)
    {
        var i = rules.FindIndex(f => f.Remaining > 0 && Actions.Matches(f.Pattern, action));
        if (i < 0) return false;
        rules[i] = (rules[i].Pattern, rules[i].Remaining == int.MaxValue ? int.MaxValue : rules[i].Remaining - 1);
        return true;
    }

    private static bool Allowed(List<JsonObject> statements, string action)
    {
        bool Lists(JsonObject s) => (s["Action"] is JsonArray list ? list.Select(x => x!.GetValue<string>()) : [s["Action"]!.GetValue<string>()])
            .Any(p => Actions.Matches(p, action));
        var matching = statements.Where(s => s["Action"] is not null && Lists(s)).ToList();
        return matching.Any(s => s["Effect"]?.GetValue<string>() == "Allow") && matching.All(s => s["Effect"]?.GetValue<string>() != "Deny");
    }

    /// <summary>AccessDenied in each protocol's wording (query: AccessDenied; JSON: AccessDeniedException; EC2: UnauthorizedOperation).</summary>
    public static AwsError AccessDenied(AwsRequest r, string action)
    {
        var resource = Resource(r, action);
        var message = $"User: {r.Caller.Arn} is not authorized to perform: {action} on resource: {resource} because no identity-based policy allows the {action} action";
        return r.Model.Protocol switch
        {
            "ec2" => new AwsError("UnauthorizedOperation", $"You are not authorized to perform this operation. {message}. Encoded authorization failure message: " +
                                                           Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(action))[..16], 403),
            "json" or "rest-json" => new AwsError("AccessDeniedException", message, r.Model.Protocol == "json" ? 400 : 403),
            "rest-xml" => new AwsError("AccessDenied", message, 403),
            _ => new AwsError("AccessDenied", message, 403),
        };
    }

    private static string Resource(AwsRequest r, string action)
    {
        var account = r.Caller.Account;
        var service = action.Split(':')[0];
        return service switch
        {
            "cloudformation" when r.Param("StackName") is { } stack => $"arn:aws:cloudformation:{r.Region}:{account}:stack/{stack}/*",
            "s3" => $"arn:aws:s3:::{r.Route.GetValueOrDefault("Bucket")}" + (r.Route.TryGetValue("Key", out var key) ? "/" + key : ""),
            "eks" when r.Route.TryGetValue("nodegroupName", out var n) => $"arn:aws:eks:{r.Region}:{account}:nodegroup/{r.Route["name"]}/{n}/*",
            "eks" when r.Route.TryGetValue("name", out var cluster) => $"arn:aws:eks:{r.Region}:{account}:cluster/{cluster}",
            "ssm" when r.Json["Name"] is { } name => $"arn:aws:ssm:{r.Region}:{account}:parameter{name}",
            "secretsmanager" when r.Json["SecretId"] is { } id => $"arn:aws:secretsmanager:{r.Region}:{account}:secret:{id}",
            "iam" when r.Param("RoleName") is { } role => $"arn:aws:iam::{account}:role/{role}",
            "rds" when r.Param("DBInstanceIdentifier") is { } db => $"arn:aws:rds:{r.Region}:{account}:db:{db}",
            "ec2" when r.Param("InstanceId.1") is { } i => $"arn:aws:ec2:{r.Region}:{account}:instance/{i}",
            _ => "*",
        };
    }
}
