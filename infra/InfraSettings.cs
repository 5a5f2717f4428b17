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

    /// <summary>
    /// The deploying identity's role or user ARN when the environment's lists do not name it: it gets cluster-admin for this deploy
    /// (the next deploy by someone else drops it). Null: no extra entry.
    /// </summary>
    public string? DeployerPrincipalArn { get; init; }

    /// <summary>The principal whose access entry keeps the logical ID AdminAccessEntry (a cluster deployed before the access list).</summary>
    public string? LegacyAdminEntryPrincipal { get; init; }

    /// <summary>Settings for an environment with no account and no deployer (what tests and offline synth use).</summary>
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

        config = WithVersions(config, Blank(context(ContextKeys.KubernetesVersion)), Blank(context(ContextKeys.NodeReleaseVersion)));
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

        if (Blank(context(ContextKeys.RetiredAdminPrincipalArn)) is not null)
        {
            throw new InvalidSettingException(
                $"Context '{ContextKeys.RetiredAdminPrincipalArn}' was replaced by the access list: list the principal in EksConfig.AdminPrincipals " +
                $"(src/Exchange.Contracts/Environments.cs) or pass -c {ContextKeys.EksAdmins}=role/PATH/NAME,...");
        }

        var eks = config.Of<EksConfig>();
        eks = eks with
        {
            AdminPrincipals = Principals(context, ContextKeys.EksAdmins) ?? eks.AdminPrincipals,
            ViewPrincipals = Principals(context, ContextKeys.EksViewers) ?? eks.ViewPrincipals,
        };
        if (ClusterPrincipals.Problems(eks.AdminPrincipals, eks.ViewPrincipals, account) is { Count: > 0 } problems)
        {
            throw new InvalidSettingException("Cluster access list (EksConfig.AdminPrincipals/ViewPrincipals): " + string.Join("; ", problems) + ".");
        }

        config = config.With(eks);
        return new InfraSettings
        {
            Config = config,
            Account = account,
            DeployerPrincipalArn = Principal(context, ContextKeys.EksDeployer),
            LegacyAdminEntryPrincipal = Principal(context, ContextKeys.EksLegacyAdminEntry),
        };
    }

    /// <summary>
    /// The Upgrade target's staged deploys move the control plane and the nodes one after the other: each stage synthesizes the app with
    /// the versions of that moment. Kubernetes lets nodes run up to three minor versions behind the control plane, never ahead of it.
    /// </summary>
    private static EnvironmentConfig WithVersions(EnvironmentConfig config, string? kubernetesVersion, string? nodeReleaseVersion)
    {
        if (kubernetesVersion is not null && !KubernetesVersions.IsMinor(kubernetesVersion))
            throw new InvalidSettingException($"Context '{ContextKeys.KubernetesVersion}' is '{kubernetesVersion}'; expected a Kubernetes minor version " +
                                              $"such as 1.36 (-c {ContextKeys.KubernetesVersion}=1.36).");
        if (nodeReleaseVersion is not null && !KubernetesVersions.IsRelease(nodeReleaseVersion))
            throw new InvalidSettingException($"Context '{ContextKeys.NodeReleaseVersion}' is '{nodeReleaseVersion}'; expected an EKS node AMI " +
                                              $"release version such as 1.36.2-20270115 (-c {ContextKeys.NodeReleaseVersion}=1.36.2-20270115).");
        var eks = config.Of<EksConfig>();
        eks = eks with
        {
            KubernetesVersion = kubernetesVersion ?? eks.KubernetesVersion,
            NodeReleaseVersion = nodeReleaseVersion ?? eks.NodeReleaseVersion,
        };
        var behind = KubernetesVersions.Parse(eks.KubernetesVersion).Minor - KubernetesVersions.Parse(eks.NodeKubernetesVersion).Minor;
        if (behind is < 0 or > 3)
            throw new InvalidSettingException($"The nodes' release {eks.NodeReleaseVersion} is for Kubernetes {eks.NodeKubernetesVersion}, the control " +
                                              $"plane runs {eks.KubernetesVersion}: nodes may run up to three minor versions behind the control plane, " +
                                              "never ahead of it. Set KubernetesVersion and NodeReleaseVersion together " +
                                              "(src/Exchange.Contracts/Environments.cs).");
        return config.With(eks);
    }

    private static IReadOnlyList<string>? Principals(Func<string, string?> context, string key)
    {
        if (Blank(context(key)) is not { } text)
        {
            return null;
        }

        try
        {
            return ClusterPrincipals.Parse(text, $"Context '{key}'");
        }
        catch (FormatException e)
        {
            throw new InvalidSettingException(e.Message);
        }
    }

    /// <summary>One principal as a full ARN (access entries need the real ARN, path included; a session ARN is refused).</summary>
    private static string? Principal(Func<string, string?> context, string key)
    {
        if (Blank(context(key)) is not { } arn)
        {
            return null;
        }

        var problem = ClusterPrincipals.Problem(arn) ?? (arn.StartsWith("arn:", StringComparison.Ordinal) ? null : $"'{arn}' is not a full ARN");
        if (problem is not null)
        {
            throw new InvalidSettingException($"Context '{key}': {problem} (arn:aws:iam::ACCOUNT:role/PATH/NAME).");
        }

        return arn;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>A context value or environment variable the app cannot use; the message says what to pass instead.</summary>
public sealed class InvalidSettingException(string message) : Exception(message);
