using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Exchange.AwsStandIn;

/// <summary>IAM action names of requests (the prefix is not always the signing name).</summary>
public static class Actions
{
    public static string Of(string service, string operation) => service switch
    {
        "resourcegroupstaggingapi" => "tag:" + operation,
        "elbv2" => "elasticloadbalancing:" + operation,
        "s3" => "s3:" + operation switch
        {
            "ListObjectsV2" => "ListBucket", "HeadObject" => "GetObject", "HeadBucket" => "ListBucket", "DeleteObjects" => "DeleteObject", _ => operation,
        },
        _ => $"{service}:{operation}",
    };

    /// <summary>IAM's match of an action: * and ? wildcards, case-insensitive.</summary>
    public static bool Matches(string pattern, string action) => Wildcard(pattern, action, ignoreCase: true);

    /// <summary>
    /// IAM's match of a policy's Resource (or NotResource) entry against a request's resource ARN: * and ? wildcards.
    /// The partition, service, region and account fields match case-insensitively and a wildcard in them stays in
    /// its field; the resource part is case-sensitive and a wildcard there spans ':' and '/'. A request that names
    /// no resource ("*": an action IAM cannot scope, such as ec2:DescribeInstances) matches only "*".
    /// </summary>
    public static bool ResourceMatches(string pattern, string resource)
    {
        if (pattern == "*") return true;
        var p = pattern.Split(':', 6);
        var r = resource.Split(':', 6);
        if (p.Length < 6 || r.Length < 6) return p.Length == r.Length && Wildcard(pattern, resource, ignoreCase: false);
        for (var i = 0; i < 5; i++)
            if (!Wildcard(p[i], r[i], ignoreCase: true)) return false;
        return Wildcard(p[5], r[5], ignoreCase: false);
    }

    private static bool Wildcard(string pattern, string value, bool ignoreCase) =>
        Regex.IsMatch(value, "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
            (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None) | RegexOptions.Singleline);
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

    /// <summary>
    /// Allows only what this IAM policy document allows, as IAM evaluates an identity-based policy: a request passes when
    /// an Allow statement matches its action (Action/NotAction, wildcards) and every resource it touches
    /// (Resource/NotResource against the ARNs of <see cref="Resources"/>), and no Deny statement matches; a Deny wins.
    /// Conditions are not evaluated (a statement with one applies as if it held). The policy is the one of the principals
    /// the clients sign as; sessions of roles assumed through the stand-in (the CDK bootstrap roles) act with their roles'
    /// own permissions and are not checked against it.
    /// </summary>
    public Faults EnforcePolicy(string document)
    {
        var root = JsonNode.Parse(document)!;
        var statements = root["Statement"] is JsonArray a ? a.Select(s => s!.AsObject()).ToList() : [root["Statement"]!.AsObject()];
        foreach (var statement in statements)
            if (statement["Effect"]?.GetValue<string>() is not ("Allow" or "Deny") || (statement["Action"] ?? statement["NotAction"]) is null
                || (statement["Resource"] ?? statement["NotResource"]) is null)
                throw new ArgumentException("Not a statement IAM accepts (Effect Allow or Deny, Action or NotAction, Resource or NotResource): " +
                                            $"{statement.ToJsonString()}");
        lock (this) _policy = statements;
        return this;
    }

    public void Clear()
    {
        lock (this) { _denied.Clear(); _throttled.Clear(); _stalled.Clear(); _failing.Clear(); _policy = null; }
    }

    public bool IsStalled(string action) { lock (this) return _stalled.Any(p => Actions.Matches(p, action)); }

    public string? ResourceFailure(string logicalId, string type)
    {
        lock (this) return _failing.GetValueOrDefault(logicalId) ?? _failing.GetValueOrDefault(type);
    }

