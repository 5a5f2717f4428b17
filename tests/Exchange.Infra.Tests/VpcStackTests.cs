using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using Exchange.Contracts;
using Props = System.Collections.Generic.Dictionary<string, object>;

namespace Exchange.Infra.Tests;

[Collection(SynthesizedAppCollection.Name)]
public sealed class VpcStackTests(SynthesizedApp app)
{
    private Template Template => app[StackKind.Vpc];

    private IEnumerable<JsonObject> Subnets => app.Resources(StackKind.Vpc, "AWS::EC2::Subnet").Values;

    [Fact]
    public void Vpc_has_the_configured_cidr_and_dns()
    {
        Template.ResourceCountIs("AWS::EC2::VPC", 1);
        Template.HasResourceProperties("AWS::EC2::VPC", new Props
        {
            ["CidrBlock"] = "10.0.0.0/16",
            ["EnableDnsHostnames"] = true,
            ["EnableDnsSupport"] = true,
        });
    }

    [Fact]
    public void Public_private_and_isolated_24_subnets_exist_in_each_configured_zone()
    {
        var subnets = Subnets.Select(s => (
            Type: TemplateJson.Tag(s, "aws-cdk:subnet-type"),
            Zone: (string?)TemplateJson.Properties(s)["AvailabilityZone"],
            Cidr: (string?)TemplateJson.Properties(s)["CidrBlock"])).ToArray();

        Assert.Equal(6, subnets.Length);
        Assert.All(subnets, s => Assert.EndsWith("/24", s.Cidr));
        Assert.All(subnets, s => Assert.StartsWith("10.0.", s.Cidr));
        foreach (var type in new[] { "Public", "Private", "Isolated" })
        {
            Assert.Equal(["ap-northeast-2a", "ap-northeast-2c"], subnets.Where(s => s.Type == type).Select(s => s.Zone).Order());
        }
    }

    [Fact]
    public void Public_subnets_are_tagged_for_internet_facing_and_private_subnets_for_internal_load_balancers()
    {
        const string cluster = "kubernetes.io/cluster/exchange-dev";
        foreach (var subnet in Subnets)
        {
            var type = TemplateJson.Tag(subnet, "aws-cdk:subnet-type");
            Assert.Equal(type == "Public" ? "1" : null, TemplateJson.Tag(subnet, "kubernetes.io/role/elb"));
            Assert.Equal(type == "Private" ? "1" : null, TemplateJson.Tag(subnet, "kubernetes.io/role/internal-elb"));
            Assert.Equal(type == "Isolated" ? null : "shared", TemplateJson.Tag(subnet, cluster));
        }
    }

    [Fact]
    public void Only_subnets_carry_the_kubernetes_cluster_tag()
    {
        var tagged = app.Json.Values.SelectMany(TemplateJson.AllResources)
            .Where(r => TemplateJson.Tag(r.Resource, "kubernetes.io/cluster/exchange-dev") is not null)
            .Select(r => TemplateJson.Type(r.Resource))
            .Distinct();

        Assert.Equal(["AWS::EC2::Subnet"], tagged);
    }

    [Fact]
    public void Dev_egress_goes_through_one_t4g_nano_nat_instance_on_al2023_resolved_at_launch()
    {
        Template.ResourceCountIs("AWS::EC2::NatGateway", 0);
        Template.ResourceCountIs("AWS::EC2::Instance", 1);
        Template.HasResourceProperties("AWS::EC2::Instance", new Props
        {
            ["InstanceType"] = "t4g.nano",
            ["ImageId"] = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
            ["SourceDestCheck"] = false,
            ["CreditSpecification"] = new Props { ["CPUCredits"] = "standard" },
            ["KeyName"] = Match.Absent(),
        });
        Template.ResourceCountIs("AWS::EC2::Route", 4);
    }

    [Fact]
    public void Nat_instance_forwards_with_iproute2_and_never_uses_yum_or_route()
    {
        var userData = TemplateJson.UserData(app.Resources(StackKind.Vpc, "AWS::EC2::Instance").Values.Single());

        Assert.Contains("dnf install -y iptables-services", userData);
        Assert.Contains("ip route show default", userData);
        Assert.Contains("MASQUERADE", userData);
        Assert.DoesNotContain("yum ", userData);
        Assert.DoesNotContain("$(route", userData);
    }

    [Fact]
    public void Nat_instance_makes_CloudFormation_wait_for_its_boot_script_to_signal()
    {
        var (logicalId, instance) = app.Resources(StackKind.Vpc, "AWS::EC2::Instance").Single();
        var userData = TemplateJson.UserData(instance);

        Assert.Equal(1, (int?)instance["CreationPolicy"]?["ResourceSignal"]?["Count"]);
        Assert.Equal("PT15M", (string?)instance["CreationPolicy"]?["ResourceSignal"]?["Timeout"]);
        Assert.Contains("dnf install -y aws-cfn-bootstrap", userData);
        Assert.Contains($"--stack 'Exchange-dev-Vpc' --resource '{logicalId}' --region 'ap-northeast-2'", userData);
        Assert.Contains("trap on_exit EXIT", userData);
        Assert.EndsWith("signal 0 'NAT is forwarding'", userData.TrimEnd());
    }

