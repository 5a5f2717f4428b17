using System.Globalization;
using System.Text.Json.Nodes;

namespace Exchange.Build.Cost;

/// <summary>EKS control plane and nodes, EC2 instances and EBS volumes.</summary>
public static class ComputePricers
{
    public static Priced EksCluster(PricingInput p)
    {
        var eks = p.Prices.Eks;
        var version = Literal.String(p.Resource.Properties["Version"]);
        var policy = Literal.String(p.Resource.Properties["UpgradePolicy"]?["SupportType"]) ?? "EXTENDED"; // CloudFormation's default
        var pastStandard = version is not null && eks.VersionsPastStandardSupport.Contains(version, StringComparer.Ordinal);
        var extended = pastStandard && policy != "STANDARD";
        var billed = $"control plane, Kubernetes {version ?? "(EKS default)"}, " + (extended ? "extended support"
            : pastStandard ? "standard support (past its end: EKS upgrades it)" : "standard support");
        return Priced.Of(p.Hourly(billed, extended ? eks.ExtendedPerHour : eks.StandardPerHour));
    }

    /// <summary>DesiredSize nodes of the dearest listed instance type, Spot at the assumed discount; their root disks.</summary>
    public static Priced Nodegroup(PricingInput p)
    {
        var props = p.Resource.Properties;
        if (props["LaunchTemplate"] is not null) return Priced.NotPriced("the node group uses a launch template (instance type and disk come from it)");
        if (Literal.String(props["AmiType"])?.Contains("WINDOWS", StringComparison.Ordinal) == true)
            return Priced.NotPriced("Windows nodes: the table holds Linux prices");
        if (Literal.Number(props["ScalingConfig"]?["DesiredSize"]) is not { } nodes) return Priced.NotPriced("ScalingConfig.DesiredSize is not a literal");
        var types = Literal.Strings(props["InstanceTypes"]) is { Count: > 0 } listed ? listed : ["t3.medium"]; // EKS's default
        var missing = types.Where(t => !p.Prices.Ec2.ContainsKey(t)).ToArray();
        if (missing.Length > 0) return Priced.NotPriced($"no price for instance type(s) {string.Join(", ", missing)}");

        var spot = Literal.String(props["CapacityType"]) == "SPOT";
        var dearest = types.MaxBy(t => p.Prices.Ec2[t].OnDemand)!;
        var hourly = spot ? p.Prices.SpotHourly(dearest) : p.Prices.Ec2[dearest].OnDemand;
        var estimate = p.Prices.Ec2[dearest].Estimate || (spot && p.Prices.Spot.Estimate);
        var which = types.Count > 1 ? $" (the dearer of {string.Join(", ", types)})" : "";
        var compute = new Charge($"{Count(nodes)} x {dearest} {(spot ? "spot" : "on-demand")} node{Plural(nodes)}{which}",
            nodes * hourly * p.Hours, StopsWhenPaused: p.Plan.Stops(p.Resource), Estimate: estimate);

        var disk = Literal.Number(props["DiskSize"]) ?? 20; // EKS's default
        var (storage, unpriced) = p.Storage($"{Count(nodes)} x {Count(disk)} GB gp3 node root volume{Plural(nodes)}",
            p.Prices.EbsPerGbMonth, "gp3", nodes * disk, stopsWhenPaused: p.Plan.Stops(p.Resource));
        return new Priced([compute, .. Some(storage)], [.. Some(unpriced)]);
    }

