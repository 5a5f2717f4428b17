using Exchange.Build.Pipeline.Tasks;
using Exchange.Build.Pipeline;
using Exchange.Build.Settings;
using Exchange.Contracts;

namespace Exchange.Build.Tests;

public class SettingsTests
{
    [Fact]
    public void Defaults_are_the_dev_environment_and_the_sibling_checkouts()
    {
        var settings = Contexts.Settings();

        Assert.Equal("dev", settings.Environment.EnvName);
        Assert.Equal("ap-northeast-2", settings.Region);
        Assert.Equal(Path.GetFullPath(Path.Combine(Contexts.RepoRoot, "..", "future-engine")), settings.EngineDir);
        Assert.Equal(Path.Combine(Contexts.RepoRoot, "artifacts", "dev", "cdk-outputs.json"), settings.OutputsFile);
        Assert.Equal(Path.Combine(Contexts.RepoRoot, "k8s", "overlays", "aws-dev"), settings.OverlayDir);
    }

    [Fact]
    public void An_unknown_environment_lists_the_known_ones_and_a_typo_gets_did_you_mean()
    {
        var error = Assert.Throws<SettingsException>(() => Contexts.Settings(new() { ["env"] = "prod" }));
        var typo = Assert.Throws<SettingsException>(() => Contexts.Settings(new() { ["env"] = "dve" }));

        Assert.Contains("Unknown environment 'prod'", error.Message);
        Assert.Contains("Known environments: dev", error.Message);
        Assert.DoesNotContain("Did you mean", error.Message);
        Assert.EndsWith("Did you mean --env=dev?", typo.Message);
    }

