using Exchange.Build.Tools;

namespace Exchange.Build.Pipeline;

/// <summary>Target names: the interface people and CI use. build.cake declares tasks with these.</summary>
public static class TaskNames
{
    public const string Default = "Default";
    public const string Test = "Test";
    public const string Render = "Render";
    public const string Plan = "Plan";

    public const string Doctor = "Doctor";
    public const string Synth = "Synth";
    public const string Bootstrap = "Bootstrap";
    public const string DeployInfra = "DeployInfra";
    public const string Kubeconfig = "Kubeconfig";
    public const string BuildImages = "BuildImages";
    public const string PushImages = "PushImages";
    public const string Secrets = "Secrets";
    public const string ApplyK8s = "ApplyK8s";
    public const string Verify = "Verify";
    public const string DeployDev = "DeployDev";

    public const string Status = "Status";
    public const string Diff = "Diff";
    public const string Pause = "Pause";
    public const string Resume = "Resume";
    public const string DestroyDev = "DestroyDev";
    public const string Cost = "Cost";
    public const string Permissions = "Permissions";
    public const string CostDiff = "CostDiff";
    public const string FollowSchedule = "FollowSchedule";
    public const string Tunnel = "Tunnel";

    /// <summary>Tasks that call AWS with credentials: they need the account guard.</summary>
    public static readonly IReadOnlySet<string> TouchAws = new HashSet<string>(StringComparer.Ordinal)
    {
        Doctor, Bootstrap, DeployInfra, Kubeconfig, PushImages, Secrets, ApplyK8s, Verify,
        Status, Diff, Pause, Resume, DestroyDev, FollowSchedule, Tunnel,
    };

    /// <summary>Tasks that talk to the cluster's API endpoint (kubectl): with the tunnel path, the way there is checked before they deploy.</summary>
    public static readonly IReadOnlySet<string> UseClusterApi = new HashSet<string>(StringComparer.Ordinal)
    {
        Kubeconfig, Secrets, ApplyK8s, Verify, Status, Diff, Pause, Resume, FollowSchedule, DestroyDev, Tunnel,
    };

    /// <summary>Tasks that work on local files only (the cloud assembly, rendered manifests, reports).</summary>
    public static readonly IReadOnlySet<string> Offline = new HashSet<string>(StringComparer.Ordinal) { Synth, Render, Plan, Test, Cost };

    /// <summary>Tasks that check AWS only when an account is configured, and say they skipped it when not.</summary>
    public static readonly IReadOnlySet<string> AwsOptional = new HashSet<string>(StringComparer.Ordinal) { Doctor };

    /// <summary>Tasks that read the engine and backend source trees.</summary>
    public static readonly IReadOnlySet<string> NeedSources = new HashSet<string>(StringComparer.Ordinal)
    {
        BuildImages, FollowSchedule,
    };

    /// <summary>
    /// The tools with an override variable (CDK_PATH, AWS_PATH, DOCKER_PATH, KUBECTL_PATH) each task
    /// may run. A run checks those overrides before its first task, so a broken one fails every run
    /// that would use the tool, even when the tool's work is cached.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, ToolKind[]> OverridableTools = new Dictionary<string, ToolKind[]>(StringComparer.Ordinal)
    {
        [Synth] = [ToolKind.Cdk],
        [Render] = [ToolKind.Kubectl],
        [Plan] = [ToolKind.Kubectl],
        [Test] = [ToolKind.Docker, ToolKind.Kubectl],
        // Doctor is not here: it reports a broken override in its table (missing), then fails.
        [Bootstrap] = [ToolKind.Aws, ToolKind.Cdk],
        [DeployInfra] = [ToolKind.Aws, ToolKind.Cdk],
        [BuildImages] = [ToolKind.Docker],
        [PushImages] = [ToolKind.Aws, ToolKind.Docker],
        [Kubeconfig] = [ToolKind.Aws, ToolKind.Kubectl],
        [Secrets] = [ToolKind.Aws, ToolKind.Kubectl],
        [ApplyK8s] = [ToolKind.Aws, ToolKind.Kubectl],
        [Verify] = [ToolKind.Aws, ToolKind.Kubectl],
        [Status] = [ToolKind.Aws, ToolKind.Kubectl],
        [Diff] = [ToolKind.Aws, ToolKind.Cdk, ToolKind.Kubectl],
        [Pause] = [ToolKind.Aws, ToolKind.Cdk, ToolKind.Kubectl],
        [Resume] = [ToolKind.Aws, ToolKind.Cdk, ToolKind.Kubectl],
        [DestroyDev] = [ToolKind.Aws, ToolKind.Cdk, ToolKind.Kubectl],
        [Cost] = [ToolKind.Cdk],
        [Tunnel] = [ToolKind.Aws, ToolKind.Kubectl],
    };
}
