namespace Exchange.Build.Pipeline;

/// <summary>Target names: the interface people and CI use. Each is declared once in <see cref="Targets"/>.</summary>
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
    public const string Upgrade = "Upgrade";
    public const string Tunnel = "Tunnel";

    public const string DeployPreview = "DeployPreview";
    public const string DestroyPreview = "DestroyPreview";
    public const string Previews = "Previews";
    public const string SweepPreviews = "SweepPreviews";
}
