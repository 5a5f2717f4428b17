using System.Text.Json.Nodes;

namespace Exchange.AwsStandIn;

/// <summary>
/// The time-scaled world: how long CloudFormation takes to create and delete each resource type, as AWS takes it, scaled
/// down (<see cref="SecondsPerMinute"/>: 1 makes an AWS minute one second). Off by default (<see cref="Cloud.Timing"/> null):
/// the stand-in then creates everything at once and the tests stay fast. On, a stack stays CREATE_IN_PROGRESS (or
/// UPDATE_/DELETE_IN_PROGRESS) for the critical path of the resources it changes, ordered by their dependencies within the
/// stack (DependsOn, Ref, Fn::GetAtt, Fn::Sub); stacks depending on each other are ordered by whoever deploys them (cdk does).
/// </summary>
public sealed class ResourceTiming(double secondsPerMinute)
{
    /// <summary>Real seconds per AWS minute.</summary>
    public double SecondsPerMinute { get; } = secondsPerMinute > 0 && double.IsFinite(secondsPerMinute)
        ? secondsPerMinute
        : throw new ArgumentOutOfRangeException(nameof(secondsPerMinute), "The time scale is seconds per AWS minute, a positive number (e.g. 1).");

    /// <summary>What an AWS resource type takes to create and to delete, in AWS minutes, with the source of the figure.</summary>
    public sealed record Duration(double CreateMinutes, double DeleteMinutes, string Source);

    // Minutes as AWS takes them. Sources:
    //  [eks-api] Amazon EKS API Reference, CreateCluster: "Cluster creation typically takes between 10 and 15 minutes."
    //            https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html
    //  [eks-measured] Eason Cao, "Unofficial EKS Cluster Creation Performance" (21 regions, same configuration):
    //            ap-northeast-2 834 s (13:54), the fastest region 793 s.
    //            https://easontechtalk.com/unofficial-eks-cluster-creation-performance-across-aws-regions
    //  [issue]   the team's figures from public measurements, as issue 24 states them: managed node group 3-5 min, RDS instance
    //            6-10, ElastiCache node 6-10, a NAT instance with its cfn-signal 2-3.
    //  [cfn]     CloudFormation's usual seconds for control-plane-only resources (VPC pieces, security groups, roles, log groups,
    //            parameters, repositories): the default below.
    // The lower end of each range: the critical path is then a bound no real deploy beats.
    private static readonly Dictionary<string, Duration> Table = new(StringComparer.Ordinal)
    {
        ["AWS::EKS::Cluster"] = new(10, 5, "[eks-api] 10-15 min, [eks-measured] ~13-14 min in ap-northeast-2"),
        ["AWS::EKS::Nodegroup"] = new(3, 3, "[issue] 3-5 min"),
        ["AWS::RDS::DBInstance"] = new(6, 6, "[issue] 6-10 min"),
        ["AWS::ElastiCache::CacheCluster"] = new(6, 6, "[issue] 6-10 min"),
        ["AWS::ElastiCache::ReplicationGroup"] = new(6, 6, "[issue] 6-10 min"),
        ["AWS::EC2::NatGateway"] = new(2, 1, "[issue] 2-3 min, as a NAT instance"),
        ["AWS::EKS::Addon"] = new(0.5, 0.5, "estimate (no public measurement found): an add-on's pods on running nodes"),
        ["AWS::Lambda::Function"] = new(0.25, 0.1, "[cfn]"),
        ["AWS::CloudFormation::CustomResource"] = new(0.5, 0.25, "[cfn] a Lambda-backed resource: one invocation"),
    };

    /// <summary>An EC2 instance: running in about a minute; with a CreationPolicy, CloudFormation waits for its signal too.</summary>
    private static readonly Duration Instance = new(1, 1, "[cfn] running in ~1 min");
    private static readonly Duration SignalledInstance = new(2, 1, "[issue] a NAT instance with its signal 2-3 min");
    private static readonly Duration Default = new(0.1, 0.1, "[cfn] seconds");

    /// <summary>What this resource of a template takes (its type, and whether CloudFormation waits for a signal).</summary>
    public static Duration Of(string type, JsonObject? resource = null) => type switch
    {
        "AWS::EC2::Instance" => resource?["CreationPolicy"]?["ResourceSignal"] is not null ? SignalledInstance : Instance,
        _ when type.StartsWith("Custom::", StringComparison.Ordinal) => Table["AWS::CloudFormation::CustomResource"],
        _ => Table.GetValueOrDefault(type) ?? Default,
    };

    public TimeSpan Scaled(double awsMinutes) => TimeSpan.FromSeconds(awsMinutes * SecondsPerMinute);

    /// <summary>
    /// The AWS minutes CloudFormation needs for these resources of a template: each starts when the resources it depends on
    /// (within the template) are done, so the answer is the longest chain. <paramref name="deleting"/>: deletion times
    /// (deleted in reverse dependency order: the same chains).
    /// </summary>
    public static double CriticalPath(JsonObject template, IReadOnlyCollection<string> resources, bool deleting)
    {
        var all = template["Resources"] as JsonObject ?? [];
        var finish = new Dictionary<string, double>();
        double Finish(string id, HashSet<string> visiting)
        {
            if (finish.TryGetValue(id, out var known)) return known;
            if (!visiting.Add(id)) return 0; // a cycle CloudFormation would refuse; do not loop on it
            var resource = all[id] as JsonObject;
            var start = Dependencies(resource).Where(d => resources.Contains(d) && d != id).Select(d => Finish(d, visiting)).DefaultIfEmpty(0).Max();
            var duration = Of(resource?["Type"]?.ToString() ?? "", resource);
            return finish[id] = start + (deleting ? duration.DeleteMinutes : duration.CreateMinutes);
        }
        return resources.Select(id => Finish(id, [])).DefaultIfEmpty(0).Max();
    }

    /// <summary>The logical ids a resource depends on: DependsOn, Ref, Fn::GetAtt and the ${Name} of Fn::Sub.</summary>
    public static IEnumerable<string> Dependencies(JsonObject? resource)
    {
        if (resource is null) yield break;
        switch (resource["DependsOn"])
        {
            case JsonArray many: foreach (var d in many) yield return d!.ToString(); break;
            case JsonValue one: yield return one.ToString(); break;
        }
        foreach (var reference in References(resource["Properties"])) yield return reference;
    }

    private static IEnumerable<string> References(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    if (key == "Ref" && value is JsonValue r && !r.ToString().StartsWith("AWS::", StringComparison.Ordinal)) yield return r.ToString();
                    else if (key == "Fn::GetAtt")
                        yield return value is JsonArray a ? a[0]!.ToString() : value!.ToString().Split('.')[0];
                    else if (key == "Fn::Sub")
                    {
                        var text = value is JsonArray s ? s[0]!.ToString() : value!.ToString();
                        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, @"\$\{([A-Za-z0-9]+)[.}]"))
                            yield return m.Groups[1].Value;
                        if (value is JsonArray { Count: > 1 } withMap)
                            foreach (var inner in References(withMap[1])) yield return inner;
                    }
                    else foreach (var inner in References(value)) yield return inner;
                }
                break;
            case JsonArray a:
                foreach (var item in a) foreach (var inner in References(item)) yield return inner;
                break;
        }
    }
}
