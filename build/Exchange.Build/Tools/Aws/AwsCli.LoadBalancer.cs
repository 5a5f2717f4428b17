using System.Text.Json;
using Exchange.Build.Processes;

namespace Exchange.Build.Aws;

/// <summary>One target of a target group and what the load balancer's health check says about it.</summary>
/// <param name="State">initial | healthy | unhealthy | unused | draining | unavailable ...</param>
/// <param name="Reason">Elastic Load Balancing's reason code (Target.Timeout, Target.ResponseCodeMismatch, ...), when not healthy.</param>
public sealed record TargetHealth(string Id, string State, string? Reason, string? Description)
{
    public override string ToString() => $"{Id} {State}" + (Reason is null ? "" : $" ({Reason}{(Description is null ? "" : $": {Description}")})");
}

/// <summary>The backend's load balancer: the node group's Auto Scaling groups, attaching them to its target group, target health.</summary>
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

    public CommandLine AttachTargetGroupCommand(string autoScalingGroup, string targetGroupArn) =>
        JsonCommand("autoscaling", "attach-load-balancer-target-groups", "--auto-scaling-group-name", autoScalingGroup,
            "--target-group-arns", targetGroupArn);

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
