namespace Exchange.Build.Settings;

/// <summary>Every environment variable the build reads. Tasks never read the environment themselves.</summary>
public static class EnvVars
{
    public const string CdkPath = "CDK_PATH";
    public const string AwsPath = "AWS_PATH";
    public const string DockerPath = "DOCKER_PATH";
    public const string KubectlPath = "KUBECTL_PATH";
    public const string Path = "PATH";

    public const string AwsProfile = "AWS_PROFILE";
    public const string AwsRegion = "AWS_REGION";
    public const string AwsDefaultRegion = "AWS_DEFAULT_REGION";

    /// <summary>The account the environment must live in, when --account is not given.</summary>
    public const string Account = "EXCHANGE_ACCOUNT";
    /// <summary>Retired with --admin-principal: refused with the access list to use instead.</summary>
    public const string RetiredAdminPrincipal = "EXCHANGE_ADMIN_PRINCIPAL";
    /// <summary>tunnel or direct, when --cluster-access is not given.</summary>
    public const string ClusterAccess = "EXCHANGE_CLUSTER_ACCESS";
    /// <summary>The cluster admins, when --eks-admins is not given (replaces EksConfig.AdminPrincipals).</summary>
    public const string EksAdmins = "EXCHANGE_EKS_ADMINS";
    /// <summary>The read-only principals, when --eks-viewers is not given (replaces EksConfig.ViewPrincipals).</summary>
    public const string EksViewers = "EXCHANGE_EKS_VIEWERS";
    /// <summary>Who reaches the EKS API endpoint from the internet, when --eks-public-cidrs is not given.</summary>
    public const string EksPublicCidrs = "EXCHANGE_EKS_PUBLIC_CIDRS";
    /// <summary>Who the backend's load balancer admits, when --backend-public-cidrs is not given.</summary>
    public const string BackendPublicCidrs = "EXCHANGE_BACKEND_PUBLIC_CIDRS";
    /// <summary>Where run artefacts go (default: artifacts/&lt;env&gt;).</summary>
    public const string ArtifactsDir = "EXCHANGE_ARTIFACTS_DIR";
    /// <summary>Where the cloud assembly is synthesized (default: &lt;artifacts&gt;/cdk.out).</summary>
    public const string CdkOutDir = "EXCHANGE_CDK_OUT";
    public const string Ci = "CI";
    /// <summary>Pretend it is this instant (ISO 8601) when reading the sleep schedule: tests, and "what would FollowSchedule do at ...".</summary>
    public const string Now = "EXCHANGE_NOW";
    /// <summary>GitHub Actions' job summary file; CostDiff appends its markdown there.</summary>
    public const string GitHubStepSummary = "GITHUB_STEP_SUMMARY";
    /// <summary>Who a preview belongs to: the GitHub user that triggered the workflow run (else the local user).</summary>
    public const string GitHubActor = "GITHUB_ACTOR";
    public const string User = "USER";
    public const string Home = "HOME";
    public const string UserProfile = "USERPROFILE";
    public const string DockerConfig = "DOCKER_CONFIG";
    /// <summary>The Docker engine's socket (read only to say where the tests looked).</summary>
    public const string DockerHost = "DOCKER_HOST";
}
