using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using Exchange.Contracts;
using Exchange.Infra.Stacks;
using YamlDotNet.RepresentationModel;
using Props = System.Collections.Generic.Dictionary<string, object>;

namespace Exchange.Infra.Tests;

/// <summary>
/// The dev app synthesized with the backend's load balancer admitting the team's CIDRs, open to 0.0.0.0/0 (the explicit choice
/// Doctor warns about), and left out (<see cref="EksConfig.BackendLoadBalancer"/> false): the EKS stack's template of each.
/// </summary>
public sealed class BackendVariants : IDisposable
{
    public static readonly IReadOnlyList<string> TeamCidrs = ["203.0.113.0/24", "198.51.100.7/32"];

    private readonly string root = Directory.CreateTempSubdirectory("exchange-infra-backend-").FullName;

    public BackendVariants()
    {
        Restricted = Synth("restricted", new() { [ContextKeys.BackendPublicCidrs] = EksEndpointAccess.Format(TeamCidrs) });
        Open = Synth("open", new() { [ContextKeys.BackendPublicCidrs] = $"{EksEndpointAccess.Anywhere},{TeamCidrs[0]}" });
        Without = Synth("without", new() { [ContextKeys.BackendLoadBalancer] = "false" });
    }

    /// <summary>The EKS stack's template file with the load balancer admitting <see cref="TeamCidrs"/>.</summary>
    public string Restricted { get; }

    public string Open { get; }

    public string Without { get; }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string Synth(string name, Dictionary<string, string> context)
    {
        // Through InfraSettings.From, as `cdk synth -c backendPublicCidrs=...` does.
        var settings = InfraSettings.From(key => context.GetValueOrDefault(key), _ => null);
        var app = ExchangeApp.Create(settings, Path.Combine(root, name));
        var assembly = app.App.Synth();
        return Path.Combine(assembly.Directory, app.Stack<EksStack>().TemplateFile);
    }
}

/// <summary>
/// The backend behind an internet-facing Application Load Balancer in the Eks stack (infra/Constructs/BackendLoadBalancer.cs): where it
/// lives, who it admits (nobody by default, never 0.0.0.0/0 unless written), what it forwards to and how it checks health, the one rule
/// that lets it reach the nodes, its access logs, and the NetworkPolicy that admits it.
/// </summary>
[Collection(SynthesizedAppCollection.Name)]
public sealed class BackendLoadBalancerTests(SynthesizedApp app, BackendVariants variants) : IClassFixture<BackendVariants>
{
    private Template Template => app[StackKind.Eks];

    private KeyValuePair<string, JsonObject> One(string type) => app.Resources(StackKind.Eks, type).Single();

    private static JsonObject Props(KeyValuePair<string, JsonObject> resource) => TemplateJson.Properties(resource.Value);

    /// <summary>The main backend's target group: the listener's default action forwards to it (the preview slots' have no rule yet).</summary>
    private string MainTargetGroup() =>
        (string)Props(One("AWS::ElasticLoadBalancingV2::Listener"))["DefaultActions"]![0]!["TargetGroupArn"]!["Ref"]!;

    private static IReadOnlyList<JsonObject> Resources(JsonObject template, string type) =>
        TemplateJson.AllResources(template).Where(r => TemplateJson.Type(r.Resource) == type).Select(r => r.Resource).ToArray();

    [Fact]
    public void The_backend_load_balancer_is_an_internet_facing_application_load_balancer_in_the_public_subnets()
    {
        var balancer = Props(One("AWS::ElasticLoadBalancingV2::LoadBalancer"));

        Assert.Equal("application", (string?)balancer["Type"]);
        Assert.Equal("internet-facing", (string?)balancer["Scheme"]);
        Assert.Equal(2, balancer["Subnets"]!.AsArray().Count);
        Assert.All(balancer["Subnets"]!.AsArray(), s => Assert.Matches("^Exchange-dev-Vpc:ExportsOutputRefVpcPublicSubnet[12]", TemplateJson.ImportName(s)));
        Assert.True(TemplateJson.IsGetAtt(balancer["SecurityGroups"]![0], One("AWS::EC2::SecurityGroup").Key, "GroupId"));
        Assert.False(balancer.ContainsKey("Name")); // a replacement must be able to exist beside the old one
    }

