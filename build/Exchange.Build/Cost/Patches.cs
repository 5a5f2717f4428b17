using System.Text.Json.Nodes;

namespace Exchange.Build.Cost;

/// <summary>
/// Edits of a (cloned) assembly that turn the synthesized configuration into an alternative, for
/// pricing only: the result is not meant to deploy. Each returns how many resources it changed.
/// </summary>
public static class Patches
{
    private const string Instance = "AWS::EC2::Instance";

    /// <summary>Replaces each NAT instance (SourceDestCheck false) by a NAT gateway and its Elastic IP, as <c>-c nat=gateway</c> does.</summary>
    public static int NatGatewayForNatInstances(CloudAssembly assembly)
    {
        var natInstances = Of(assembly, Instance).Where(r => !IsWorkload(r.Body)).ToArray();
        foreach (var (stack, id, body) in natInstances)
        {
            stack.Resources.Remove(id);
            stack.Resources[id + "Eip"] = Resource("AWS::EC2::EIP", new JsonObject { ["Domain"] = "vpc" });
            stack.Resources[id + "Gateway"] = Resource("AWS::EC2::NatGateway", new JsonObject
            {
                ["SubnetId"] = Props(body)["SubnetId"]?.DeepClone(),
                ["AllocationId"] = new JsonObject { ["Fn::GetAtt"] = new JsonArray(id + "Eip", "AllocationId") },
            });
        }
        return natInstances.Length;
    }

    /// <summary>
    /// What <c>-c nat=gateway</c> synthesizes: a NAT gateway with its Elastic IP in place of each NAT instance, and the jump instance the
    /// SSM tunnel to the EKS API needs without a NAT instance (the same type, in a private subnet: no public IPv4, an 8 GB root volume).
    /// </summary>
    public static int NatGatewayWithJumpInstance(CloudAssembly assembly)
    {
        var natInstances = Of(assembly, Instance).Where(r => !IsWorkload(r.Body)).ToArray();
        NatGatewayForNatInstances(assembly);
        foreach (var (stack, id, body) in natInstances)
        {
            var jump = (JsonObject)body.DeepClone();
            var props = Props(jump);
            props.Remove("SourceDestCheck");
            props["NetworkInterfaces"] = new JsonArray(new JsonObject
            {
                ["DeviceIndex"] = "0", ["AssociatePublicIpAddress"] = false, ["SubnetId"] = props["SubnetId"]?.DeepClone(),
            });
            props.Remove("SubnetId");
            props["BlockDeviceMappings"] = new JsonArray(new JsonObject
            {
                ["DeviceName"] = "/dev/xvda", ["Ebs"] = new JsonObject { ["VolumeSize"] = 8, ["VolumeType"] = "gp3", ["Encrypted"] = true },
            });
            stack.Resources[id + "Jump"] = jump;
        }
        return natInstances.Length;
    }

    /// <summary>Removes every resource whose type starts with <paramref name="typePrefix"/> (a part of the configuration left out).</summary>
    public static int RemoveTypes(CloudAssembly assembly, string typePrefix)
    {
        var removed = 0;
        foreach (var stack in assembly.Stacks)
            foreach (var id in stack.Resources.Where(e => Type(e.Value)?.StartsWith(typePrefix, StringComparison.Ordinal) == true).Select(e => e.Key).ToArray())
            {
                stack.Resources.Remove(id);
                removed++;
            }
        return removed;
    }

    public static int Kubernetes(CloudAssembly assembly, string version, string supportType) =>
        Set(assembly, "AWS::EKS::Cluster", "Version", version)
        + Set(assembly, "AWS::EKS::Cluster", "UpgradePolicy", new JsonObject { ["SupportType"] = supportType });

    public static int Nodes(CloudAssembly assembly, string capacityType, IReadOnlyList<string> instanceTypes, int desired, int min, int max, int diskGb)
    {
        const string nodegroup = "AWS::EKS::Nodegroup";
        return Set(assembly, nodegroup, "CapacityType", capacityType)
               + Set(assembly, nodegroup, "InstanceTypes", new JsonArray(instanceTypes.Select(t => (JsonNode)t!).ToArray()))
               + Set(assembly, nodegroup, "ScalingConfig", new JsonObject { ["DesiredSize"] = desired, ["MinSize"] = min, ["MaxSize"] = max })
               + Set(assembly, nodegroup, "DiskSize", diskGb);
    }

