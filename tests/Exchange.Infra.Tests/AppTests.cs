using Amazon.CDK;
using Exchange.Contracts;
using Props = System.Collections.Generic.Dictionary<string, object>;

namespace Exchange.Infra.Tests;

/// <summary>What holds for the whole app, across every registered stack.</summary>
[Collection(SynthesizedAppCollection.Name)]
public sealed class AppTests(SynthesizedApp app)
{
    public static TheoryData<string> OutputKeys => new(Outputs.All.Select(o => $"{o.Stack}/{o.Key}"));

    [Theory]
    [MemberData(nameof(OutputKeys))]
    public void Every_contract_output_is_declared_with_its_key_and_export_name(string stackAndKey)
    {
        var output = Outputs.All.Single(o => $"{o.Stack}/{o.Key}" == stackAndKey);
        var declared = app.Json[output.Stack]["Outputs"]?[output.Key];

        Assert.NotNull(declared);
        Assert.Equal(output.ExportName("dev"), (string?)declared["Export"]?["Name"]);
        Assert.Equal(output.Description, (string?)declared["Description"]);
        app[output.Stack].HasOutput(output.Key, new Props { ["Value"] = Amazon.CDK.Assertions.Match.AnyValue() });
    }

    [Fact]
    public void The_document_export_names_are_the_ones_declared()
    {
        var exports = app.Json.Values
            .SelectMany(t => t["Outputs"]?.AsObject() ?? [])
            .Select(o => (string?)o.Value!["Export"]?["Name"])
            .Where(n => n is not null && !n.Contains(':', StringComparison.Ordinal));

        Assert.Superset(
            new HashSet<string?>
            {
                "dev-VpcId", "dev-MatchingEngineRepoUri", "dev-BackendRepoUri", "dev-RdsEndpoint", "dev-RedisEndpoint",
                "dev-RedisPort", "dev-KafkaPrivateIp", "dev-KafkaInstanceId", "dev-EksClusterName", "dev-EksClusterEndpoint",
            },
            exports.ToHashSet());
    }

    [Fact]
    public void Stacks_have_the_contract_names_and_the_configured_region()
    {
        Assert.Equal(new EnvironmentNames("dev").AllStacks, app.App.Stacks.Select(s => s.StackName));
        Assert.All(app.App.Stacks, s => Assert.Equal("ap-northeast-2", s.Region));
        Assert.All(app.App.Stacks, s => Assert.True(Token.IsUnresolved(s.Account), $"{s.StackName} pins account {s.Account}"));
    }

    [Fact]
    public void Each_stack_depends_on_exactly_the_stacks_its_registration_declares()
    {
        // The registration's DependsOn is what deploy and destroy order follow: a stack that references
        // another (a cross-stack export) without declaring it would show up here as an extra dependency.
        foreach (var stack in app.App.Stacks)
        {
            var declared = StackRegistry.Of(stack.Kind).DependsOn.Select(app.Config.Names.Stack).Order();
            Assert.Equal(declared, stack.Dependencies.Select(d => d.StackName).Order());
        }
    }

    [Fact]
    public void Data_stacks_never_depend_on_the_eks_stack()
    {
        Assert.All(StackRegistry.All.Where(d => d.Kind != StackKind.Eks), d => Assert.DoesNotContain(StackKind.Eks, d.DependsOn));
        Assert.Equal([StackKind.Vpc, StackKind.Storage, StackKind.Rds, StackKind.Redis, StackKind.Kafka], StackRegistry.Eks.DependsOn);
    }

    [Fact]
    public void The_app_builds_one_stack_per_registration_in_deploy_order()
    {
        Assert.Equal(StackKinds.DeployOrder, app.App.Stacks.Select(s => s.Kind));
        Assert.Equal(Enum.GetValues<StackKind>().Order(), ExchangeApp.Classes.Keys.Order());
        Assert.All(app.App.Stacks, s => Assert.Equal($"Exchange dev: {StackRegistry.Of(s.Kind).Description}", s.TemplateOptions.Description));
    }

    [Fact]
    public void No_node_group_or_security_group_has_a_fixed_name_and_each_keeps_a_name_tag()
    {
        // CloudFormation creates a replacement before it deletes the old resource: with a fixed name,
        // any edit that replaces it (instance types, a description) fails on the name.
        var resources = app.Json.Values.SelectMany(TemplateJson.AllResources).ToArray();
        var named = resources.Where(r => TemplateJson.Type(r.Resource) switch
            {
                "AWS::EKS::Nodegroup" => TemplateJson.Properties(r.Resource).ContainsKey("NodegroupName"),
                "AWS::EC2::SecurityGroup" => TemplateJson.Properties(r.Resource).ContainsKey("GroupName"),
                _ => false,
            }).Select(r => r.LogicalId);
        var untagged = resources.Where(r => TemplateJson.Type(r.Resource) is "AWS::EKS::Nodegroup" or "AWS::EC2::SecurityGroup")
            .Where(r => TemplateJson.Tag(r.Resource, "Name") is null).Select(r => r.LogicalId);

        Assert.Empty(named);
        Assert.Empty(untagged);
    }

