using System.Text.Json.Nodes;

namespace Exchange.AwsStandIn;

/// <summary>A target's health as Elastic Load Balancing reports it: a state, and for an unhealthy one a reason code and text.</summary>
public sealed record TargetHealthState(string State, string? Reason = null, string? Description = null)
{
    public static readonly TargetHealthState Healthy = new("healthy");
}

/// <summary>
/// Application Load Balancers, target groups and the Auto Scaling groups EKS makes for managed node groups: what CloudFormation
/// creates (<see cref="Provisioner"/>) and what the pipeline asks of them (Auto Scaling: DescribeAutoScalingGroups,
/// AttachLoadBalancerTargetGroups; ELBv2: DescribeTargetHealth, and a listener's rules: DescribeRules, CreateRule with path-pattern
/// conditions, forward actions and url-rewrite transforms, DeleteRule). A node group's Auto Scaling group has as many instances as the
/// node group wants (its scalingConfig.desiredSize), so scaling to 0 empties the target group as in AWS. Targets are healthy
/// unless a test says otherwise (<see cref="Cloud.TargetHealth"/>).
/// </summary>
public static class LoadBalancing
{
    // ---- what CloudFormation makes ----

    /// <summary>The load balancer's or target group's name as CloudFormation generates it (at most 32 characters).</summary>
    public static string GeneratedName(StackContext s, string id) =>
        $"{Short(s.StackName)}-{Short(id)}-{s.Hex(12, id, "name").ToUpperInvariant()}";

    private static string Short(string text) => new string(text.Where(char.IsLetterOrDigit).ToArray())[..Math.Min(5, text.Count(char.IsLetterOrDigit))];

    public static string LoadBalancerArn(StackContext s, string id) =>
        $"arn:aws:elasticloadbalancing:{s.Cloud.Region}:{s.Cloud.Account}:loadbalancer/app/{GeneratedName(s, id)}/{s.Hex(16, id)}";

    public static string TargetGroupArn(StackContext s, string id) =>
        $"arn:aws:elasticloadbalancing:{s.Cloud.Region}:{s.Cloud.Account}:targetgroup/{GeneratedName(s, id)}/{s.Hex(16, id)}";

    public static string ListenerArn(StackContext s, string id) =>
        $"arn:aws:elasticloadbalancing:{s.Cloud.Region}:{s.Cloud.Account}:listener/app/{Short(s.StackName)}/{s.Hex(16, id, "lb")}/{s.Hex(16, id)}";

    public static JsonNode? Attribute(StackContext s, string id, string attribute)
    {
        var name = GeneratedName(s, id);
        return (s.Type(id), attribute) switch
        {
            ("AWS::ElasticLoadBalancingV2::LoadBalancer", "DNSName") =>
                $"{name}-{Convert.ToInt64(s.Hex(8, id, "dns"), 16) % 1000000000}.{s.Cloud.Region}.elb.amazonaws.com",
            ("AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancerFullName") => $"app/{name}/{s.Hex(16, id)}",
            ("AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancerName") => name,
            ("AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancerArn") => LoadBalancerArn(s, id),
            ("AWS::ElasticLoadBalancingV2::LoadBalancer", "CanonicalHostedZoneID") => "ZWKZPGTI48KDX",
            ("AWS::ElasticLoadBalancingV2::TargetGroup", "TargetGroupArn") => TargetGroupArn(s, id),
            ("AWS::ElasticLoadBalancingV2::TargetGroup", "TargetGroupName") => name,
            ("AWS::ElasticLoadBalancingV2::TargetGroup", "TargetGroupFullName") => $"targetgroup/{name}/{s.Hex(16, id)}",
            ("AWS::ElasticLoadBalancingV2::Listener", "ListenerArn") => ListenerArn(s, id),
            _ => null,
        };
    }

