using System.Text.Json;
using System.Text.Json.Nodes;
using Exchange.Build.Processes;

namespace Exchange.Build.Aws;

/// <summary>One target of a target group and what the load balancer's health check says about it.</summary>
/// <param name="State">initial | healthy | unhealthy | unused | draining | unavailable ...</param>
/// <param name="Reason">Elastic Load Balancing's reason code (Target.Timeout, Target.ResponseCodeMismatch, ...), when not healthy.</param>
public sealed record TargetHealth(string Id, string State, string? Reason, string? Description)
{
    public override string ToString() => $"{Id} {State}" + (Reason is null ? "" : $" ({Reason}{(Description is null ? "" : $": {Description}")})");
}

/// <summary>A rule of the load balancer's listener: its priority, the paths it matches and the target group it forwards to.</summary>
/// <param name="Priority">A number, or <c>default</c> for the listener's default rule.</param>
public sealed record ListenerRule(string Arn, string Priority, IReadOnlyList<string> PathPatterns, string? TargetGroupArn);

/// <summary>The backend's load balancer: the node group's Auto Scaling groups, attaching them to its target group, target health, rules.</summary>
public sealed partial class AwsCli
{
    /// <summary>The Auto Scaling groups EKS made for a managed node group (describe-nodegroup's resources.autoScalingGroups).</summary>
    public IReadOnlyList<string> NodegroupAutoScalingGroups(string cluster, string nodegroup)
    {
        using var json = RunJson(DescribeNodegroupCommand(cluster, nodegroup));
        return json.RootElement.GetProperty("nodegroup").TryGetProperty("resources", out var resources)
               && resources.TryGetProperty("autoScalingGroups", out var groups)
            ? groups.EnumerateArray().Select(g => g.GetProperty("name").GetString()!).ToArray()
            : [];
    }

    public CommandLine DescribeAutoScalingGroupsCommand(IEnumerable<string> names) =>
        JsonCommand(["autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", .. names]);

    /// <summary>The target groups attached to each of the named Auto Scaling groups (a group that does not exist is left out).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> AttachedTargetGroups(IReadOnlyList<string> names)
    {
        using var json = RunJson(DescribeAutoScalingGroupsCommand(names));
        return json.RootElement.GetProperty("AutoScalingGroups").EnumerateArray().ToDictionary(
            g => g.GetProperty("AutoScalingGroupName").GetString()!,
            g => (IReadOnlyList<string>)(g.TryGetProperty("TargetGroupARNs", out var arns)
                ? arns.EnumerateArray().Select(a => a.GetString()!).ToArray()
                : []));
    }

    /// <summary>Attaches up to 10 target groups (the API's limit per call) to an Auto Scaling group.</summary>
    public CommandLine AttachTargetGroupCommand(string autoScalingGroup, params IReadOnlyList<string> targetGroupArns) =>
        JsonCommand(["autoscaling", "attach-load-balancer-target-groups", "--auto-scaling-group-name", autoScalingGroup,
            "--target-group-arns", .. targetGroupArns]);

    public CommandLine DescribeRulesCommand(string listenerArn) => JsonCommand("elbv2", "describe-rules", "--listener-arn", listenerArn);

    /// <summary>Every rule of the listener, the default one last.</summary>
    public IReadOnlyList<ListenerRule> ListenerRules(string listenerArn)
    {
        using var json = RunJson(DescribeRulesCommand(listenerArn), new ProcessOptions
        {
            FailureHint = "the listener is the Eks stack's BackendListenerArn output: check that the stack is deployed (./build.sh --target=Status)",
        });
        return json.RootElement.GetProperty("Rules").EnumerateArray().Select(rule => new ListenerRule(
            rule.GetProperty("RuleArn").GetString()!, rule.GetProperty("Priority").GetString()!,
            rule.TryGetProperty("Conditions", out var conditions)
                ? conditions.EnumerateArray().Where(c => c.TryGetProperty("PathPatternConfig", out _))
                    .SelectMany(c => c.GetProperty("PathPatternConfig").GetProperty("Values").EnumerateArray().Select(v => v.GetString()!)).ToArray()
                : [],
            rule.TryGetProperty("Actions", out var actions)
                ? actions.EnumerateArray().Select(a => a.TryGetProperty("TargetGroupArn", out var t) ? t.GetString() : null).FirstOrDefault(t => t is not null)
                : null)).ToArray();
    }

    /// <summary>
    /// A rule that sends <paramref name="pathPattern"/> (<c>/pr-1/*</c>) to a target group with the prefix cut off (<c>/pr-1/x</c> reaches
    /// the backend as <c>/x</c>): ALB's url-rewrite transform, so the application needs no base path.
    /// </summary>
    public CommandLine CreatePathRuleCommand(string listenerArn, int priority, string pathPattern, string targetGroupArn)
    {
        var prefix = pathPattern.TrimEnd('*');
        var conditions = new JsonArray(new JsonObject
        {
            ["Field"] = "path-pattern", ["PathPatternConfig"] = new JsonObject { ["Values"] = new JsonArray(pathPattern) },
        });
        var transforms = new JsonArray(new JsonObject
        {
            ["Type"] = "url-rewrite",
            ["UrlRewriteConfig"] = new JsonObject
            {
                ["Rewrites"] = new JsonArray(new JsonObject
                {
                    ["Regex"] = $"^{System.Text.RegularExpressions.Regex.Escape(prefix)}(.*)$", ["Replace"] = "/$1",
                }),
            },
        });
        return JsonCommand("elbv2", "create-rule", "--listener-arn", listenerArn,
            "--priority", priority.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--conditions", conditions.ToJsonString(), "--actions", $"Type=forward,TargetGroupArn={targetGroupArn}", "--transforms", transforms.ToJsonString());
    }

    public CommandLine DeleteRuleCommand(string ruleArn) => JsonCommand("elbv2", "delete-rule", "--rule-arn", ruleArn);

    public CommandLine DescribeTargetHealthCommand(string targetGroupArn) =>
        JsonCommand("elbv2", "describe-target-health", "--target-group-arn", targetGroupArn);

    /// <summary>Every registered target of the group with its health.</summary>
    public IReadOnlyList<TargetHealth> TargetHealth(string targetGroupArn)
    {
        using var json = RunJson(DescribeTargetHealthCommand(targetGroupArn), new ProcessOptions
        {
            FailureHint = "the target group is the Eks stack's BackendTargetGroupArn output: check that the stack is deployed (./build.sh --target=Status)",
        });
        return json.RootElement.GetProperty("TargetHealthDescriptions").EnumerateArray().Select(d =>
        {
            var health = d.TryGetProperty("TargetHealth", out var h) ? h : default;
            string? Field(string name) => health.ValueKind == JsonValueKind.Object && health.TryGetProperty(name, out var v) ? v.GetString() : null;
            return new TargetHealth(d.GetProperty("Target").GetProperty("Id").GetString()!, Field("State") ?? "unknown", Field("Reason"),
                Field("Description"));
        }).ToArray();
    }
}
