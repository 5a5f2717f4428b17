using Amazon.CDK.Assertions;
using Exchange.Contracts;
using Props = System.Collections.Generic.Dictionary<string, object>;

namespace Exchange.Infra.Tests;

[Collection(SynthesizedAppCollection.Name)]
public sealed class EksStackTests(SynthesizedApp app)
{
    private const string ClusterSecurityGroup = "sg:Eks/Cluster.ClusterSecurityGroupId";

    private Template Template => app[StackKind.Eks];

    [Fact]
    public void Cluster_keeps_its_pinned_logical_id_and_runs_1_35_on_standard_support()
    {
        Assert.Equal(["Cluster"], app.Resources(StackKind.Eks, "AWS::EKS::Cluster").Keys);
        Template.HasResourceProperties("AWS::EKS::Cluster", new Props
        {
            ["Name"] = "exchange-dev",
            ["Version"] = "1.35",
            ["UpgradePolicy"] = new Props { ["SupportType"] = "STANDARD" },
            ["AccessConfig"] = new Props { ["AuthenticationMode"] = "API", ["BootstrapClusterCreatorAdminPermissions"] = false },
        });
    }

    [Fact]
    public void Endpoint_is_private_only_when_the_environment_lists_no_public_cidrs()
    {
        var vpcConfig = TemplateJson.Properties(app.Resources(StackKind.Eks, "AWS::EKS::Cluster")["Cluster"])["ResourcesVpcConfig"]!.AsObject();

        Assert.Empty(app.Config.Of<EksConfig>().PublicAccessCidrs);
        Assert.True((bool?)vpcConfig["EndpointPrivateAccess"]);
        Assert.False((bool?)vpcConfig["EndpointPublicAccess"]);
        Assert.False(vpcConfig.ContainsKey("PublicAccessCidrs"));
    }

    [Fact]
    public void Stack_uses_only_plain_eks_resources()
    {
        var types = TemplateJson.AllResources(app.Json[StackKind.Eks]).Select(r => TemplateJson.Type(r.Resource)!).Distinct().Order();

        Assert.Equal(
            ["AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress", "AWS::EKS::Addon", "AWS::EKS::Cluster", "AWS::EKS::Nodegroup",
                "AWS::ElasticLoadBalancingV2::Listener", "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::TargetGroup",
                "AWS::IAM::Role", "AWS::Logs::LogGroup", "AWS::Scheduler::Schedule"],
            types.Where(t => t != "AWS::CDK::Metadata"));
    }

    [Fact]
    public void Control_plane_logs_every_type_into_a_log_group_the_stack_owns()
    {
        Template.HasResourceProperties("AWS::EKS::Cluster", new Props
        {
            ["Logging"] = new Props
            {
                ["ClusterLogging"] = new Props
                {
                    ["EnabledTypes"] = new[] { "api", "audit", "authenticator", "controllerManager", "scheduler" }.Select(t
                        => (object)new Props { ["Type"] = t }).ToArray(),
                },
            },
        });
        var logGroup = app.Resources(StackKind.Eks, "AWS::Logs::LogGroup").Single();
        Assert.Equal("/aws/eks/exchange-dev/cluster", (string?)TemplateJson.Properties(logGroup.Value)["LogGroupName"]);
        Assert.Equal(7, (int?)TemplateJson.Properties(logGroup.Value)["RetentionInDays"]);
        Assert.Equal("Delete", (string?)logGroup.Value["DeletionPolicy"]);
        var dependsOn = app.Resources(StackKind.Eks, "AWS::EKS::Cluster")["Cluster"]["DependsOn"]!.AsArray().Select(d => (string?)d);
        Assert.Contains(logGroup.Key, dependsOn);
    }