    [Fact]
    public void By_default_the_load_balancer_admits_nobody_from_outside_and_nothing_admits_the_whole_internet()
    {
        Assert.Empty(app.Config.Of<EksConfig>().BackendPublicCidrs);
        Assert.Null(Props(One("AWS::EC2::SecurityGroup"))["SecurityGroupIngress"]);
        Assert.DoesNotContain(IngressRules.Of(app), r => r.Source.StartsWith("cidr", StringComparison.Ordinal) && r.TargetStack == StackKind.Eks);
        Assert.DoesNotContain(IngressRules.Of(app), r => r.Source is "cidr:0.0.0.0/0" or "cidr6:::/0");
        Template.HasOutput(Outputs.BackendPublicCidrs.Key, new Props { ["Value"] = EksEndpointAccess.PrivateOnly });
    }

    [Fact]
    public void Configured_cidrs_are_the_only_way_in_on_the_listener_port()
    {
        var template = EndpointVariants.Read(variants.Restricted);
        var group = Resources(template, "AWS::EC2::SecurityGroup").Single();

        var ingress = TemplateJson.Properties(group)["SecurityGroupIngress"]!.AsArray()
            .Select(r => ((string?)r!["CidrIp"], (string?)r["IpProtocol"], (int?)r["FromPort"], (int?)r["ToPort"])).ToArray();

        Assert.Equal(BackendVariants.TeamCidrs.Select(c => ((string?)c, (string?)"tcp", (int?)BackendAccess.ListenerPort, (int?)BackendAccess.ListenerPort)),
            ingress);
        Assert.Equal(EksEndpointAccess.Format(BackendVariants.TeamCidrs), (string?)template["Outputs"]![Outputs.BackendPublicCidrs.Key]!["Value"]);
        var report = NagCheck.Run([variants.Restricted]);
        Assert.True(report.Failures.Count == 0, report.Describe());
    }

    [Fact]
    public void An_open_load_balancer_is_only_there_when_written_and_cdk_nag_flags_it()
    {
        var group = Resources(EndpointVariants.Read(variants.Open), "AWS::EC2::SecurityGroup").Single();
        Assert.Contains(TemplateJson.Properties(group)["SecurityGroupIngress"]!.AsArray(), r => (string?)r!["CidrIp"] == EksEndpointAccess.Anywhere);

        var report = NagCheck.Run([variants.Open]);

        var failure = Assert.Single(report.Failures);
        Assert.Equal("AwsSolutions-EC23", failure.Rule);
    }