    [Fact]
    public void Nat_instance_user_data_is_valid_bash()
    {
        var result = Tools.Run("bash", ["-n"], stdin: TemplateJson.UserData(app.Resources(StackKind.Vpc, "AWS::EC2::Instance").Values.Single()));

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public void Nat_instance_admits_only_the_vpc_cidr()
    {
        var natGroup = app.Resources(StackKind.Vpc, "AWS::EC2::SecurityGroup").Single();
        var rules = IngressRules.Of(app).Where(r => r.TargetStack == StackKind.Vpc).ToArray();

        var rule = Assert.Single(rules);
        Assert.Equal(natGroup.Key, rule.TargetGroup);
        Assert.Equal("-1", rule.Protocol);
        Assert.Equal("cidr:10.0.0.0/16", rule.Source);
    }

    [Fact]
    public void Nat_context_gateway_switches_to_one_nat_gateway_and_a_private_ssm_only_jump_instance_for_the_tunnel()
    {
        var settings = InfraSettings.From(key => key == ContextKeys.Nat ? "gateway" : null, _ => null);
        var template = Template.FromStack(ExchangeApp.Create(settings).Stack<Exchange.Infra.Stacks.VpcStack>());
        var json = System.Text.Json.Nodes.JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(template.ToJSON()))!.AsObject();

        template.ResourceCountIs("AWS::EC2::NatGateway", 1);
        var (instanceId, instance) = TemplateJson.AllResources(json).Single(r => TemplateJson.Type(r.Resource) == "AWS::EC2::Instance");
        var properties = TemplateJson.Properties(instance);
        Assert.Equal("t4g.nano", (string?)properties["InstanceType"]);
        Assert.Equal("exchange-dev-jump", TemplateJson.Tag(instance, "Name"));
        var network = properties["NetworkInterfaces"]!.AsArray().Single()!; // no public IP: an explicit interface
        Assert.False((bool?)network["AssociatePublicIpAddress"]);
        Assert.StartsWith("VpcPrivateSubnet", (string?)network["SubnetId"]?["Ref"]);
        Assert.Null(properties["KeyName"]);
        var group = TemplateJson.AllResources(json).Single(r => TemplateJson.Type(r.Resource) == "AWS::EC2::SecurityGroup");
        Assert.Null(TemplateJson.Properties(group.Resource)["SecurityGroupIngress"]);
        Assert.Equal(group.LogicalId, (string?)network["GroupSet"]![0]!["Fn::GetAtt"]![0]);
        Assert.True(TemplateJson.IsGetAtt(json["Outputs"]![Outputs.JumpSecurityGroupId.Key]!["Value"], group.LogicalId, "GroupId"));
        Assert.Equal(instanceId, (string?)json["Outputs"]![Outputs.JumpInstanceId.Key]!["Value"]!["Ref"]);
        Assert.Contains(SsmPolicy, ManagedPolicies(json));
    }

    [Fact]
    public void The_nat_instance_runs_the_ssm_agent_with_its_role_and_is_the_jump_instance_of_the_tunnel()
    {
        var instance = app.Resources(StackKind.Vpc, "AWS::EC2::Instance").Single();
        var natGroup = app.Resources(StackKind.Vpc, "AWS::EC2::SecurityGroup").Single().Key;

        Assert.Equal([SsmPolicy], ManagedPolicies(app.Json[StackKind.Vpc]));
        Assert.Equal(instance.Key, (string?)app.Json[StackKind.Vpc]["Outputs"]![Outputs.JumpInstanceId.Key]!["Value"]!["Ref"]);
        Assert.True(TemplateJson.IsGetAtt(app.Json[StackKind.Vpc]["Outputs"]![Outputs.JumpSecurityGroupId.Key]!["Value"], natGroup, "GroupId"));
    }

    private const string SsmPolicy = "AmazonSSMManagedInstanceCore";

    /// <summary>The AWS managed policies (by name) of the stack's roles.</summary>
    private static string[] ManagedPolicies(System.Text.Json.Nodes.JsonObject template) =>
        TemplateJson.AllResources(template).Where(r => TemplateJson.Type(r.Resource) == "AWS::IAM::Role")
            .SelectMany(r => TemplateJson.Properties(r.Resource)["ManagedPolicyArns"]?.AsArray() ?? [])
            .Select(p => p!.ToJsonString().Split('/').Last().Trim('"', ']', '}')).ToArray();

    [Fact]
    public void S3_gateway_endpoint_serves_the_private_and_isolated_route_tables()
    {
        Template.ResourceCountIs("AWS::EC2::VPCEndpoint", 1);
        var endpoint = TemplateJson.Properties(app.Resources(StackKind.Vpc, "AWS::EC2::VPCEndpoint").Values.Single());

        Assert.Equal("Gateway", (string?)endpoint["VpcEndpointType"]);
        Assert.Contains(".s3", endpoint["ServiceName"]!.ToJsonString());
        var tables = endpoint["RouteTableIds"]!.AsArray().Select(t => (string)t!["Ref"]!).Order().ToArray();
        Assert.Equal(4, tables.Length);
        Assert.All(tables, t => Assert.Matches("^Vpc(Private|Database)Subnet[12]RouteTable", t));
    }

    [Fact]
    public void Rejected_flows_are_logged_for_a_week_and_the_log_group_is_deleted_with_the_stack()
    {
        Template.HasResourceProperties("AWS::EC2::FlowLog", new Props { ["TrafficType"] = "REJECT", ["LogDestinationType"] = "cloud-watch-logs" });
        Template.HasResource("AWS::Logs::LogGroup", new Props
        {
            ["Properties"] = new Props { ["RetentionInDays"] = 7 },
            ["DeletionPolicy"] = "Delete",
        });
    }

    [Fact]
    public void Vpc_stack_exports_the_vpc_id()
    {
        Template.HasOutput(Outputs.VpcId.Key, new Props
        {
            ["Value"] = new Props { ["Ref"] = "Vpc8378EB38" },
            ["Export"] = new Props { ["Name"] = "dev-VpcId" },
        });
    }
}