    /// <summary>A load balancer is known to the tagging API with its tags; a target group to ELB with its port.</summary>
    public static void Apply(StackContext s, string id, string physicalId)
    {
        var c = s.Cloud;
        switch (s.Type(id))
        {
            case "AWS::ElasticLoadBalancingV2::LoadBalancer":
                c.TaggedResources.RemoveAll(t => t["ResourceARN"]!.GetValue<string>() == physicalId);
                c.TaggedResources.Add(new JsonObject
                {
                    ["ResourceARN"] = physicalId,
                    ["Tags"] = new JsonArray((s.Resolved(id, "Tags") as JsonArray ?? []).Select(t => (JsonNode)new JsonObject
                    {
                        ["Key"] = t!["Key"]!.ToString(), ["Value"] = t["Value"]!.ToString(),
                    }).ToArray()),
                });
                break;
            case "AWS::ElasticLoadBalancingV2::TargetGroup":
                c.TargetGroups[physicalId] = new JsonObject
                {
                    ["TargetGroupArn"] = physicalId, ["Port"] = int.TryParse(s.Property(id, "Port"), out var port) ? port : 80,
                    ["TargetType"] = s.Property(id, "TargetType") ?? "instance",
                };
                break;
            case "AWS::ElasticLoadBalancingV2::Listener":
                var listener = c.Listeners.GetValueOrDefault(physicalId) ?? new JsonObject { ["Rules"] = new JsonArray() };
                listener["DefaultTargetGroupArn"] = s.Resolved(id, "DefaultActions")?[0]?["TargetGroupArn"]?.ToString();
                c.Listeners[physicalId] = listener;
                break;
        }
    }

    public static void Remove(Cloud c, string type, string physicalId)
    {
        switch (type)
        {
            case "AWS::ElasticLoadBalancingV2::LoadBalancer":
                c.TaggedResources.RemoveAll(t => t["ResourceARN"]!.GetValue<string>() == physicalId);
                break;
            case "AWS::ElasticLoadBalancingV2::TargetGroup":
                c.TargetGroups.Remove(physicalId);
                break;
            case "AWS::ElasticLoadBalancingV2::Listener":
                c.Listeners.Remove(physicalId); // its rules go with it, as in AWS
                break;
        }
    }

    /// <summary>EKS makes one Auto Scaling group per managed node group (eks-NODEGROUP-UUID) and names it in describe-nodegroup.</summary>
    public static string NodegroupAutoScalingGroup(Cloud c, string cluster, string nodegroup)
    {
        var existing = c.AutoScalingGroups.Values.FirstOrDefault(g => g["Nodegroup"]!.GetValue<string>() == $"{cluster}/{nodegroup}");
        if (existing is not null) return existing["AutoScalingGroupName"]!.GetValue<string>();
        var uuid = c.Hex(32, cluster, nodegroup, "asg");
        var name = $"eks-{nodegroup}-{uuid[..8]}-{uuid[8..12]}-{uuid[12..16]}-{uuid[16..20]}-{uuid[20..]}";
        c.AutoScalingGroups[name] = new JsonObject
        {
            ["AutoScalingGroupName"] = name, ["Nodegroup"] = $"{cluster}/{nodegroup}", ["Cluster"] = cluster,
            ["AutoScalingGroupARN"] = $"arn:aws:autoscaling:{c.Region}:{c.Account}:autoScalingGroup:{c.Hex(36, name)}:autoScalingGroupName/{name}",
            ["TargetGroupARNs"] = new JsonArray(), ["CreatedTime"] = Cloud.Time(DateTimeOffset.UtcNow),
        };
        return name;
    }

    public static void RemoveNodegroup(Cloud c, string nodegroupKey)
    {
        foreach (var name in c.AutoScalingGroups.Where(g => g.Value["Nodegroup"]!.GetValue<string>() == nodegroupKey).Select(g => g.Key).ToList())
            c.AutoScalingGroups.Remove(name);
    }

