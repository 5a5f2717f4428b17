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
    public void The_node_group_pins_the_configured_AMI_release_and_its_Kubernetes_version()
    {
        var eks = app.Config.Of<EksConfig>();
        var properties = TemplateJson.Properties(app.Resources(StackKind.Eks, "AWS::EKS::Nodegroup")["SpotNodegroup"]);

        Assert.Equal(eks.NodeReleaseVersion, (string?)properties["ReleaseVersion"]);
        Assert.Equal(KubernetesVersions.MinorOfRelease(eks.NodeReleaseVersion), (string?)properties["Version"]);
        // The configuration runs nodes and control plane on one minor version; only the Upgrade target's staged deploys differ.
        Assert.Equal(eks.KubernetesVersion, (string?)properties["Version"]);
        // Add-ons declare no version: the Upgrade target moves them with each minor version, and CloudFormation never moves them back.
        Assert.All(app.Resources(StackKind.Eks, "AWS::EKS::Addon").Values, a => Assert.Null(TemplateJson.Properties(a)["AddonVersion"]));
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
                "AWS::IAM::Role", "AWS::Logs::LogGroup", "AWS::SQS::Queue", "AWS::SQS::QueuePolicy", "AWS::Scheduler::Schedule"],
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
    public void The_default_dev_template_has_exactly_the_access_entries_the_environment_lists()
    {
        var eks = app.Config.Of<EksConfig>();

        Assert.Equal(eks.AdminPrincipals.Count + eks.ViewPrincipals.Count, app.Resources(StackKind.Eks, "AWS::EKS::AccessEntry").Count);
        Template.HasOutput(Outputs.EksLegacyAdminEntryPrincipal.Key, new Props { ["Value"] = Outputs.NoLegacyAdminEntry });
    }

    [Fact]
    public void Each_listed_principal_gets_one_cluster_scoped_entry_with_its_policy_relative_ones_in_the_pinned_account()
    {
        var entries = AccessEntries(new()
        {
            [ContextKeys.Account] = "123456789012",
            [ContextKeys.EksAdmins] = "role/aws-reserved/sso.amazonaws.com/ap-northeast-2/AWSReservedSSO_Admin_abc,arn:aws:iam::123456789012:role/ci",
            [ContextKeys.EksViewers] = "user/auditor",
        });

        Assert.Equal(
            [
                ("arn:<AWS::Partition>:iam::123456789012:role/aws-reserved/sso.amazonaws.com/ap-northeast-2/AWSReservedSSO_Admin_abc",
                    "AmazonEKSClusterAdminPolicy"),
                ("arn:<AWS::Partition>:iam::123456789012:user/auditor", "AmazonEKSViewPolicy"),
                ("arn:aws:iam::123456789012:role/ci", "AmazonEKSClusterAdminPolicy"),
            ],
            entries.Values.Select(e => (e.Principal, e.Policy)).Order());
        Assert.All(entries.Values, e => Assert.Equal(("STANDARD", "cluster", "Cluster"), (e.Type, e.Scope, e.Cluster)));
    }

    [Fact]
    public void An_entry_keeps_its_logical_id_when_other_principals_are_added_or_removed_and_a_full_arn_is_the_same_principal()
    {
        var before = AccessEntries(new() { [ContextKeys.Account] = "123456789012", [ContextKeys.EksAdmins] = "role/a,role/team/b" });
        var after = AccessEntries(new()
        {
            [ContextKeys.Account] = "123456789012", [ContextKeys.EksAdmins] = "arn:aws:iam::123456789012:role/team/b,role/c",
        });

        var b = Assert.Single(before.Keys.Intersect(after.Keys));
        Assert.Equal(ClusterPrincipals.LogicalId("role/team/b"), b);
        Assert.Equal(2, before.Count);
        Assert.Equal(2, after.Count);
        Assert.NotEqual(before.Keys.Single(k => k != b), after.Keys.Single(k => k != b));
    }

    [Fact]
    public void The_deploying_identity_gets_an_admin_entry_for_the_deploy_only_when_the_lists_do_not_name_it()
    {
        const string deployer = "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/ap-northeast-2/AWSReservedSSO_Dev_1";
        var unlisted = AccessEntries(new()
        {
            [ContextKeys.Account] = "123456789012", [ContextKeys.EksAdmins] = "role/team", [ContextKeys.EksDeployer] = deployer,
        });
        var listedAsViewer = AccessEntries(new()
        {
            [ContextKeys.Account] = "123456789012", [ContextKeys.EksAdmins] = "role/team",
            [ContextKeys.EksViewers] = "role/aws-reserved/sso.amazonaws.com/ap-northeast-2/AWSReservedSSO_Dev_1", [ContextKeys.EksDeployer] = deployer,
        });

        var entry = unlisted[ClusterPrincipals.LogicalId(ClusterPrincipals.Key(deployer, "123456789012"))];
        Assert.Equal((deployer, "AmazonEKSClusterAdminPolicy"), (entry.Principal, entry.Policy));
        Assert.Equal(2, listedAsViewer.Count); // the list decides the level: no second entry for the deployer
        Assert.Contains(listedAsViewer.Values, e => e.Policy == "AmazonEKSViewPolicy");
    }

    [Fact]
    public void A_cluster_deployed_before_the_list_keeps_AdminAccessEntry_for_its_principal_while_that_principal_is_listed()
    {
        const string legacy = "arn:aws:iam::123456789012:role/platform/Admin";
        var kept = Eks(new()
        {
            [ContextKeys.Account] = "123456789012", [ContextKeys.EksAdmins] = "role/platform/Admin,role/ci", [ContextKeys.EksLegacyAdminEntry] = legacy,
        });
        var dropped = Eks(new()
        {
            [ContextKeys.Account] = "123456789012", [ContextKeys.EksAdmins] = "role/ci", [ContextKeys.EksLegacyAdminEntry] = legacy,
        });

        Assert.Contains(ClusterPrincipals.LegacyLogicalId, Entries(kept).Keys);
        Assert.Contains("role/platform/Admin", Entries(kept)[ClusterPrincipals.LegacyLogicalId].Principal);
        Assert.Equal(legacy, (string?)kept["Outputs"]![Outputs.EksLegacyAdminEntryPrincipal.Key]!["Value"]);
        Assert.DoesNotContain(ClusterPrincipals.LegacyLogicalId, Entries(dropped).Keys);
        Assert.Equal(Outputs.NoLegacyAdminEntry, (string?)dropped["Outputs"]![Outputs.EksLegacyAdminEntryPrincipal.Key]!["Value"]);
    }

    [Fact]
    public void The_retired_admin_principal_context_is_refused_with_the_access_list_to_use_instead()
    {
        var error = Assert.Throws<InvalidSettingException>(() =>
            InfraSettings.From(key => key == ContextKeys.RetiredAdminPrincipalArn ? "arn:aws:iam::123456789012:role/Admin" : null, _ => null));

        Assert.Contains("EksConfig.AdminPrincipals", error.Message);
        Assert.Contains($"-c {ContextKeys.EksAdmins}=", error.Message);
    }

    [Fact]
    public void A_principal_listed_twice_or_a_session_arn_is_refused_at_synth()
    {
        var twice = Assert.Throws<InvalidSettingException>(() => Settings(new()
        {
            [ContextKeys.Account] = "123456789012", [ContextKeys.EksAdmins] = "role/a", [ContextKeys.EksViewers] = "arn:aws:iam::123456789012:role/a",
        }));
        var session = Assert.Throws<InvalidSettingException>(() => Settings(new()
        {
            [ContextKeys.EksAdmins] = "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_abc/jane",
        }));

        Assert.Contains("name one principal", twice.Message);
        Assert.Contains("aws iam get-role --role-name AWSReservedSSO_Admin_abc", session.Message);
    }

    private sealed record Entry(string Principal, string Policy, string Type, string Scope, string Cluster);

    private static InfraSettings Settings(Dictionary<string, string> context) => InfraSettings.From(context.GetValueOrDefault, _ => null);

    private static System.Text.Json.Nodes.JsonObject Eks(Dictionary<string, string> context)
    {
        var stack = ExchangeApp.Create(Settings(context)).Stack<Exchange.Infra.Stacks.EksStack>();
        return System.Text.Json.Nodes.JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Template.FromStack(stack).ToJSON()))!.AsObject();
    }

    private static Dictionary<string, Entry> AccessEntries(Dictionary<string, string> context) => Entries(Eks(context));

    /// <summary>The access entries by logical ID, their ARNs with the partition reference written as &lt;AWS::Partition&gt;.</summary>
    private static Dictionary<string, Entry> Entries(System.Text.Json.Nodes.JsonObject template) =>
        TemplateJson.AllResources(template).Where(r => TemplateJson.Type(r.Resource) == "AWS::EKS::AccessEntry").ToDictionary(r => r.LogicalId, r =>
        {
            var properties = TemplateJson.Properties(r.Resource);
            var policy = properties["AccessPolicies"]!.AsArray().Single()!;
            return new Entry(Text(properties["PrincipalArn"]), Text(policy["PolicyArn"]).Split('/').Last(), (string)properties["Type"]!,
                (string)policy["AccessScope"]!["Type"]!, (string)properties["ClusterName"]!["Ref"]!);
        });

    private static string Text(System.Text.Json.Nodes.JsonNode? node) => node switch
    {
        System.Text.Json.Nodes.JsonValue v => (string)v!,
        System.Text.Json.Nodes.JsonObject { } o when o["Fn::Join"] is System.Text.Json.Nodes.JsonArray join =>
            string.Concat(join[1]!.AsArray().Select(Text)),
        System.Text.Json.Nodes.JsonObject { } o when o["Ref"] is { } reference => $"<{(string)reference!}>",
        _ => throw new InvalidOperationException($"Not a string: {node?.ToJsonString()}"),
    };

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
    public void Eks_stack_opens_nothing_but_the_four_data_store_ports_the_api_to_the_jump_instance_and_the_backend_node_port_to_its_load_balancer()
    {
        Template.ResourceCountIs("AWS::EC2::SecurityGroupIngress", 6);
        var natGroup = app.Resources(StackKind.Vpc, "AWS::EC2::SecurityGroup").Single().Key;
        var loadBalancerGroup = app.Resources(StackKind.Eks, "AWS::EC2::SecurityGroup").Keys.Single();
        Assert.Equal(
            [
                new IngressRule(StackKind.Eks, "Cluster.ClusterSecurityGroupId", "tcp", 443, 443, $"sg:Vpc/{natGroup}.GroupId"),
                new IngressRule(StackKind.Eks, "Cluster.ClusterSecurityGroupId", "tcp", BackendAccess.NodePort, Previews.LastNodePort,
                    $"sg:Eks/{loadBalancerGroup}.GroupId"),
            ],
            RulesOn(StackKind.Eks));
    }

    [Fact]
    public void The_private_api_endpoint_admits_443_only_from_the_jump_instances_security_group()
    {
        var natGroup = app.Resources(StackKind.Vpc, "AWS::EC2::SecurityGroup").Single().Key;
        var onApiPort = IngressRules.Of(app).Where(r => r.TargetGroup == "Cluster.ClusterSecurityGroupId" && r.FromPort <= 443 && r.ToPort >= 443)
            .ToArray();

        Assert.Equal([new IngressRule(StackKind.Eks, "Cluster.ClusterSecurityGroupId", "tcp", 443, 443, $"sg:Vpc/{natGroup}.GroupId")], onApiPort);
        Assert.DoesNotContain(IngressRules.Of(app), r => r.Source.StartsWith("cidr:0.0.0.0/0", StringComparison.Ordinal));
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
