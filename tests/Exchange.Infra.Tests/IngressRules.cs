using System.Text.Json.Nodes;
using Exchange.Contracts;

namespace Exchange.Infra.Tests;

/// <summary>One ingress rule, resolved across stacks: which group it opens, what, and to whom.</summary>
public sealed record IngressRule(StackKind TargetStack, string TargetGroup, string Protocol, int? FromPort, int? ToPort, string Source);

/// <summary>
/// Every ingress rule of the app: inline rules of AWS::EC2::SecurityGroup and standalone
/// AWS::EC2::SecurityGroupIngress resources, with cross-stack imports followed to the exporting stack.
/// </summary>
public static class IngressRules
{
    public static IReadOnlyList<IngressRule> Of(SynthesizedApp app)
    {
        var rules = new List<IngressRule>();
        foreach (var (kind, template) in app.Json)
        {
            foreach (var (id, resource) in TemplateJson.AllResources(template))
            {
                var properties = TemplateJson.Properties(resource);
                switch (TemplateJson.Type(resource))
                {
                    case "AWS::EC2::SecurityGroup":
                        foreach (var rule in properties["SecurityGroupIngress"]?.AsArray() ?? [])
                        {
                            rules.Add(Rule(app, kind, (kind, id), rule!.AsObject()));
                        }

                        break;
                    case "AWS::EC2::SecurityGroupIngress":
                        rules.Add(Rule(app, kind, Group(app, kind, properties["GroupId"]), properties));
                        break;
                }
            }
        }

        return rules;
    }

    private static IngressRule Rule(SynthesizedApp app, StackKind kind, (StackKind Stack, string Id) target, JsonObject rule) => new(
        target.Stack,
        target.Id,
        (string)rule["IpProtocol"]!,
        (int?)rule["FromPort"],
        (int?)rule["ToPort"],
        Source(app, kind, rule));

    private static string Source(SynthesizedApp app, StackKind kind, JsonObject rule)
    {
        if (rule["CidrIp"] is { } cidr)
        {
            return "cidr:" + (cidr is JsonValue ? (string)cidr! : cidr.ToJsonString());
        }

        if (rule["CidrIpv6"] is { } cidr6)
        {
            return "cidr6:" + (cidr6 is JsonValue ? (string)cidr6! : cidr6.ToJsonString());
        }

        var source = rule["SourceSecurityGroupId"] ?? throw new InvalidOperationException($"Rule without a source: {rule.ToJsonString()}");
        var (stack, id) = Group(app, kind, source, attribute: null);
        var attribute = Resolve(app, kind, source).Attribute;
        return $"sg:{stack}/{id}.{attribute}";
    }

    private static (StackKind Stack, string Id) Group(SynthesizedApp app, StackKind kind, JsonNode? groupId, string? attribute = "GroupId")
    {
        var (stack, id, attr) = Resolve(app, kind, groupId);
        // The EKS-created cluster security group (the nodes' group) is named by its cluster: "Cluster.ClusterSecurityGroupId".
        if (attribute is not null && attr == "ClusterSecurityGroupId")
        {
            return (stack, $"{id}.{attr}");
        }

        if (attribute is not null && attr != attribute)
        {
            throw new InvalidOperationException($"GroupId is not a security group's GroupId: {groupId?.ToJsonString()}");
        }

        return (stack, id);
    }

    /// <summary>Follows Fn::GetAtt in the same stack, or Fn::ImportValue to the stack whose output exports it.</summary>
    private static (StackKind Stack, string Id, string Attribute) Resolve(SynthesizedApp app, StackKind kind, JsonNode? node)
    {
        if (node?["Fn::GetAtt"] is JsonArray getAtt)
        {
            return (kind, (string)getAtt[0]!, (string)getAtt[1]!);
        }

        if (TemplateJson.ImportName(node) is { } import)
        {
            foreach (var (exporter, template) in app.Json)
            {
                foreach (var output in template["Outputs"]?.AsObject() ?? [])
                {
                    if ((string?)output.Value!["Export"]?["Name"] == import)
                    {
                        return Resolve(app, exporter, output.Value["Value"]);
                    }
                }
            }

            throw new InvalidOperationException($"No stack exports {import}.");
        }

        throw new InvalidOperationException($"Cannot resolve {node?.ToJsonString()}.");
    }
}