    /// <summary>The instances of a node group's Auto Scaling group: as many as the node group wants now.</summary>
    public static IReadOnlyList<string> Instances(Cloud c, JsonObject group)
    {
        var nodegroup = c.Nodegroups.GetValueOrDefault(group["Nodegroup"]!.GetValue<string>());
        var desired = nodegroup?["scalingConfig"]?["desiredSize"]?.GetValue<int>() ?? 0;
        var name = group["AutoScalingGroupName"]!.GetValue<string>();
        return Enumerable.Range(0, desired).Select(n => "i-0" + c.Hex(16, name, $"{n}")).ToArray();
    }

    private static string Zone(Cloud c, int n) => c.Region + (n % 2 == 0 ? "a" : "c");

    // ---- the API ----

    /// <summary>autoscaling:DescribeAutoScalingGroups, for the named groups (or all).</summary>
    public static JsonObject DescribeAutoScalingGroups(Cloud c, AwsRequest r)
    {
        var names = r.List("AutoScalingGroupNames");
        return new()
        {
            ["AutoScalingGroups"] = new JsonArray(c.AutoScalingGroups.Values
                .Where(g => names.Count == 0 || names.Contains(g["AutoScalingGroupName"]!.GetValue<string>()))
                .Select(g => (JsonNode)Describe(c, g)).ToArray()),
        };
    }

    private static JsonObject Describe(Cloud c, JsonObject group)
    {
        var name = group["AutoScalingGroupName"]!.GetValue<string>();
        var scaling = c.Nodegroups.GetValueOrDefault(group["Nodegroup"]!.GetValue<string>())?["scalingConfig"];
        int Size(string key) => scaling?[key]?.GetValue<int>() ?? 0;
        var instances = Instances(c, group);
        JsonObject Tag(string key, string value) => new()
        {
            ["ResourceId"] = name, ["ResourceType"] = "auto-scaling-group", ["Key"] = key, ["Value"] = value, ["PropagateAtLaunch"] = true,
        };
        return new JsonObject
        {
            ["AutoScalingGroupName"] = name, ["AutoScalingGroupARN"] = group["AutoScalingGroupARN"]!.DeepClone(),
            ["MinSize"] = Size("minSize"), ["MaxSize"] = Size("maxSize"), ["DesiredCapacity"] = Size("desiredSize"), ["DefaultCooldown"] = 300,
            ["AvailabilityZones"] = new JsonArray(Zone(c, 0), Zone(c, 1)), ["HealthCheckType"] = "EC2", ["HealthCheckGracePeriod"] = 15,
            ["TargetGroupARNs"] = group["TargetGroupARNs"]!.DeepClone(), ["CreatedTime"] = group["CreatedTime"]!.DeepClone(),
            ["Instances"] = new JsonArray(instances.Select((id, n) => (JsonNode)new JsonObject
            {
                ["InstanceId"] = id, ["InstanceType"] = "t3.medium", ["AvailabilityZone"] = Zone(c, n), ["LifecycleState"] = "InService",
                ["HealthStatus"] = "Healthy", ["ProtectedFromScaleIn"] = false,
            }).ToArray()),
            ["Tags"] = new JsonArray(Tag("eks:cluster-name", group["Cluster"]!.GetValue<string>()),
                Tag("eks:nodegroup-name", group["Nodegroup"]!.GetValue<string>().Split('/')[1])),
        };
    }

    /// <summary>autoscaling:AttachLoadBalancerTargetGroups: additive, as in AWS; the group registers its instances on the target group's port.</summary>
    public static JsonObject AttachLoadBalancerTargetGroups(Cloud c, AwsRequest r)
    {
        var name = r.Required("AutoScalingGroupName");
        var group = c.AutoScalingGroups.GetValueOrDefault(name)
                    ?? throw new AwsError("ValidationError", $"AutoScalingGroup name not found - AutoScalingGroup '{name}' not found");
        var arns = group["TargetGroupARNs"]!.AsArray();
        foreach (var arn in r.List("TargetGroupARNs"))
        {
            if (!c.TargetGroups.ContainsKey(arn)) throw new AwsError("ValidationError", $"Provided Target Groups may not be valid. {arn} not found");
            if (!arns.Any(a => a!.GetValue<string>() == arn)) arns.Add(arn);
        }
        return [];
    }