    [Fact]
    public void Core_addons_are_managed_networking_before_the_nodes_and_the_rest_after()
    {
        var addons = app.Resources(StackKind.Eks, "AWS::EKS::Addon")
            .ToDictionary(a => (string)TemplateJson.Properties(a.Value)["AddonName"]!, a => a);
        var nodegroupDependsOn = app.Resources(StackKind.Eks, "AWS::EKS::Nodegroup")["SpotNodegroup"]["DependsOn"]!.AsArray().Select(d => (string?)d).ToArray();

        Assert.Equal(["coredns", "eks-pod-identity-agent", "kube-proxy", "vpc-cni"], addons.Keys.Order());
        Assert.All(addons.Values, a => Assert.Equal("OVERWRITE", (string?)TemplateJson.Properties(a.Value)["ResolveConflicts"]));
        Assert.Contains(addons["vpc-cni"].Key, nodegroupDependsOn);
        Assert.Contains(addons["kube-proxy"].Key, nodegroupDependsOn);
        Assert.Contains("SpotNodegroup", addons["coredns"].Value["DependsOn"]!.AsArray().Select(d => (string?)d));
        Assert.Contains("SpotNodegroup", addons["eks-pod-identity-agent"].Value["DependsOn"]!.AsArray().Select(d => (string?)d));
        Template.HasResourceProperties("AWS::EKS::Cluster", new Props { ["BootstrapSelfManagedAddons"] = false });
    }

    [Fact]
    public void Vpc_cni_enforces_network_policies()
    {
        var vpcCni = app.Resources(StackKind.Eks, "AWS::EKS::Addon").Values
            .Single(a => (string?)TemplateJson.Properties(a)["AddonName"] == "vpc-cni");
        var values = (string?)TemplateJson.Properties(vpcCni)["ConfigurationValues"];

        Assert.NotNull(values);
        Assert.Equal("true", (string?)System.Text.Json.Nodes.JsonNode.Parse(values)!["enableNetworkPolicy"]);
    }

    [Fact]
    public void Node_group_is_spot_al2023_in_the_private_subnets_with_the_configured_size_and_labels()
    {
        Assert.Equal(["SpotNodegroup"], app.Resources(StackKind.Eks, "AWS::EKS::Nodegroup").Keys);
        Template.HasResourceProperties("AWS::EKS::Nodegroup", new Props
        {
            ["ClusterName"] = new Props { ["Ref"] = "Cluster" },
            ["NodegroupName"] = Match.Absent(),
            ["Tags"] = Match.ObjectLike(new Props { ["Name"] = "exchange-dev-spot-nodes" }),
            ["CapacityType"] = "SPOT",
            ["InstanceTypes"] = new[] { "t3.medium", "t3a.medium" },
            ["AmiType"] = "AL2023_x86_64_STANDARD",
            ["DiskSize"] = 20,
            ["ScalingConfig"] = new Props { ["DesiredSize"] = 2, ["MinSize"] = 1, ["MaxSize"] = 4 },
            ["Labels"] = new Props { ["node-type"] = "spot", ["environment"] = "dev" },
        });
        var subnets = TemplateJson.Properties(app.Resources(StackKind.Eks, "AWS::EKS::Nodegroup")["SpotNodegroup"])["Subnets"]!.AsArray();
        Assert.Equal(2, subnets.Count);
        Assert.All(subnets, s => Assert.Matches("^Exchange-dev-Vpc:ExportsOutputRefVpcPrivateSubnet[12]", TemplateJson.ImportName(s)));
    }

    [Fact]
    public void Cluster_and_node_roles_carry_the_eks_managed_policies()
    {
        var policiesByPrincipal = app.Resources(StackKind.Eks, "AWS::IAM::Role").Values
            .Where(role => TemplateJson.Properties(role)["ManagedPolicyArns"] is not null) // the sleep role has an inline policy only
            .ToDictionary(
            role => (string)TemplateJson.Properties(role)["AssumeRolePolicyDocument"]!["Statement"]![0]!["Principal"]!["Service"]!,
            role => TemplateJson.Properties(role)["ManagedPolicyArns"]!.AsArray()
                .Select(a => System.Text.RegularExpressions.Regex.Match(a!.ToJsonString(), "policy/([A-Za-z0-9_]+)").Groups[1].Value).Order().ToArray());

        Assert.Equal(["AmazonEKSClusterPolicy"], policiesByPrincipal["eks.amazonaws.com"]);
        Assert.Equal(["AmazonEC2ContainerRegistryPullOnly", "AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy"], policiesByPrincipal["ec2.amazonaws.com"]);
    }

    [Fact]
    public void No_admin_access_entry_is_created_without_an_admin_principal()
    {
        Assert.Null(app.Settings.AdminPrincipalArn);
        Template.ResourceCountIs("AWS::EKS::AccessEntry", 0);
    }

