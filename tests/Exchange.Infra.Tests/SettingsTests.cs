using Exchange.Contracts;

namespace Exchange.Infra.Tests;

/// <summary>Context and environment variables become typed settings, or a message that says what to pass.</summary>
public sealed class SettingsTests
{
    private static InfraSettings From(Dictionary<string, string> context, Dictionary<string, string>? environment = null) =>
        InfraSettings.From(key => context.GetValueOrDefault(key), key => environment?.GetValueOrDefault(key));

    [Fact]
    public void Unknown_environment_is_an_error_that_lists_the_known_environments()
    {
        var error = Assert.Throws<UnknownEnvironmentException>(() => From(new() { [ContextKeys.Env] = "prod" }));

        Assert.Contains("'prod'", error.Message);
        Assert.Contains("Known environments: dev", error.Message);
    }

    [Fact]
    public void Missing_environment_means_dev_with_no_account_and_no_deployer()
    {
        var settings = From([]);

        Assert.Equal("dev", settings.Config.EnvName);
        Assert.Null(settings.Account);
        Assert.Null(settings.DeployerPrincipalArn);
        Assert.Equal(NatKind.Instance, settings.Config.Of<VpcConfig>().Nat);
    }

    [Theory]
    [InlineData("gateway", NatKind.Gateway)]
    [InlineData("Instance", NatKind.Instance)]
    public void Nat_context_overrides_the_environment_choice(string value, NatKind expected)
    {
        Assert.Equal(expected, From(new() { [ContextKeys.Nat] = value }).Config.Of<VpcConfig>().Nat);
    }

    [Fact]
    public void The_Upgrade_targets_staged_deploys_set_the_control_plane_and_the_node_release_through_context()
    {
        var staged = From(new() { [ContextKeys.KubernetesVersion] = "1.36", [ContextKeys.NodeReleaseVersion] = "1.35.9-20270101" }).Config.Of<EksConfig>();

        Assert.Equal("1.36", staged.KubernetesVersion);
        Assert.Equal("1.35.9-20270101", staged.NodeReleaseVersion);
        Assert.Equal("1.35", staged.NodeKubernetesVersion);
        Assert.Equal(Environments.Dev.Of<EksConfig>(), From([]).Config.Of<EksConfig>());
    }

    [Theory]
    [InlineData("1.36", "1.37.1-20270101", "never ahead of it")]
    [InlineData("1.40", "1.36.1-20270101", "up to three minor versions behind")]
    [InlineData("1.36.2", null, "expected a Kubernetes minor version such as 1.36")]
    [InlineData(null, "ami-0123", "expected an EKS node AMI release version")]
    public void Node_versions_ahead_of_or_too_far_behind_the_control_plane_are_refused(string? cluster, string? release, string message)
    {
        var context = new Dictionary<string, string>();
        if (cluster is not null) context[ContextKeys.KubernetesVersion] = cluster;
        if (release is not null) context[ContextKeys.NodeReleaseVersion] = release;

        Assert.Contains(message, Assert.Throws<InvalidSettingException>(() => From(context)).Message);
    }

    [Fact]
    public void Unknown_nat_kind_is_an_error()
    {
        var error = Assert.Throws<InvalidSettingException>(() => From(new() { [ContextKeys.Nat] = "none" }));

        Assert.Contains("'gateway' or 'instance'", error.Message);
    }

    [Fact]
    public void Account_context_wins_over_CDK_DEFAULT_ACCOUNT()
    {
        Assert.Equal("111111111111", From(new() { [ContextKeys.Account] = "111111111111" }, new() { ["CDK_DEFAULT_ACCOUNT"] = "222222222222" }).Account);
        Assert.Equal("222222222222", From([], new() { ["CDK_DEFAULT_ACCOUNT"] = "222222222222" }).Account);
    }

    [Fact]
    public void Account_that_is_not_twelve_digits_is_an_error()
    {
        Assert.Throws<InvalidSettingException>(() => From(new() { [ContextKeys.Account] = "12345" }));
    }

    [Fact]
    public void The_deployer_must_be_the_full_arn_of_an_iam_role_or_user_not_a_session()
    {
        const string role = "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123";

        Assert.Equal(role, From(new() { [ContextKeys.EksDeployer] = role }).DeployerPrincipalArn);
        var session = Assert.Throws<InvalidSettingException>(() =>
            From(new() { [ContextKeys.EksDeployer] = "arn:aws:sts::123456789012:assumed-role/Admin/me" }));
        Assert.Contains("STS session", session.Message);
        Assert.Throws<InvalidSettingException>(() => From(new() { [ContextKeys.EksDeployer] = "role/Admin" }));
        Assert.Throws<InvalidSettingException>(() => From(new() { [ContextKeys.EksDeployer] = "Admin" }));
    }

