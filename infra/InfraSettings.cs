using Exchange.Contracts;

namespace Exchange.Infra;

/// <summary>
/// Everything the app takes from outside, resolved once in <see cref="Program"/> from CDK context and
/// environment variables. Stacks and constructs only ever see this typed value.
/// </summary>
public sealed record InfraSettings
{
    public required EnvironmentConfig Config { get; init; }

    /// <summary>Account the stacks are pinned to; null synthesizes environment-agnostic stacks (region only).</summary>
    public string? Account { get; init; }

    /// <summary>IAM role or user that gets cluster-admin through an EKS access entry; null creates no entry.</summary>
    public string? AdminPrincipalArn { get; init; }

    /// <summary>Settings for an environment with no account and no admin principal (what tests and offline synth use).</summary>
    public static InfraSettings For(string env) => new() { Config = Environments.Get(env) };

    /// <summary>
    /// Reads <see cref="ContextKeys"/> through <paramref name="context"/> and <c>CDK_DEFAULT_ACCOUNT</c> through
    /// <paramref name="environment"/>. Throws <see cref="UnknownEnvironmentException"/> or
    /// <see cref="InvalidSettingException"/> with a message meant for the person running <c>cdk</c>.
    /// </summary>
    public static InfraSettings From(Func<string, string?> context, Func<string, string?> environment)
    {
        var config = Environments.Get(context(ContextKeys.Env));

        var nat = Blank(context(ContextKeys.Nat));
        if (nat is not null)
        {
            config = config.With(config.Of<VpcConfig>() with
            {
                Nat = nat.ToLowerInvariant() switch
                {
                    "gateway" => NatKind.Gateway,
                    "instance" => NatKind.Instance,
                    _ => throw new InvalidSettingException(
                        $"Context '{ContextKeys.Nat}' is '{nat}'; use 'gateway' or 'instance' (e.g. -c {ContextKeys.Nat}=gateway)."),
                },
            });
        }

        var cidrs = Blank(context(ContextKeys.EksPublicAccessCidrs));
        if (cidrs is not null)
        {
            try
            {
                config = config.With(config.Of<EksConfig>() with
                {
                    PublicAccessCidrs = EksEndpointAccess.Parse(cidrs, $"Context '{ContextKeys.EksPublicAccessCidrs}'"),
                });
            }
            catch (FormatException e)
            {
                throw new InvalidSettingException(e.Message);
            }
        }

        var backendCidrs = Blank(context(ContextKeys.BackendPublicCidrs));
        if (backendCidrs is not null)
        {
            try
            {
                config = config.With(config.Of<EksConfig>() with
                {
                    BackendPublicCidrs = EksEndpointAccess.Parse(backendCidrs, $"Context '{ContextKeys.BackendPublicCidrs}'"),
                });
            }
            catch (FormatException e)
            {
                throw new InvalidSettingException(e.Message);
            }
        }

        var backendLoadBalancer = Blank(context(ContextKeys.BackendLoadBalancer));
        if (backendLoadBalancer is not null)
        {
            config = config.With(config.Of<EksConfig>() with
            {
                BackendLoadBalancer = backendLoadBalancer.ToLowerInvariant() switch
                {
                    "true" => true,
                    "false" => false,
                    _ => throw new InvalidSettingException($"Context '{ContextKeys.BackendLoadBalancer}' is '{backendLoadBalancer}'; use 'true' or " +
                                                           $"'false' (e.g. -c {ContextKeys.BackendLoadBalancer}=false)."),
                },
            });
        }

        var account = Blank(context(ContextKeys.Account)) ?? Blank(environment("CDK_DEFAULT_ACCOUNT")) ?? config.Account;
        if (account is not null && !(account.Length == 12 && account.All(char.IsAsciiDigit)))
        {
            throw new InvalidSettingException($"Account '{account}' is not a 12-digit AWS account id (context '{ContextKeys.Account}').");
        }

        var admin = Blank(context(ContextKeys.AdminPrincipalArn));
        if (admin is not null)
        {
            ValidateAdminPrincipal(admin);
        }

        return new InfraSettings { Config = config, Account = account, AdminPrincipalArn = admin };
    }

    private static void ValidateAdminPrincipal(string arn)
    {
        // EKS access entries take IAM users and roles. `aws sts get-caller-identity` returns an
        // assumed-role *session* ARN, which CreateAccessEntry rejects, and the role's path (e.g.
        // /aws-reserved/sso.amazonaws.com/) cannot be recovered from it here: fail at synth, not deploy.
        if (arn.Contains(":assumed-role/", StringComparison.Ordinal))
        {
            throw new InvalidSettingException(
                $"Context '{ContextKeys.AdminPrincipalArn}' is an STS session ARN ({arn}). Pass the IAM role ARN instead " +
                "(arn:aws:iam::ACCOUNT:role/PATH/NAME, see `aws iam get-role --role-name NAME`).");
        }

        var parts = arn.Split(':', 6);
        if (parts.Length != 6 || parts[0] != "arn" || parts[2] != "iam"
            || !(parts[5].StartsWith("role/", StringComparison.Ordinal) || parts[5].StartsWith("user/", StringComparison.Ordinal)))
        {
            throw new InvalidSettingException(
                $"Context '{ContextKeys.AdminPrincipalArn}' is '{arn}'; expected an IAM role or user ARN (arn:aws:iam::ACCOUNT:role/NAME).");
        }
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>A context value or environment variable the app cannot use; the message says what to pass instead.</summary>
public sealed class InvalidSettingException(string message) : Exception(message);