    [Fact]
    public void Admin_principal_gets_a_cluster_scoped_admin_access_entry()
    {
        const string admin = "arn:aws:iam::123456789012:role/platform/Admin";
        var settings = InfraSettings.From(key => key == ContextKeys.AdminPrincipalArn ? admin : null, _ => null);
        var template = Template.FromStack(ExchangeApp.Create(settings).Stack<Exchange.Infra.Stacks.EksStack>());

        template.ResourceCountIs("AWS::EKS::AccessEntry", 1);
        template.HasResourceProperties("AWS::EKS::AccessEntry", new Props
        {
            ["ClusterName"] = new Props { ["Ref"] = "Cluster" },
            ["PrincipalArn"] = admin,
            ["Type"] = "STANDARD",
            ["AccessPolicies"] = new object[]
            {
                new Props
                {
                    ["PolicyArn"] = new Props
                    {
                        ["Fn::Join"] = new object[]
                        {
                            "", new object[] { "arn:", new Props { ["Ref"] = "AWS::Partition" },
                                ":eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" },
                        },
                    },
                    ["AccessScope"] = new Props { ["Type"] = "cluster" },
                },
            },
        });
    }

    [Fact]
    public void Rds_admits_only_the_cluster_security_group_on_3306()
    {
        Assert.Equal([new IngressRule(StackKind.Rds, "RdsSecurityGroup", "tcp", 3306, 3306, ClusterSecurityGroup)], RulesOn(StackKind.Rds));
    }

    [Fact]
    public void Redis_admits_only_the_cluster_security_group_on_6379()
    {
        Assert.Equal([new IngressRule(StackKind.Redis, "RedisSecurityGroup", "tcp", 6379, 6379, ClusterSecurityGroup)], RulesOn(StackKind.Redis));
    }

    [Fact]
    public void Redpanda_admits_only_the_cluster_security_group_on_9092_and_9644()
    {
        Assert.Equal(
            [
                new IngressRule(StackKind.Kafka, "RedpandaSecurityGroup", "tcp", 9092, 9092, ClusterSecurityGroup),
                new IngressRule(StackKind.Kafka, "RedpandaSecurityGroup", "tcp", 9644, 9644, ClusterSecurityGroup),
            ],
            RulesOn(StackKind.Kafka));
    }

    [Fact]
    public void Eks_stack_opens_nothing_but_the_four_data_store_ports_and_the_backend_node_port_to_its_load_balancer()
    {
        Template.ResourceCountIs("AWS::EC2::SecurityGroupIngress", 5);
        var loadBalancerGroup = app.Resources(StackKind.Eks, "AWS::EC2::SecurityGroup").Keys.Single();
        Assert.Equal(
            [new IngressRule(StackKind.Eks, "Cluster.ClusterSecurityGroupId", "tcp", BackendAccess.NodePort, BackendAccess.NodePort,
                $"sg:Eks/{loadBalancerGroup}.GroupId")],
            RulesOn(StackKind.Eks));
    }

    [Fact]
    public void Kubeconfig_command_names_the_region_and_the_cluster()
    {
        Template.HasOutput(Outputs.KubeconfigCommand.Key, new Props
        {
            ["Value"] = "aws eks update-kubeconfig --region ap-northeast-2 --name exchange-dev",
        });
    }

    [Fact]
    public void Cluster_outputs_come_from_the_cluster_and_the_node_group()
    {
        Template.HasOutput(Outputs.EksClusterName.Key, new Props { ["Value"] = new Props { ["Ref"] = "Cluster" } });
        Template.HasOutput(Outputs.EksClusterEndpoint.Key, new Props { ["Value"] = new Props { ["Fn::GetAtt"] = new[] { "Cluster", "Endpoint" } } });
        Template.HasOutput(Outputs.EksClusterArn.Key, new Props { ["Value"] = new Props { ["Fn::GetAtt"] = new[] { "Cluster", "Arn" } } });
        Template.HasOutput(Outputs.EksClusterSecurityGroupId.Key,
            new Props { ["Value"] = new Props { ["Fn::GetAtt"] = new[] { "Cluster", "ClusterSecurityGroupId" } } });
        Template.HasOutput(Outputs.EksNodegroupName.Key, new Props { ["Value"] = new Props { ["Fn::GetAtt"] = new[] { "SpotNodegroup", "NodegroupName" } } });
    }

    private IngressRule[] RulesOn(StackKind stack) =>
        IngressRules.Of(app).Where(r => r.TargetStack == stack).OrderBy(r => r.FromPort).ToArray();
}