    [Fact]
    public void Access_list_context_replaces_the_environments_lists()
    {
        var settings = From(new() { [ContextKeys.EksAdmins] = "role/team/Dev, user/ci", [ContextKeys.EksViewers] = "none" });

        Assert.Equal(["role/team/Dev", "user/ci"], settings.Config.Of<EksConfig>().AdminPrincipals);
        Assert.Empty(settings.Config.Of<EksConfig>().ViewPrincipals);
        Assert.Throws<InvalidSettingException>(() => From(new() { [ContextKeys.EksAdmins] = "team/Dev" }));
    }
}

/// <summary>Who reaches the EKS API endpoint: parsed once (context and pipeline option), safe by default.</summary>
public sealed class EksEndpointAccessTests
{
    private static InfraSettings From(string cidrs) =>
        InfraSettings.From(key => key == ContextKeys.EksPublicAccessCidrs ? cidrs : null, _ => null);

    [Fact]
    public void The_dev_environment_configures_no_public_cidrs_so_the_endpoint_is_private_only()
    {
        Assert.Empty(Environments.Dev.Of<EksConfig>().PublicAccessCidrs);
        Assert.Equal("private only: no public endpoint (reach it from inside the VPC)",
            EksEndpointAccess.Describe(Environments.Dev.Of<EksConfig>().PublicAccessCidrs));
    }

    [Theory]
    [InlineData("203.0.113.0/24", new[] { "203.0.113.0/24" })]
    [InlineData(" 203.0.113.0/24 , 198.51.100.7/32,203.0.113.0/24", new[] { "203.0.113.0/24", "198.51.100.7/32" })]
    [InlineData("private", new string[0])]
    [InlineData("0.0.0.0/0", new[] { "0.0.0.0/0" })]
    public void Context_lists_the_cidrs_or_says_private(string value, string[] expected)
    {
        Assert.Equal(expected, From(value).Config.Of<EksConfig>().PublicAccessCidrs);
    }

    [Theory]
    [InlineData("10.0.0.1/8", "'10.0.0.1/8' has host bits set: write 10.0.0.0/8")]
    [InlineData("203.0.113.0", "'203.0.113.0' is not an IPv4 CIDR like 203.0.113.0/24 (a single address is /32)")]
    [InlineData("203.0.113.0/33", "is not an IPv4 CIDR")]
    [InlineData("2001:db8::/32", "is not an IPv4 CIDR")]
    [InlineData("office", "is not an IPv4 CIDR")]
    [InlineData(",", "is empty: list IPv4 CIDRs")]
    public void A_malformed_cidr_is_an_error_that_says_what_to_write(string value, string message)
    {
        var error = Assert.Throws<InvalidSettingException>(() => From(value));

        Assert.Contains($"Context '{ContextKeys.EksPublicAccessCidrs}'", error.Message);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Describe_names_an_open_endpoint_loudly()
    {
        Assert.Equal("public from ANYWHERE (0.0.0.0/0), and private", EksEndpointAccess.Describe(["0.0.0.0/0"]));
        Assert.Equal("public from 203.0.113.0/24 only, and private", EksEndpointAccess.Describe(["203.0.113.0/24"]));
    }
}
/// <summary>Who the backend's load balancer admits, and whether there is one: the same parser as the EKS endpoint's, nobody by default.</summary>
public sealed class BackendAccessSettingsTests
{
    private static InfraSettings From(string key, string value) => InfraSettings.From(k => k == key ? value : null, _ => null);

    [Fact]
    public void The_dev_environment_has_the_load_balancer_and_admits_nobody_from_outside()
    {
        var eks = Environments.Dev.Of<EksConfig>();

        Assert.True(eks.BackendLoadBalancer);
        Assert.Empty(eks.BackendPublicCidrs);
        Assert.Equal("admits nobody from outside (no CIDRs configured)", BackendAccess.Describe(eks.BackendPublicCidrs));
        Assert.Equal("admits ANYONE (0.0.0.0/0)", BackendAccess.Describe(["0.0.0.0/0"]));
    }

    [Fact]
    public void Context_sets_the_admitted_cidrs_and_refuses_a_malformed_one_naming_its_key()
    {
        Assert.Equal(["203.0.113.0/24"], From(ContextKeys.BackendPublicCidrs, "203.0.113.0/24").Config.Of<EksConfig>().BackendPublicCidrs);
        Assert.Empty(From(ContextKeys.BackendPublicCidrs, "private").Config.Of<EksConfig>().BackendPublicCidrs);

        var error = Assert.Throws<InvalidSettingException>(() => From(ContextKeys.BackendPublicCidrs, "10.0.0.1/8"));

        Assert.Contains($"Context '{ContextKeys.BackendPublicCidrs}'", error.Message);
        Assert.Contains("write 10.0.0.0/8", error.Message);
    }