    [Fact]
    public void No_template_mentions_nodejs20_or_a_latest_tag()
    {
        foreach (var (kind, template) in app.Json)
        {
            var text = template.ToJsonString();
            Assert.False(text.Contains("nodejs20.x", StringComparison.OrdinalIgnoreCase), $"{kind} mentions nodejs20.x");
            Assert.False(text.Contains(":latest", StringComparison.OrdinalIgnoreCase), $"{kind} mentions :latest");
        }
    }

    [Fact]
    public void No_template_has_a_lambda_or_a_custom_resource()
    {
        var types = app.Json.Values.SelectMany(TemplateJson.AllResources).Select(r => TemplateJson.Type(r.Resource)!).Distinct().ToArray();

        Assert.DoesNotContain(types, t => t.StartsWith("AWS::Lambda::", StringComparison.Ordinal));
        Assert.DoesNotContain(types, t => t.StartsWith("Custom::", StringComparison.Ordinal) || t == "AWS::CloudFormation::CustomResource");
    }

    [Fact]
    public void No_security_group_rule_admits_the_whole_internet()
    {
        var rules = IngressRules.Of(app);

        // The four data-store rules, the API's rule for the jump instance and the backend NodePort from its load balancer (EKS stack),
        // and the NAT instance's VPC-CIDR rule; the load balancer itself admits nobody by default (no CIDRs configured).
        Assert.Equal(7, rules.Count);
        Assert.DoesNotContain(rules, r => r.Source is "cidr:0.0.0.0/0" or "cidr6:::/0");
    }

    [Fact]
    public void Every_instance_requires_imdsv2()
    {
        var instances = app.Json.SelectMany(t => TemplateJson.AllResources(t.Value)
            .Where(r => TemplateJson.Type(r.Resource) == "AWS::EC2::Instance")
            .Select(r => (Stack: t.Key, r.LogicalId, r.Resource))).ToArray();

        Assert.Equal(2, instances.Length);
        foreach (var (stack, id, instance) in instances)
        {
            var launchTemplate = (string)TemplateJson.Properties(instance)["LaunchTemplate"]!["Version"]!["Fn::GetAtt"]![0]!;
            var options = TemplateJson.Properties(app.Resources(stack, "AWS::EC2::LaunchTemplate")[launchTemplate])["LaunchTemplateData"]!["MetadataOptions"]!;
            Assert.True((string?)options["HttpTokens"] == "required", $"{stack}/{id} allows IMDSv1");
        }
    }

    [Fact]
    public void All_storage_is_encrypted()
    {
        var resources = app.Json.Values.SelectMany(TemplateJson.AllResources).Select(r => r.Resource).ToArray();
        bool Is(System.Text.Json.Nodes.JsonObject r, string type) => TemplateJson.Type(r) == type;

        Assert.All(resources.Where(r => Is(r, "AWS::RDS::DBInstance")), r => Assert.True((bool?)TemplateJson.Properties(r)["StorageEncrypted"]));
        Assert.All(resources.Where(r => Is(r, "AWS::ElastiCache::ReplicationGroup")), r
            => Assert.True((bool?)TemplateJson.Properties(r)["AtRestEncryptionEnabled"]));
        Assert.All(resources.Where(r => Is(r, "AWS::EC2::Volume")), r => Assert.True((bool?)TemplateJson.Properties(r)["Encrypted"]));
        // Instances: every one declares its root volume, and encrypted (the NAT instance too).
        Assert.All(resources.Where(r => Is(r, "AWS::EC2::Instance")), instance =>
        {
            var mappings = TemplateJson.Properties(instance)["BlockDeviceMappings"]?.AsArray() ?? [];
            Assert.NotEmpty(mappings);
            Assert.All(mappings, mapping => Assert.True((bool?)mapping!["Ebs"]!["Encrypted"]));
        });
        Assert.DoesNotContain(resources, r => Is(r, "AWS::ElastiCache::CacheCluster"));
    }

    [Fact]
    public void Resources_carry_the_environment_and_project_tags_from_the_app_root()
    {
        var taggable = new[] { "AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::SecurityGroup", "AWS::EC2::Instance", "AWS::EC2::Volume",
            "AWS::RDS::DBInstance", "AWS::SecretsManager::Secret", "AWS::ECR::Repository", "AWS::ElastiCache::ReplicationGroup",
            "AWS::EKS::Cluster", "AWS::EKS::Nodegroup", "AWS::IAM::Role" };
        var resources = app.Json.Values.SelectMany(TemplateJson.AllResources).Where(r => taggable.Contains(TemplateJson.Type(r.Resource))).ToArray();

        Assert.NotEmpty(resources);
        Assert.All(resources, r => Assert.True(
            TemplateJson.Tag(r.Resource, ResourceTags.EnvironmentKey) == "dev" && TemplateJson.Tag(r.Resource, ResourceTags.ProjectKey) == "exchange",
            $"{r.LogicalId} ({TemplateJson.Type(r.Resource)}) is missing the Environment/Project tags"));
    }
}