    /// <summary>Graviton database and cache classes to their x86 (t3) equivalents.</summary>
    public static int X86DataClasses(CloudAssembly assembly) =>
        Map(assembly, "AWS::RDS::DBInstance", "DBInstanceClass", ToX86)
        + Map(assembly, "AWS::ElastiCache::ReplicationGroup", "CacheNodeType", ToX86)
        + Map(assembly, "AWS::ElastiCache::CacheCluster", "CacheNodeType", ToX86);

    /// <summary>The instance type of the workload instances (every EC2 instance that is not a NAT instance).</summary>
    public static int WorkloadInstanceType(CloudAssembly assembly, string type) =>
        Set(assembly, Instance, "InstanceType", type, IsWorkload);

    /// <summary>Workload instances keep one root volume of <paramref name="gb"/> and lose the separate volumes of their stack.</summary>
    public static int WorkloadRootVolumeOnly(CloudAssembly assembly, int gb)
    {
        var changed = 0;
        foreach (var (stack, _, body) in Of(assembly, Instance).Where(r => IsWorkload(r.Body)))
        {
            Props(body)["BlockDeviceMappings"] = new JsonArray(new JsonObject
            {
                ["DeviceName"] = "/dev/xvda",
                ["Ebs"] = new JsonObject { ["VolumeSize"] = gb, ["VolumeType"] = "gp3" },
            });
            Props(body).Remove("Volumes"); // the attachments of the volumes removed below
            var volumes = stack.Resources.Where(e => Type(e.Value) is "AWS::EC2::Volume" or "AWS::EC2::VolumeAttachment").Select(e => e.Key).ToArray();
            foreach (var id in volumes) stack.Resources.Remove(id);
            changed += 1 + volumes.Length;
        }
        return changed;
    }

    /// <summary>The data volumes of workload instances (their block device mappings other than the root's, and any separate volume).</summary>
    public static int WorkloadDataVolumeSize(CloudAssembly assembly, int gb)
    {
        var changed = Set(assembly, "AWS::EC2::Volume", "Size", gb);
        foreach (var (_, _, body) in Of(assembly, Instance).Where(r => IsWorkload(r.Body)))
            foreach (var ebs in (Props(body)["BlockDeviceMappings"] as JsonArray ?? []).OfType<JsonObject>()
                         .Where(m => !ComputePricers.IsRootDevice(Literal.String(m["DeviceName"]))).Select(m => m["Ebs"]).OfType<JsonObject>())
            {
                if (Literal.Number(ebs["VolumeSize"]) == gb) continue;
                ebs["VolumeSize"] = gb;
                changed++;
            }
        return changed;
    }

    public static int Set(CloudAssembly assembly, string type, string property, JsonNode value, Func<JsonObject, bool>? where = null)
    {
        var changed = 0;
        foreach (var (_, _, body) in Of(assembly, type))
        {
            if (where?.Invoke(body) == false || JsonNode.DeepEquals(Props(body)[property], value)) continue;
            Props(body)[property] = value.DeepClone();
            changed++;
        }
        return changed;
    }

    private static int Map(CloudAssembly assembly, string type, string property, Func<string, string> map)
    {
        var changed = 0;
        foreach (var (_, _, body) in Of(assembly, type))
        {
            if (Literal.String(Props(body)[property]) is not { } value || map(value) == value) continue;
            Props(body)[property] = map(value);
            changed++;
        }
        return changed;
    }

    private static string ToX86(string instanceClass) => instanceClass.Replace(".t4g.", ".t3.", StringComparison.Ordinal);

    private static bool IsWorkload(JsonObject body) => Literal.Bool(Props(body)["SourceDestCheck"]) != false;

    private static (StackTemplate Stack, string Id, JsonObject Body)[] Of(CloudAssembly assembly, string type) =>
        assembly.Stacks.SelectMany(s => s.Resources.Where(e => Type(e.Value) == type).Select(e => (s, e.Key, (JsonObject)e.Value!))).ToArray();

    private static string? Type(JsonNode? body) => Literal.String(body?["Type"]);

    private static JsonObject Props(JsonObject body) => body["Properties"] as JsonObject ?? (JsonObject)(body["Properties"] = new JsonObject());

    private static JsonObject Resource(string type, JsonObject properties) => new() { ["Type"] = type, ["Properties"] = properties };
}