    [Theory]
    [InlineData("latest", "is refused")]
    [InlineData("has space", "not a valid image tag")]
    [InlineData("-leading-dash", "not a valid image tag")]
    public void Bad_image_tags_are_refused(string tag, string message)
    {
        var error = Assert.Throws<SettingsException>(() => Contexts.Settings(new() { ["image-tag"] = tag }));

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Every_bad_value_is_reported_at_once()
    {
        var error = Assert.Throws<SettingsException>(() => Contexts.Settings(new()
        {
            ["account"] = "12345", ["verify-timeout"] = "soon", ["cdk-concurrency"] = "99", ["skip-images"] = "maybe",
        }));

        Assert.Equal(4, error.Problems.Count);
        Assert.Contains("not a 12-digit AWS account id", error.Message);
        Assert.Contains("is not a duration", error.Message);
        Assert.Contains("must be a number from 1 to 10", error.Message);
        Assert.Contains("--skip-images takes true or false", error.Message);
    }

    [Fact]
    public void The_account_comes_from_the_argument_before_the_environment_variable()
    {
        var settings = Contexts.Settings(new() { ["account"] = "111122223333" }, new() { ["EXCHANGE_ACCOUNT"] = "444455556666" });

        Assert.Equal("111122223333", settings.Account);
        Assert.Equal("444455556666", Contexts.Settings(environment: new() { ["EXCHANGE_ACCOUNT"] = "444455556666" }).Account);
    }

    [Fact]
    public void Bare_switches_are_true_and_durations_accept_minutes()
    {
        var settings = Contexts.Settings(new() { ["skip-verify"] = "", ["confirm"] = "true", ["verify-timeout"] = "7m" });

        Assert.True(settings.SkipVerify);
        Assert.True(settings.Confirm);
        Assert.False(settings.SkipImages);
        Assert.Equal(TimeSpan.FromMinutes(7), settings.VerifyTimeout);
    }

    [Fact]
    public void A_missing_engine_directory_is_reported_before_anything_runs()
    {
        using var dir = new TempDir();
        var settings = Contexts.Settings(new() { ["engine-dir"] = dir.Combine("absent"), ["backend-dir"] = dir.Path, ["account"] = "111122223333" });

        var error = Assert.Throws<SettingsException>(() => settings.ValidateFor([TaskNames.Doctor, TaskNames.BuildImages]));

        Assert.Contains($"Engine source directory '{dir.Combine("absent")}' does not exist. Pass --engine-dir=PATH", error.Message);
        Assert.Contains("has no Dockerfile", error.Message); // the backend dir exists but has no Dockerfile
    }

    [Fact]
    public void The_checker_is_built_from_this_repository_unless_told_otherwise_and_a_context_without_its_Dockerfile_is_refused()
    {
        using var dir = new TempDir();

        var defaults = Contexts.Settings();
        var error = Assert.Throws<SettingsException>(() =>
            Contexts.Settings(new() { ["checker-dir"] = dir.Path, ["account"] = "111122223333" }).ValidateFor([TaskNames.BuildImages]));

        Assert.Equal(Contexts.RepoRoot, defaults.CheckerDir);
        Assert.True(File.Exists(defaults.CheckerDockerfile), defaults.CheckerDockerfile);
        Assert.Contains($"Checker source directory '{dir.Path}' has no src/Exchange.Checker/Dockerfile. Pass --checker-dir=PATH", error.Message);
    }

    [Fact]
    public void Source_directories_are_not_checked_when_images_are_skipped_or_not_built()
    {
        using var dir = new TempDir();
        var arguments = new Dictionary<string, string> { ["engine-dir"] = dir.Combine("absent"), ["account"] = "111122223333" };

        Contexts.Settings(arguments).ValidateFor([TaskNames.Secrets]);
        Contexts.Settings(new(arguments) { ["skip-images"] = "true" }).ValidateFor([TaskNames.BuildImages]);
    }

    [Fact]
    public void AWS_targets_without_an_account_are_refused_with_what_to_pass()
    {
        var error = Assert.Throws<SettingsException>(() => Contexts.Settings().ValidateFor([TaskNames.Synth, TaskNames.DeployInfra]));

        Assert.Contains("No AWS account is configured for environment 'dev'", error.Message);
        Assert.Contains("--account=123456789012", error.Message);
        Assert.Contains("EXCHANGE_ACCOUNT", error.Message);
    }

    [Fact]
    public void Offline_targets_need_no_account()
    {
        Contexts.Settings().ValidateFor([TaskNames.Synth, TaskNames.Render, TaskNames.Plan, TaskNames.Default]);
    }

    [Fact]
    public void The_described_settings_name_the_environment_and_the_skips()
    {
        var lines = Contexts.Settings(new() { ["skip-infra"] = "true", ["image-tag"] = "v1.2.3" }).Describe().ToArray();

        Assert.Contains(lines, l => l.Contains("exchange-dev") && l.Contains("ap-northeast-2"));
        Assert.Contains(lines, l => l.Contains("v1.2.3"));
        Assert.Contains(lines, l => l.StartsWith("skipping") && l.Contains("infra"));
    }

    [Theory]
    [InlineData("Developer", false)]
    [InlineData("arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_1/jane", false)]
    [InlineData("role/aws-reserved/sso.amazonaws.com/ap-northeast-2/AWSReservedSSO_Admin_1,arn:aws:iam::111122223333:user/ci", true)]
    public void The_cluster_admins_must_be_IAM_roles_or_users_relative_to_the_account_or_full_ARNs(string admins, bool valid)
    {
        var arguments = new Dictionary<string, string> { ["eks-admins"] = admins };

        if (valid) Assert.Equal(admins.Split(','), Contexts.Settings(arguments).Environment.Of<Exchange.Contracts.EksConfig>().AdminPrincipals);
        else Assert.Contains("--eks-admins", Assert.Throws<SettingsException>(() => Contexts.Settings(arguments)).Message);
    }

    [Fact]
    public void The_retired_admin_principal_option_and_variable_are_refused_with_the_access_list_to_use_instead()
    {
        var option = Assert.Throws<SettingsException>(() => Contexts.Settings(new() { ["admin-principal"] = "arn:aws:iam::111122223333:role/Admin" }));
        var variable = Assert.Throws<SettingsException>(() => Contexts.Settings(environment: new() { ["EXCHANGE_ADMIN_PRINCIPAL"] = "x" }));

        Assert.All(new[] { option, variable }, e => Assert.Contains("EksConfig.AdminPrincipals", e.Message));
        Assert.Contains("Unset EXCHANGE_ADMIN_PRINCIPAL", variable.Message);
    }

    [Theory]
    [InlineData(null, null, "tunnel")]
    [InlineData(null, "203.0.113.0/24", "direct")]
    [InlineData("tunnel", "203.0.113.0/24", "tunnel")]
    [InlineData("DIRECT", "203.0.113.0/24", "direct")]
    public void The_cluster_path_is_the_tunnel_unless_public_cidrs_are_configured_or_an_option_chooses(string? option, string? cidrs, string expected)
    {
        var arguments = new Dictionary<string, string>();
        if (option is not null) arguments["cluster-access"] = option;
        if (cidrs is not null) arguments["eks-public-cidrs"] = cidrs;

        var settings = Contexts.Settings(arguments);

        Assert.Equal(expected, ClusterPaths.Name(settings.ClusterPath));
        Assert.Contains(settings.Describe(), l => l.StartsWith("kubectl", StringComparison.Ordinal) && l.Contains($"--cluster-access={expected}"));
    }

    [Fact]
    public void Direct_without_public_cidrs_and_an_unknown_path_are_refused_with_what_to_pass()
    {
        var direct = Assert.Throws<SettingsException>(() => Contexts.Settings(new() { ["cluster-access"] = "direct" }));
        var unknown = Assert.Throws<SettingsException>(() => Contexts.Settings(new() { ["cluster-access"] = "vpn" }));

        Assert.Contains("--eks-public-cidrs=<office/VPN CIDR>", direct.Message);
        Assert.Contains("--cluster-access=tunnel", direct.Message);
        Assert.Contains("neither tunnel", unknown.Message);
    }
}

/// <summary>--eks-public-cidrs: who reaches the EKS API endpoint, passed to cdk, printed, and warned about.</summary>
public class EksEndpointSettingsTests
{
    [Fact]
    public void Without_the_option_the_environment_list_applies_and_nothing_is_passed_to_cdk()
    {
        var b = Contexts.Build(new RecordingRunner());

        Assert.Null(b.Settings.EksPublicCidrsOverride);
        Assert.Equal(Environments.Dev.Of<EksConfig>().PublicAccessCidrs, b.Settings.Environment.Of<EksConfig>().PublicAccessCidrs);
        Assert.DoesNotContain(ContextKeys.EksPublicAccessCidrs, Synth.Context(b).Keys);
        Assert.Contains("eks endpoint  private only: no public endpoint (reach it from inside the VPC)", b.Settings.Describe());
    }