    /// <summary>Throws the AWS error a refused or throttled request gets.</summary>
    public void Check(Cloud cloud, AwsRequest r)
    {
        var action = Actions.Of(r.Model.Service, r.Operation!);
        lock (this)
        {
            if (Take(_denied, action)) throw AccessDenied(r, action, Resources(cloud, r, action)[0], explicitDeny: false);
            if (_policy is not null && !r.Caller.ByAssumeRole)
                foreach (var (needed, resource) in Resources(cloud, r, action).Select(x => (action, x))
                             .Concat(PassedRoles(r).Select(role => ("iam:PassRole", role))))
                    if (Decide(_policy, needed, resource) is var allowed and not "Allow")
                        throw AccessDenied(r, needed, resource, explicitDeny: allowed == "Deny");
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

    /// <summary>
    /// The fault, if any, a schedule's universal-target call meets (EventBridge Scheduler calling <paramref name="action"/> with the
    /// schedule's role): a refused action answers AccessDenied, a throttled one the service's throttling error.
    /// </summary>
    public AwsError? TargetCall(string action, string protocol)
    {
        lock (this)
        {
            if (Take(_denied, action))
                return new AwsError(protocol is "query" ? "AccessDenied" : protocol is "ec2" ? "UnauthorizedOperation" : "AccessDeniedException",
                    $"The schedule's role is not authorized to perform: {action}");
            if (Take(_throttled, action))
                return protocol switch
                {
                    "ec2" => new AwsError("RequestLimitExceeded", "Request limit exceeded."),
                    "rest-json" => new AwsError("TooManyRequestsException", "Rate exceeded"),
                    _ => new AwsError("Throttling", "Rate exceeded"),
                };
            return null;
        }
    }

    private static bool Take(List<(string Pattern, int Remaining)> rules, string action)
    {
        var i = rules.FindIndex(f => f.Remaining > 0 && Actions.Matches(f.Pattern, action));
        if (i < 0) return false;
        rules[i] = (rules[i].Pattern, rules[i].Remaining == int.MaxValue ? int.MaxValue : rules[i].Remaining - 1);
        return true;
    }

    private static IEnumerable<string> Strings(JsonNode? node) =>
        node is JsonArray list ? list.Select(x => x!.GetValue<string>()) : node is null ? [] : [node.GetValue<string>()];

    /// <summary>Whether a statement covers the action on the resource: Action or NotAction, Resource or NotResource.</summary>
    private static bool Covers(JsonObject statement, string action, string resource) =>
        (statement["Action"] is { } actions ? Strings(actions).Any(p => Actions.Matches(p, action))
            : !Strings(statement["NotAction"]).Any(p => Actions.Matches(p, action)))
        && (statement["Resource"] is { } resources ? Strings(resources).Any(p => Actions.ResourceMatches(p, resource))
            : !Strings(statement["NotResource"]).Any(p => Actions.ResourceMatches(p, resource)));

    /// <summary>IAM's decision for one action on one resource: "Deny" (an explicit deny), "Allow", or "ImplicitDeny".</summary>
    public static string Decide(IReadOnlyList<JsonObject> statements, string action, string resource)
    {
        var covering = statements.Where(s => Covers(s, action, resource)).Select(s => s["Effect"]!.GetValue<string>()).ToList();
        return covering.Contains("Deny") ? "Deny" : covering.Contains("Allow") ? "Allow" : "ImplicitDeny";
    }

    /// <summary>A DeleteObjects request's &lt;Delete&gt; body: the keys, and whether only errors are to be listed (Quiet).</summary>
    public static (IReadOnlyList<string> Keys, bool Quiet) DeleteRequest(AwsRequest r)
    {
        if (r.Body.Length == 0) return ([], false);
        var elements = System.Xml.Linq.XDocument.Parse(System.Text.Encoding.UTF8.GetString(r.Body)).Root!.Elements().ToList();
        return (elements.Where(e => e.Name.LocalName == "Object").Select(o => o.Elements().Single(e => e.Name.LocalName == "Key").Value).ToList(),
            elements.Any(e => e.Name.LocalName == "Quiet" && e.Value == "true"));
    }

    public static AwsError AccessDenied(AwsRequest r, string action, string resource, bool explicitDeny)
    {
        var message = $"User: {r.Caller.Arn} is not authorized to perform: {action} on resource: {resource} " +
                      (explicitDeny ? "with an explicit deny in an identity-based policy" : $"because no identity-based policy allows the {action} action");
        return r.Model.Protocol switch
        {
            "ec2" => new AwsError("UnauthorizedOperation",
                $"You are not authorized to perform this operation. {message}. Encoded authorization failure message: " +
                Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(action))[..16], 403),
            "json" or "rest-json" => new AwsError("AccessDeniedException", message, r.Model.Protocol == "json" ? 400 : 403),
            "rest-xml" => new AwsError("AccessDenied", message, 403),
            _ => new AwsError("AccessDenied", message, 403),
        };
    }

    /// <summary>Roles a request hands to a service, which IAM checks as iam:PassRole on each (a schedule's target role).</summary>
    private static IEnumerable<string> PassedRoles(AwsRequest r) =>
        r.Model.Service == "scheduler" && r.Operation is "CreateSchedule" or "UpdateSchedule" && r.Json["Target"]?["RoleArn"]?.GetValue<string>() is { } role
            ? [role]
            : [];

    /// <summary>
    /// The resources IAM authorizes a request against, as ARNs in AWS's form (the service authorization reference's
    /// resource types): the stack's ARN with its id once it exists (stack/NAME/* before), a secret's ARN with its
    /// random suffix, a node group's with its id, a role's with its path. "*" for actions IAM cannot scope to a
    /// resource (sts:GetCallerIdentity, ecr:GetAuthorizationToken, ec2:DescribeInstances, tag:GetResources,
    /// ssm:GetCommandInvocation) and for calls that list without naming one.
    /// </summary>
    public static IReadOnlyList<string> Resources(Cloud c, AwsRequest r, string action)
    {
        static string? NonEmpty(string value) => value.Length == 0 ? null : value;
        var (region, account) = (r.Region, c.Account);
        string Arn(string service, string resource) => $"arn:aws:{service}:{region}:{account}:{resource}";
        string? Json(string name) => r.Json[name]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? r.Json[name]!.GetValue<string>() : null;
        List<string> Each(IEnumerable<string> ids, Func<string, string> arn) => ids.Select(arn).DefaultIfEmpty("*").ToList();
        return action switch
        {
            "sts:AssumeRole" => [r.Required("RoleArn")],
            "iam:GetRole" =>
                [c.Roles.GetValueOrDefault(r.Required("RoleName"))?["Arn"]?.GetValue<string>() ?? $"arn:aws:iam::{account}:role/{r.Required("RoleName")}"],
            _ when action.StartsWith("cloudformation:", StringComparison.Ordinal) && r.Param("StackName") is { } stack =>
                [stack.StartsWith("arn:", StringComparison.Ordinal)
                    ? stack
                    : c.Stacks.GetValueOrDefault(stack)?.Id ?? Arn("cloudformation", $"stack/{stack}/*")],
            // A multi-object delete is authorized as s3:DeleteObject on each object it names.
            "s3:DeleteObject" when r.Operation == "DeleteObjects" =>
                Each(DeleteRequest(r).Keys, k => $"arn:aws:s3:::{r.Route.GetValueOrDefault("Bucket")}/{k}"),
            _ when action.StartsWith("s3:", StringComparison.Ordinal) =>
                [$"arn:aws:s3:::{r.Route.GetValueOrDefault("Bucket")}" + (r.Route.TryGetValue("Key", out var key) ? "/" + key : "")],
            "ecr:DescribeRepositories" =>
                Each(r.Json["repositoryNames"]?.AsArray().Select(n => n!.GetValue<string>()) ?? [], n => Arn("ecr", $"repository/{n}")),
            _ when action.StartsWith("ecr:", StringComparison.Ordinal) && Json("repositoryName") is { } repository =>
                [Arn("ecr", $"repository/{repository}")],
            // An add-on's ARN ends in an id EKS generates; an update of one is authorized against the add-on (addonName in the query).
            _ when action.StartsWith("eks:", StringComparison.Ordinal) && r.Route.TryGetValue("name", out var owner)
                   && (r.Route.GetValueOrDefault("addonName") ?? NonEmpty(r.Query("addonName"))) is { } addon =>
                [c.Addons.GetValueOrDefault($"{owner}/{addon}")?["addonArn"]?.GetValue<string>() ?? Arn("eks", $"addon/{owner}/{addon}/*")],
            _ when action.StartsWith("eks:", StringComparison.Ordinal) && r.Route.TryGetValue("nodegroupName", out var nodegroup) =>
                [c.Nodegroups.GetValueOrDefault($"{r.Route["name"]}/{nodegroup}")?["nodegroupArn"]?.GetValue<string>()
                 ?? Arn("eks", $"nodegroup/{r.Route["name"]}/{nodegroup}/*")],
            // An access entry's own ARN (cluster, principal type, account, name and an id); one that does not exist: the cluster's entries.
            "eks:ListAssociatedAccessPolicies" =>
                [c.AccessEntries.GetValueOrDefault(ClusterAccess.Key(r.Route["name"], r.Route["principalArn"]))?.Entry["accessEntryArn"]?.GetValue<string>()
                 ?? Arn("eks", $"access-entry/{r.Route["name"]}/*")],
            _ when action.StartsWith("eks:", StringComparison.Ordinal) && r.Route.TryGetValue("name", out var cluster) => [Arn("eks", $"cluster/{cluster}")],
            "ec2:StopInstances" or "ec2:StartInstances" => Each(r.List("InstanceId"), i => Arn("ec2", $"instance/{i}")),
            "ec2:CreateTags" => Each(r.List("ResourceId"), i => Arn("ec2", $"instance/{i}")),
            _ when action.StartsWith("sqs:", StringComparison.Ordinal) && Json("QueueUrl") is { } url => [Arn("sqs", url.TrimEnd('/').Split('/').Last())],
            _ when action.StartsWith("rds:", StringComparison.Ordinal) && r.Param("DBInstanceIdentifier") is { } db =>
                [Arn("rds", $"db:{db.ToLowerInvariant()}")],
            // A secret that exists is authorized against its ARN (with the random suffix); one that does not, against the ARN its name gives.
            _ when action.StartsWith("secretsmanager:", StringComparison.Ordinal) && Json("SecretId") is { } id =>
                [c.Secrets.Values.FirstOrDefault(s => s.Name == id || s.Arn == id)?.Arn
                 ?? (id.StartsWith("arn:", StringComparison.Ordinal) ? id : Arn("secretsmanager", $"secret:{id}"))],
            // What AWS names when DescribeLogGroups is refused: it lists, so no group of its own.
            "logs:DescribeLogGroups" => [Arn("logs", "log-group::log-stream:")],
            _ when action.StartsWith("logs:", StringComparison.Ordinal) && Json("logGroupName") is { } group => [Arn("logs", $"log-group:{group}:*")],
            _ when action.StartsWith("scheduler:", StringComparison.Ordinal) && r.Route.TryGetValue("Name", out var schedule) =>
                [Arn("scheduler", $"schedule/{(r.Query("groupName") is { Length: > 0 } g ? g : Json("GroupName") ?? "default")}/{schedule}")],
            // AWS's public parameters (/aws/service/...) belong to no account: their ARNs have none.
            "ssm:GetParameter" when Json("Name") is { } p && p.StartsWith("/aws/service/", StringComparison.Ordinal) => [$"arn:aws:ssm:{region}::parameter{p}"],
            // A listener rule is created on its listener and deleted as itself (listener-rule/app/...).
            "elasticloadbalancing:CreateRule" => [r.Required("ListenerArn")],
            "elasticloadbalancing:DeleteRule" => [r.Required("RuleArn")],
            "autoscaling:AttachLoadBalancerTargetGroups" => [LoadBalancing.AutoScalingGroupArn(c, region, r.Required("AutoScalingGroupName"))],
            "ssm:GetParameter" => [Arn("ssm", "parameter" + (Json("Name") is ['/', ..] name ? name : "/" + Json("Name")))],
            // A port-forwarding session is authorized on its target instance and on the document.
            "ssm:StartSession" =>
                [Arn("ec2", $"instance/{Json("Target")}"), $"arn:aws:ssm:{region}::document/{Json("DocumentName") ?? "SSM-SessionManagerRunShell"}"],
            "ssm:TerminateSession" => [Arn("ssm", $"session/{Json("SessionId")}")],
            "ssm:SendCommand" =>
            [
                $"arn:aws:ssm:{region}::document/{Json("DocumentName")}",
                .. Each(r.Json["InstanceIds"]?.AsArray().Select(i => i!.GetValue<string>()) ?? [], i => Arn("ec2", $"instance/{i}")),
            ],
            _ => ["*"],
        };
    }
}
