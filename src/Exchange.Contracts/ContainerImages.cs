namespace Exchange.Contracts;

/// <summary>
/// An image the pipeline builds and pushes: the name k8s/ uses for it (kustomize <c>images</c> rewrites it), its ECR
/// repository in the Ecr stack (with the repository's pinned logical id) and the stack output with the repository's URI.
/// </summary>
public sealed record ContainerImage(string Name, Func<EnvironmentNames, string> Repository, StackOutput RepositoryUri, string RepositoryLogicalId);

/// <summary>
/// Every image of the environment, once: the Ecr stack creates a repository for each, BuildImages and PushImages build
/// and push each, and the deploy policy (Permissions), DestroyDev's leftover check, Cost and the k8s image layer follow.
/// </summary>
public static class ContainerImages
{
    public static readonly ContainerImage MatchingEngine =
        new(WorkloadImages.MatchingEngine, n => n.MatchingEngineRepository, Outputs.MatchingEngineRepoUri, "MatchingEngineRepository");

    public static readonly ContainerImage Backend = new(WorkloadImages.Backend, n => n.BackendRepository, Outputs.BackendRepoUri, "BackendRepository");

    /// <summary>The connectivity checker Verify runs as a Job (src/Exchange.Checker).</summary>
    public static readonly ContainerImage Checker = new(ConnectivityCheck.ImageName, n => n.CheckerRepository, Outputs.CheckerRepoUri, "CheckerRepository");

    public static IReadOnlyList<ContainerImage> All { get; } = [MatchingEngine, Backend, Checker];

    /// <summary>The images of the workloads k8s/overlays deploys (ApplyK8s layers them onto the overlay).</summary>
    public static IReadOnlyList<ContainerImage> Workloads { get; } = [MatchingEngine, Backend];
}