    [Fact]
    public void The_option_replaces_the_environment_list_and_goes_to_cdk_as_context()
    {
        var b = Contexts.Build(new RecordingRunner(), new() { ["eks-public-cidrs"] = "203.0.113.0/24, 198.51.100.7/32" });

        Assert.Equal(["203.0.113.0/24", "198.51.100.7/32"], b.Settings.Environment.Of<EksConfig>().PublicAccessCidrs);
        Assert.Equal("203.0.113.0/24,198.51.100.7/32", Synth.Context(b)[ContextKeys.EksPublicAccessCidrs]);
        Assert.Contains("eks endpoint  public from 203.0.113.0/24, 198.51.100.7/32 only, and private", b.Settings.Describe());
    }

    [Fact]
    public void The_environment_variable_applies_when_the_option_is_absent_and_private_means_none()
    {
        var fromVariable = Contexts.Settings(environment: new() { ["EXCHANGE_EKS_PUBLIC_CIDRS"] = "198.51.100.0/24" });
        var optionWins = Contexts.Settings(new() { ["eks-public-cidrs"] = "private" }, new() { ["EXCHANGE_EKS_PUBLIC_CIDRS"] = "198.51.100.0/24" });
        var blankVariable = Contexts.Settings(environment: new() { ["EXCHANGE_EKS_PUBLIC_CIDRS"] = "" });

        Assert.Equal(["198.51.100.0/24"], fromVariable.Environment.Of<EksConfig>().PublicAccessCidrs);
        Assert.Empty(optionWins.Environment.Of<EksConfig>().PublicAccessCidrs);
        Assert.Equal([], optionWins.EksPublicCidrsOverride);
        Assert.Null(blankVariable.EksPublicCidrsOverride);
    }