    /// <summary>AutoScaling ARN IAM authorizes AttachLoadBalancerTargetGroups against.</summary>
    public static string AutoScalingGroupArn(Cloud c, string region, string name) =>
        c.AutoScalingGroups.GetValueOrDefault(name)?["AutoScalingGroupARN"]?.GetValue<string>()
        ?? $"arn:aws:autoscaling:{region}:{c.Account}:autoScalingGroup:*:autoScalingGroupName/{name}";

    /// <summary>elasticloadbalancing:DescribeTargetHealth: the instances of every Auto Scaling group attached to the group.</summary>
    public static JsonObject DescribeTargetHealth(Cloud c, AwsRequest r)
    {
        var arn = r.Required("TargetGroupArn");
        var targetGroup = c.TargetGroups.GetValueOrDefault(arn)
                          ?? throw new AwsError("TargetGroupNotFound", $"Target groups '{arn}' not found");
        var port = targetGroup["Port"]!.GetValue<int>();
        var targets = c.AutoScalingGroups.Values
            .Where(g => g["TargetGroupARNs"]!.AsArray().Any(a => a!.GetValue<string>() == arn))
            .SelectMany(g => Instances(c, g).Select((id, n) => (Id: id, Zone: Zone(c, n))));
        var inUse = c.Listeners.Values.Any(l => l["DefaultTargetGroupArn"]?.ToString() == arn
                                                || l["Rules"]!.AsArray().Any(rule => rule!["Actions"]![0]!["TargetGroupArn"]?.ToString() == arn));
        return new()
        {
            ["TargetHealthDescriptions"] = new JsonArray(targets.Select(t =>
            {
                // As in AWS: a group no listener rule forwards to has its targets "unused", not health-checked.
                var health = inUse ? c.TargetHealth(arn, t.Id)
                    : new TargetHealthState("unused", "Target.NotInUse", "Target group is not configured to receive traffic from the load balancer");
                var state = new JsonObject { ["State"] = health.State };
                if (health.Reason is not null) state["Reason"] = health.Reason;
                if (health.Description is not null) state["Description"] = health.Description;
                return (JsonNode)new JsonObject
                {
                    ["Target"] = new JsonObject { ["Id"] = t.Id, ["Port"] = port, ["AvailabilityZone"] = t.Zone },
                    ["HealthCheckPort"] = $"{port}", ["TargetHealth"] = state,
                };
            }).ToArray()),
        };
    }

    // ---- a listener's rules ----

    private static JsonObject Listener(Cloud c, string arn) =>
        c.Listeners.GetValueOrDefault(arn) ?? throw new AwsError("ListenerNotFound", "One or more listeners not found");