    /// <summary>Instance hours (stopped by Pause in the plan's stacks), root volumes, and an auto-assigned public IPv4.</summary>
    public static Priced Instance(PricingInput p)
    {
        var r = p.Resource;
        var stops = p.Plan.Stops(r);
        var charges = new List<Charge>();
        var unpriced = new List<string>();
        var type = Literal.String(r.Properties["InstanceType"]);
        var nat = Literal.Bool(r.Properties["SourceDestCheck"]) == false ? " (NAT instance)" : "";
        if (type is not null && p.Prices.Ec2.TryGetValue(type, out var price))
            charges.Add(p.Hourly($"{type} on-demand{nat}", new Rate(price.OnDemand, price.Estimate), stopsWhenPaused: stops));
        else unpriced.Add($"no price for instance type '{type ?? "(not a literal)"}'");

        foreach (var (gb, volumeType, assumed, role) in InstanceVolumes(r.Properties, p.Prices.Usage.RootVolumeGbWhenUnspecified))
        {
            var (charge, why) = p.Storage($"{Count(gb)} GB {volumeType} {role} volume{(assumed ? " (size assumed)" : "")}",
                p.Prices.EbsPerGbMonth, volumeType, gb, estimatedSize: assumed);
            charges.AddRange(Some(charge));
            unpriced.AddRange(Some(why));
        }

        switch (PublicIpv4(r))
        {
            case true: charges.Add(p.Hourly("public IPv4 address", p.Prices.PublicIpv4PerHour, stopsWhenPaused: stops)); break;
            case null: unpriced.Add("whether it gets a public IPv4 depends on a subnet outside this template"); break;
        }
        return new Priced(charges, unpriced);
    }

    public static Priced Volume(PricingInput p)
    {
        var props = p.Resource.Properties;
        if (Literal.Number(props["Size"]) is not { } gb) return Priced.NotPriced("Size is not a literal");
        var type = Literal.String(props["VolumeType"]) ?? "gp2"; // CloudFormation's default
        var (charge, unpriced) = p.Storage($"{Count(gb)} GB {type} volume (bills while detached or stopped)", p.Prices.EbsPerGbMonth, type, gb);
        var extra = Literal.Number(props["Iops"]) > 3000 || Literal.Number(props["Throughput"]) > 125
            ? "IOPS or throughput above the gp3 baseline" : null;
        return new Priced([.. Some(charge)], [.. Some(unpriced), .. Some(extra)]);
    }

    /// <summary>The root device names of the AMIs these stacks use (AL2023: /dev/xvda); any other mapping is a data volume.</summary>
    private static readonly string[] RootDevices = ["/dev/xvda", "/dev/sda1"];

    internal static bool IsRootDevice(string? deviceName) => deviceName is null || RootDevices.Contains(deviceName, StringComparer.Ordinal);

    /// <summary>The EBS volumes of the instance's block device mappings (created and deleted with it): the root and any data volume.</summary>
    private static IEnumerable<(decimal Gb, string Type, bool Assumed, string Role)> InstanceVolumes(JsonObject props, decimal assumedGb)
    {
        var mappings = (props["BlockDeviceMappings"] as JsonArray ?? []).OfType<JsonObject>().Where(m => m["Ebs"] is JsonObject).ToArray();
        if (mappings.Length == 0) return [(assumedGb, "gp3", true, "root")];
        return mappings.Select(m =>
        {
            var ebs = (JsonObject)m["Ebs"]!;
            var role = IsRootDevice(Literal.String(m["DeviceName"])) ? "root" : "data";
            return Literal.Number(ebs["VolumeSize"]) is { } size
                ? (size, Literal.String(ebs["VolumeType"]) ?? "gp3", false, role)
                : (assumedGb, Literal.String(ebs["VolumeType"]) ?? "gp3", true, role);
        });
    }

    /// <summary>True or false when the template says; null when it depends on a subnet defined elsewhere.</summary>
    private static bool? PublicIpv4(TemplateResource r)
    {
        var nic = (r.Properties["NetworkInterfaces"] as JsonArray)?.FirstOrDefault();
        if (Literal.Bool(nic?["AssociatePublicIpAddress"]) is { } explicitly) return explicitly;
        var subnet = nic?["SubnetId"] ?? r.Properties["SubnetId"];
        if (subnet is null) return false; // default VPC placement is not used by these stacks
        return r.Sibling(subnet) is { } local ? Literal.Bool(local["Properties"]?["MapPublicIpOnLaunch"]) ?? false : null;
    }

    internal static IEnumerable<T> Some<T>(T? value) where T : class => value is null ? [] : [value];
    internal static string Count(decimal n) => n.ToString("0.##", CultureInfo.InvariantCulture);
    private static string Plural(decimal n) => n == 1 ? "" : "s";
}