    [Fact]
    public void Context_turns_the_load_balancer_off_with_false_and_refuses_anything_but_true_or_false()
    {
        Assert.False(From(ContextKeys.BackendLoadBalancer, "false").Config.Of<EksConfig>().BackendLoadBalancer);
        Assert.True(From(ContextKeys.BackendLoadBalancer, "TRUE").Config.Of<EksConfig>().BackendLoadBalancer);

        var error = Assert.Throws<InvalidSettingException>(() => From(ContextKeys.BackendLoadBalancer, "off"));

        Assert.Contains($"-c {ContextKeys.BackendLoadBalancer}=false", error.Message);
    }
}

/// <summary>The one definition of the nodes' architecture, checked against CDK's reading of instance type names.</summary>
public sealed class NodePlatformTests
{
    [Theory]
    [InlineData("t3.medium")]
    [InlineData("t3a.medium")]
    [InlineData("m7i-flex.large")]
    [InlineData("c6in.xlarge")]
    [InlineData("g4dn.xlarge")]
    [InlineData("t4g.medium")]
    [InlineData("m7g.large")]
    [InlineData("c7gn.large")]
    [InlineData("r8gd.large")]
    [InlineData("im4gn.large")]
    [InlineData("a1.large")]
    public void The_architecture_of_an_instance_type_agrees_with_cdk(string instanceType)
    {
        var cdk = new Amazon.CDK.AWS.EC2.InstanceType(instanceType).Architecture;

        Assert.Equal(cdk == Amazon.CDK.AWS.EC2.InstanceArchitecture.ARM_64 ? NodeArchitecture.Arm64 : NodeArchitecture.X86_64,
            NodePlatform.ArchitectureOf(instanceType));
    }

    [Fact]
    public void Graviton_nodes_get_the_arm64_ami_and_mixed_architectures_are_refused()
    {
        var graviton = Environments.Dev.With(Environments.Dev.Of<EksConfig>() with { NodeInstanceTypes = ["t4g.medium", "m7g.large"] });
        var app = ExchangeApp.Create(new InfraSettings { Config = graviton });
        var template = Amazon.CDK.Assertions.Template.FromStack(app.Stack<Exchange.Infra.Stacks.EksStack>());

        template.HasResourceProperties("AWS::EKS::Nodegroup", new Dictionary<string, object> { ["AmiType"] = "AL2023_ARM_64_STANDARD" });
        Assert.Equal("linux/arm64", graviton.Of<EksConfig>().NodeArchitecture.ImagePlatform());
        Assert.Equal("linux/amd64", Environments.Dev.Of<EksConfig>().NodeArchitecture.ImagePlatform());
        var mixed = Environments.Dev.With(Environments.Dev.Of<EksConfig>() with { NodeInstanceTypes = ["t3.medium", "t4g.medium"] });
        Assert.Contains("mix CPU architectures", Assert.Throws<ArgumentException>(() => mixed.Of<EksConfig>().NodeArchitecture).Message);
    }
}

/// <summary>The configured Kubernetes version is still in EKS standard support (this test reads today's date on purpose).</summary>
public sealed class KubernetesSupportTests
{
    [Theory]
    [MemberData(nameof(EnvironmentNames))]
    public void The_configured_Kubernetes_version_is_still_in_standard_support(string env)
    {
        var config = Environments.Get(env);
        var end = KubernetesSupport.StandardSupportEnd(config.Of<EksConfig>().KubernetesVersion);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);

        Assert.True(today <= end,
            $"Kubernetes {config.Of<EksConfig>().KubernetesVersion} ({env}) left EKS standard support on {end:yyyy-MM-dd}: EKS bills extended support or " +
                "upgrades " +
            "the cluster by itself, and a redeploy of the old version fails. Move EksConfig.KubernetesVersion in src/Exchange.Contracts/Environments.cs " +
            "to a supported version (README: Kubernetes version).");
    }

    [Theory]
    [MemberData(nameof(EnvironmentNames))]
    public void The_configured_nodes_run_the_control_planes_minor_version(string env)
    {
        var eks = Environments.Get(env).Of<EksConfig>();

        Assert.True(eks.NodeKubernetesVersion == eks.KubernetesVersion,
            $"{env}: NodeReleaseVersion {eks.NodeReleaseVersion} is for Kubernetes {eks.NodeKubernetesVersion}, but KubernetesVersion is " +
            $"{eks.KubernetesVersion}: set both to the same minor version (README: Upgrades).");
    }

    [Fact]
    public void A_version_without_an_end_date_says_where_to_add_it()
    {
        Assert.Contains("KubernetesSupport.cs", Assert.Throws<ArgumentException>(() => KubernetesSupport.StandardSupportEnd("1.99")).Message);
    }

    public static TheoryData<string> EnvironmentNames => new(Environments.KnownNames);
}