    [Fact]
    public void The_listener_forwards_http_to_an_instance_target_group_on_the_node_port_checked_on_the_readiness_path()
    {
        var (balancer, targetGroup) = (One("AWS::ElasticLoadBalancingV2::LoadBalancer").Key, MainTargetGroup());

        Template.HasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", new Props
        {
            ["LoadBalancerArn"] = new Props { ["Ref"] = balancer },
            ["Port"] = BackendAccess.ListenerPort,
            ["Protocol"] = "HTTP",
            ["DefaultActions"] = new object[] { new Props { ["Type"] = "forward", ["TargetGroupArn"] = new Props { ["Ref"] = targetGroup } } },
        });
        Assert.Equal(BackendAccess.NodePort, (int?)TemplateJson.Properties(app.Resources(StackKind.Eks, "AWS::ElasticLoadBalancingV2::TargetGroup")
            [targetGroup])["Port"]);
        Template.HasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", new Props
        {
            ["TargetType"] = "instance",
            ["Protocol"] = "HTTP",
            ["Port"] = BackendAccess.NodePort,
            ["HealthCheckPath"] = "/health/ready",
            ["HealthCheckPort"] = "traffic-port",
            ["HealthCheckProtocol"] = "HTTP",
            ["Matcher"] = new Props { ["HttpCode"] = "200" },
            ["TargetGroupAttributes"] = new object[] { new Props { ["Key"] = "deregistration_delay.timeout_seconds", ["Value"] = "30" } },
        });
        Template.ResourceCountIs("AWS::ElasticLoadBalancingV2::Listener", 1);
    }

    [Fact]
    public void Each_preview_slot_has_its_own_target_group_on_its_node_port_in_no_rule_and_the_outputs_list_them_in_slot_order()
    {
        var groups = app.Resources(StackKind.Eks, "AWS::ElasticLoadBalancingV2::TargetGroup");
        var main = MainTargetGroup();
        var slots = Assert.Single(app.Json[StackKind.Eks]!["Outputs"]![Outputs.BackendPreviewTargetGroupArns.Key]!["Value"]!["Fn::Join"]!
            .AsArray().Skip(1))!.AsArray().Select(r => (string)r!["Ref"]!).ToArray();

        Assert.Equal(Previews.MaxSlots + 1, groups.Count);
        Assert.Equal(Enumerable.Range(1, Previews.MaxSlots).Select(Previews.NodePort).ToArray(),
            slots.Select(k => (int)TemplateJson.Properties(groups[k])["Port"]!).ToArray());
        Assert.DoesNotContain(main, slots);
        // The Auto Scaling group is attached to every one of them: the node group is deleted before any.
        Assert.Subset(One("AWS::EKS::Nodegroup").Value["DependsOn"]!.AsArray().Select(d => (string)d!).ToHashSet(), slots.ToHashSet());
        // Every slot's group is checked as the main one is: only the port differs.
        var mainProps = TemplateJson.Properties(groups[main]).DeepClone().AsObject();
        mainProps.Remove("Port");
        foreach (var slot in slots)
        {
            var props = TemplateJson.Properties(groups[slot]).DeepClone().AsObject();
            props.Remove("Port");
            Assert.True(JsonNode.DeepEquals(mainProps, props), $"{slot}: {props.ToJsonString()}");
        }
        // Routes are DeployPreview's (a rule per preview, at run time): the template has none, and names the listener for them.
        Template.ResourceCountIs("AWS::ElasticLoadBalancingV2::ListenerRule", 0);
        Template.HasOutput(Outputs.BackendListenerArn.Key, new Props { ["Value"] = new Props { ["Ref"] = One("AWS::ElasticLoadBalancingV2::Listener").Key } });
    }

    [Fact]
    public void The_nodes_admit_the_node_port_from_the_load_balancers_group_only_and_it_may_reach_nothing_else()
    {
        var group = One("AWS::EC2::SecurityGroup");

        var fromBalancer = IngressRules.Of(app).Where(r => r.FromPort == BackendAccess.NodePort).ToArray();
        // The main backend's NodePort, then one per preview slot: one range, from the load balancer's group only.
        var egress = Props(group)["SecurityGroupEgress"]!.AsArray();

        Assert.Equal([new IngressRule(StackKind.Eks, "Cluster.ClusterSecurityGroupId", "tcp", BackendAccess.NodePort, Previews.LastNodePort,
            $"sg:Eks/{group.Key}.GroupId")], fromBalancer);
        var only = Assert.Single(egress);
        Assert.True(TemplateJson.IsGetAtt(only!["DestinationSecurityGroupId"], EksStack.ClusterLogicalId, "ClusterSecurityGroupId"));
        Assert.Equal(("tcp", BackendAccess.NodePort, Previews.LastNodePort), ((string?)only["IpProtocol"], (int?)only["FromPort"], (int?)only["ToPort"]));
    }

    [Fact]
    public void Access_logs_go_to_the_logs_bucket_under_a_prefix_its_policy_lets_elastic_load_balancing_write()
    {
        var attributes = Props(One("AWS::ElasticLoadBalancingV2::LoadBalancer"))["LoadBalancerAttributes"]!.AsArray()
            .ToDictionary(a => (string)a!["Key"]!, a => a!["Value"]!);
        var statement = TemplateJson.AllResources(app.Json[StackKind.Storage])
            .Where(r => TemplateJson.Type(r.Resource) == "AWS::S3::BucketPolicy")
            .SelectMany(r => TemplateJson.Properties(r.Resource)["PolicyDocument"]!["Statement"]!.AsArray())
            .Single(s => (string?)s!["Sid"] == "LoadBalancerAccessLogs")!;

        Assert.Equal("true", (string?)attributes["access_logs.s3.enabled"]);
        Assert.Equal(Outputs.LogsBucketName.ExportName("dev"), TemplateJson.ImportName(attributes["access_logs.s3.bucket"]));
        Assert.Equal(StorageStack.LoadBalancerLogPrefix.TrimEnd('/'), (string?)attributes["access_logs.s3.prefix"]);
        Assert.Equal("true", (string?)attributes["routing.http.drop_invalid_header_fields.enabled"]);
        // Seoul's Elastic Load Balancing account writes the logs, only under the prefix and this account's AWSLogs folder.
        Assert.Contains(":iam::600734575887:root\"", statement["Principal"]!["AWS"]!.ToJsonString());
        Assert.Equal("s3:PutObject", (string?)statement["Action"]);
        Assert.Contains($"/{StorageStack.LoadBalancerLogPrefix}AWSLogs/", statement["Resource"]!.ToJsonString());
    }

    [Fact]
    public void The_node_group_goes_before_the_target_group_it_is_attached_to_and_the_outputs_name_url_and_target_group()
    {
        var targetGroup = MainTargetGroup();

        Assert.Contains(targetGroup, One("AWS::EKS::Nodegroup").Value["DependsOn"]!.AsArray().Select(d => (string?)d));
        Template.HasOutput(Outputs.BackendTargetGroupArn.Key, new Props { ["Value"] = new Props { ["Ref"] = targetGroup } });
        Template.HasOutput(Outputs.BackendUrl.Key, new Props
        {
            ["Value"] = new Props
            {
                ["Fn::Join"] = new object[]
                {
                    "", new object[] { "http://", new Props { ["Fn::GetAtt"] = new[] { One("AWS::ElasticLoadBalancingV2::LoadBalancer").Key, "DNSName" } } },
                },
            },
        });
    }

    [Fact]
    public void Without_the_load_balancer_the_stack_has_none_opens_no_node_port_and_its_outputs_say_none()
    {
        var template = EndpointVariants.Read(variants.Without);

        Assert.DoesNotContain(TemplateJson.AllResources(template), r => TemplateJson.Type(r.Resource)!.StartsWith("AWS::ElasticLoadBalancingV2::",
            StringComparison.Ordinal));
        Assert.Empty(Resources(template, "AWS::EC2::SecurityGroup"));
        // The data stores' rules and the API's rule for the jump instance (the SSM tunnel): no NodePort rule.
        Assert.Equal(5, Resources(template, "AWS::EC2::SecurityGroupIngress").Count);
        Assert.DoesNotContain(Resources(template, "AWS::EC2::SecurityGroupIngress"),
            r => (int?)TemplateJson.Properties(r)["FromPort"] == BackendAccess.NodePort);
        Assert.Equal(BackendAccess.NoLoadBalancer, (string?)template["Outputs"]![Outputs.BackendUrl.Key]!["Value"]);
        foreach (var output in new[] { Outputs.BackendTargetGroupArn, Outputs.BackendListenerArn, Outputs.BackendPreviewTargetGroupArns })
            Assert.Equal(BackendAccess.NoLoadBalancer, (string?)template["Outputs"]![output.Key]!["Value"]);
    }

    [FactRequiringTool("kubectl", "install kubectl 1.34 or later")]
    public void The_backend_network_policy_admits_exactly_the_subnets_the_load_balancer_lives_in_on_the_service_node_port()
    {
        var subnets = Props(One("AWS::ElasticLoadBalancingV2::LoadBalancer"))["Subnets"]!.AsArray().Select(s => SubnetCidr(TemplateJson.ImportName(s)!));
        var rendered = Tools.Run(Tools.Find("kubectl")!, ["kustomize", Path.Combine(NagCheck.Root, "k8s", "overlays", "aws-dev")]);
        Assert.True(rendered.ExitCode == 0, rendered.ToString());
        var documents = new YamlStream();
        documents.Load(new StringReader(rendered.StdOut));
        YamlMappingNode Find(string kind, string name) => documents.Documents.Select(d => (YamlMappingNode)d.RootNode)
            .Single(d => Scalar(d, "kind") == kind && Scalar(Map(d, "metadata"), "name") == name);

        var policy = Find("NetworkPolicy", "future-backend-ingress");
        var rule = Assert.Single(((YamlSequenceNode)Map(policy, "spec")["ingress"]).Cast<YamlMappingNode>());
        var cidrs = ((YamlSequenceNode)rule["from"]).Cast<YamlMappingNode>().Select(f => Scalar(Map(f, "ipBlock"), "cidr"));
        var service = Map(Find("Service", BackendAccess.ServiceName), "spec");
        var port = ((YamlSequenceNode)service["ports"]).Cast<YamlMappingNode>().Single();

        Assert.Equal(subnets.Order(), cidrs.Order());
        Assert.Equal(["10.0.0.0/24", "10.0.1.0/24"], subnets.Order());
        Assert.Equal("http", Scalar(((YamlSequenceNode)rule["ports"]).Cast<YamlMappingNode>().Single(), "port"));
        Assert.Equal(("NodePort", "Local", $"{BackendAccess.NodePort}", $"{BackendAccess.ServicePort}"),
            (Scalar(service, "type"), Scalar(service, "externalTrafficPolicy"), Scalar(port, "nodePort"), Scalar(port, "port")));
    }

    /// <summary>The CIDR of the Vpc stack's subnet behind an export of its id.</summary>
    private string SubnetCidr(string export)
    {
        var vpc = app.Json[StackKind.Vpc];
        var output = vpc["Outputs"]!.AsObject().Single(o => (string?)o.Value!["Export"]?["Name"] == export).Value!;
        var subnet = (string)output["Value"]!["Ref"]!;
        return (string)TemplateJson.Properties(vpc["Resources"]![subnet]!.AsObject())["CidrBlock"]!;
    }

    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node[key];

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;
}