    [Theory]
    [InlineData("10.1.2.3/16", "'10.1.2.3/16' has host bits set: write 10.1.0.0/16")]
    [InlineData("my-office", "'my-office' is not an IPv4 CIDR")]
    public void A_bad_cidr_is_a_settings_error_with_an_example(string value, string message)
    {
        var error = Assert.Throws<SettingsException>(() => Contexts.Settings(new() { ["eks-public-cidrs"] = value }));

        Assert.Contains(message, error.Message);
        Assert.Contains("Example: --eks-public-cidrs=203.0.113.0/24,198.51.100.7/32", error.Message);
    }

    [Theory]
    [InlineData("0.0.0.0/0", "open to 0.0.0.0/0: anyone on the internet can reach it")]
    [InlineData("private", null)] // the tunnel reaches it
    [InlineData("203.0.113.0/24", null)]
    public void Doctor_warns_about_an_endpoint_open_to_the_internet_only(string cidrs, string? warning)
    {
        var warnings = Doctor.EndpointWarnings(EksEndpointAccess.Parse(cidrs, "test")).ToArray();

        if (warning is null) Assert.Empty(warnings);
        else Assert.Contains(warning, Assert.Single(warnings));
    }
}

/// <summary>--backend-public-cidrs: who the backend's load balancer admits, passed to cdk, printed, and warned about when open.</summary>
public class BackendAccessSettingsTests
{
    [Fact]
    public void Without_the_option_nobody_is_admitted_and_nothing_is_passed_to_cdk()
    {
        var b = Contexts.Build(new RecordingRunner());

        Assert.Null(b.Settings.BackendPublicCidrsOverride);
        Assert.Empty(b.Settings.Environment.Of<EksConfig>().BackendPublicCidrs);
        Assert.DoesNotContain(ContextKeys.BackendPublicCidrs, Synth.Context(b).Keys);
        Assert.Contains("backend lb    admits nobody from outside (no CIDRs configured)", b.Settings.Describe());
    }

    [Fact]
    public void The_option_or_else_the_variable_sets_the_cidrs_and_goes_to_cdk_as_context()
    {
        var b = Contexts.Build(new RecordingRunner(), new() { ["backend-public-cidrs"] = "203.0.113.0/24" },
            new() { ["EXCHANGE_BACKEND_PUBLIC_CIDRS"] = "198.51.100.0/24" });
        var fromVariable = Contexts.Settings(environment: new() { ["EXCHANGE_BACKEND_PUBLIC_CIDRS"] = "198.51.100.0/24" });

        Assert.Equal(["203.0.113.0/24"], b.Settings.Environment.Of<EksConfig>().BackendPublicCidrs);
        Assert.Equal("203.0.113.0/24", Synth.Context(b)[ContextKeys.BackendPublicCidrs]);
        Assert.Contains("backend lb    admits 203.0.113.0/24 only", b.Settings.Describe());
        Assert.Equal(["198.51.100.0/24"], fromVariable.Environment.Of<EksConfig>().BackendPublicCidrs);
        Assert.Empty(Contexts.Settings(new() { ["backend-public-cidrs"] = "private" }).Environment.Of<EksConfig>().BackendPublicCidrs);
    }

    [Fact]
    public void A_bad_cidr_is_a_settings_error_naming_the_option_with_an_example()
    {
        var error = Assert.Throws<SettingsException>(() => Contexts.Settings(new() { ["backend-public-cidrs"] = "10.1.2.3/16" }));

        Assert.Contains("--backend-public-cidrs: '10.1.2.3/16' has host bits set: write 10.1.0.0/16", error.Message);
        Assert.Contains("Example: --backend-public-cidrs=203.0.113.0/24,198.51.100.7/32", error.Message);
    }

    [Theory]
    [InlineData("0.0.0.0/0", true, true)]
    [InlineData("0.0.0.0/0", false, false)]
    [InlineData("203.0.113.0/24", true, false)]
    [InlineData("private", true, false)]
    public void Doctor_warns_about_a_load_balancer_open_to_the_internet_only(string cidrs, bool loadBalancer, bool warns)
    {
        var warnings = Doctor.BackendWarnings(EksEndpointAccess.Parse(cidrs, "test"), loadBalancer).ToArray();

        if (warns) Assert.Contains("admits 0.0.0.0/0: anyone on the internet can call the backend", Assert.Single(warnings));
        else Assert.Empty(warnings);
    }
}
