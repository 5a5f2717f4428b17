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
    public void Missing_environment_means_dev_with_no_account_and_no_admin()
    {
        var settings = From([]);

        Assert.Equal("dev", settings.Config.EnvName);
        Assert.Null(settings.Account);
        Assert.Null(settings.AdminPrincipalArn);
        Assert.Equal(NatKind.Instance, settings.Config.Nat);
    }

    [Theory]
    [InlineData("gateway", NatKind.Gateway)]
    [InlineData("Instance", NatKind.Instance)]
    public void Nat_context_overrides_the_environment_choice(string value, NatKind expected)
    {
        Assert.Equal(expected, From(new() { [ContextKeys.Nat] = value }).Config.Nat);
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
    public void Admin_principal_must_be_an_iam_role_or_user_not_a_session()
    {
        const string role = "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123";

        Assert.Equal(role, From(new() { [ContextKeys.AdminPrincipalArn] = role }).AdminPrincipalArn);
        var session = Assert.Throws<InvalidSettingException>(() =>
            From(new() { [ContextKeys.AdminPrincipalArn] = "arn:aws:sts::123456789012:assumed-role/Admin/me" }));
        Assert.Contains("Pass the IAM role ARN", session.Message);
        Assert.Throws<InvalidSettingException>(() => From(new() { [ContextKeys.AdminPrincipalArn] = "Admin" }));
    }
}