    /// <summary>elasticloadbalancing:DescribeRules of a listener: its rules by priority, then the default one.</summary>
    public static JsonObject DescribeRules(Cloud c, AwsRequest r)
    {
        var arn = r.Required("ListenerArn");
        var listener = Listener(c, arn);
        var rules = listener["Rules"]!.AsArray().Select(rule => rule!.DeepClone())
            .OrderBy(rule => int.Parse(rule!["Priority"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        rules.Add(new JsonObject
        {
            ["RuleArn"] = RuleArn(c, arn, "default"), ["Priority"] = "default", ["Conditions"] = new JsonArray(), ["IsDefault"] = true,
            ["Actions"] = new JsonArray(new JsonObject
            {
                ["Type"] = "forward", ["TargetGroupArn"] = listener["DefaultTargetGroupArn"]?.ToString(), ["Order"] = 1,
            }),
        });
        return new() { ["Rules"] = new JsonArray(rules.ToArray()) };
    }

    /// <summary>
    /// elasticloadbalancing:CreateRule: path-pattern conditions, one forward action, url-rewrite transforms. As AWS: a priority in use is
    /// refused (PriorityInUse), so is a target group that does not exist (TargetGroupNotFound).
    /// </summary>
    public static JsonObject CreateRule(Cloud c, AwsRequest r)
    {
        var arn = r.Required("ListenerArn");
        var listener = Listener(c, arn);
        var priority = r.Required("Priority");
        if (listener["Rules"]!.AsArray().Any(rule => rule!["Priority"]!.GetValue<string>() == priority))
            throw new AwsError("PriorityInUse", $"Priority '{priority}' is currently in use");
        var conditions = new JsonArray();
        for (var i = 1; r.Param($"Conditions.member.{i}.Field") is { } field; i++)
        {
            var values = r.List($"Conditions.member.{i}.PathPatternConfig.Values");
            if (field != "path-pattern" || values.Count == 0)
                throw new AwsError("ValidationError", $"The stand-in implements path-pattern conditions only (got '{field}')");
            conditions.Add(new JsonObject
            {
                ["Field"] = field, ["PathPatternConfig"] = new JsonObject { ["Values"] = new JsonArray(values.Select(v => (JsonNode)v).ToArray()) },
            });
        }
        var targetGroup = r.Required("Actions.member.1.TargetGroupArn");
        if (r.Param("Actions.member.1.Type") != "forward") throw new AwsError("ValidationError", "The stand-in implements forward actions only");
        if (!c.TargetGroups.ContainsKey(targetGroup)) throw new AwsError("TargetGroupNotFound", $"Target groups '{targetGroup}' not found");
        var rule = new JsonObject
        {
            ["RuleArn"] = RuleArn(c, arn, priority), ["Priority"] = priority, ["Conditions"] = conditions, ["IsDefault"] = false,
            ["Actions"] = new JsonArray(new JsonObject { ["Type"] = "forward", ["TargetGroupArn"] = targetGroup, ["Order"] = 1 }),
        };
        var transforms = new JsonArray();
        for (var i = 1; r.Param($"Transforms.member.{i}.Type") is { } type; i++)
        {
            var prefix = $"Transforms.member.{i}.UrlRewriteConfig.Rewrites.member.1.";
            if (type != "url-rewrite" || r.Param(prefix + "Regex") is not { } regex)
                throw new AwsError("ValidationError", $"The stand-in implements url-rewrite transforms only (got '{type}')");
            transforms.Add(new JsonObject
            {
                ["Type"] = type,
                ["UrlRewriteConfig"] = new JsonObject
                {
                    ["Rewrites"] = new JsonArray(new JsonObject { ["Regex"] = regex, ["Replace"] = r.Param(prefix + "Replace") ?? "" }),
                },
            });
        }
        if (transforms.Count > 0) rule["Transforms"] = transforms;
        listener["Rules"]!.AsArray().Add(rule);
        return new() { ["Rules"] = new JsonArray(rule.DeepClone()) };
    }

    /// <summary>elasticloadbalancing:DeleteRule; the default rule cannot be deleted (OperationNotPermitted).</summary>
    public static JsonObject DeleteRule(Cloud c, AwsRequest r)
    {
        var arn = r.Required("RuleArn");
        foreach (var listener in c.Listeners.Values)
        {
            var rules = listener["Rules"]!.AsArray();
            if (rules.FirstOrDefault(rule => rule!["RuleArn"]!.GetValue<string>() == arn) is { } rule)
            {
                rules.Remove(rule);
                return [];
            }
        }
        if (arn.EndsWith("/default", StringComparison.Ordinal)) throw new AwsError("OperationNotPermitted", "Default rule cannot be deleted");
        throw new AwsError("RuleNotFound", "One or more rules not found");
    }

    /// <summary>listener/app/NAME/LB-ID/LISTENER-ID becomes listener-rule/app/NAME/LB-ID/LISTENER-ID/RULE-ID, as in AWS.</summary>
    public static string RuleArn(Cloud c, string listenerArn, string priority) =>
        listenerArn.Replace(":listener/", ":listener-rule/", StringComparison.Ordinal) + "/" +
        (priority == "default" ? "default" : c.Hex(16, listenerArn, priority));
}
