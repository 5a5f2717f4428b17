namespace Exchange.K8s.Tests.Support;

/// <summary>Paths in the repository the tests run from.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string K8s => Path.Combine(Root, "k8s");
    public static string Base => Path.Combine(K8s, "base");
    public static string Overlays => Path.Combine(K8s, "overlays");
    /// <summary>The connectivity check Job Verify runs (rendered through the pipeline's image layer).</summary>
    public static string Checker => Path.Combine(K8s, "checker");
    public static string Validator => Path.Combine(Root, "tests", "k8s-validate");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Exchange.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException($"No Exchange.slnx above {AppContext.BaseDirectory}: run the tests from the repository.");
    }
}
