using System.Xml.Linq;
using Exchange.Build.Kubernetes;
using Exchange.Build.Logging;
using Exchange.Build.Processes;
using Exchange.Build.Tools;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>Render and Test: the parts that need no AWS account.</summary>
public static class Offline
{
    public static string RenderedDir(BuildContext b) => Path.Combine(b.Settings.ArtifactsDir, "rendered");

    /// <summary>Renders every overlay with the real kubectl kustomize into artifacts/&lt;env&gt;/rendered/.</summary>
    public static void Render(BuildContext b)
    {
        var overlays = Directory.Exists(b.Settings.OverlaysRoot)
            ? Directory.GetDirectories(b.Settings.OverlaysRoot).Where(d => File.Exists(Path.Combine(d, "kustomization.yaml"))).Order().ToArray()
            : [];
        if (overlays.Length == 0) throw new InvalidOperationException($"No kustomize overlays under {b.Settings.OverlaysRoot}.");
        Directory.CreateDirectory(RenderedDir(b));
        foreach (var overlay in overlays)
        {
            var name = Path.GetFileName(overlay);
            var documents = ManifestDocuments.Parse(b.Kubectl.Render(overlay));
            var file = Path.Combine(RenderedDir(b), name + ".yaml");
            Files.AtomicFile.WriteAllText(file, string.Join("---\n", documents.Select(d => d.Text)));
            b.Log.Information($"  {name}: {documents.Count} objects " +
                $"({string.Join(", ", documents.GroupBy(d => d.Kind).Select(g => $"{g.Count()} {g.Key}"))}) -> {file}");
        }
        b.Report.Add(TaskNames.Render, StepOutcome.Checked, $"{overlays.Length} overlay(s) rendered");
    }

    /// <summary>The node projects the tests run: the CDK CLI, the Kubernetes schema validator, the cdk-nag checker.</summary>
    public static IReadOnlyList<(string Dir, string What)> TestNodeProjects(BuildContext b) =>
    [
        (b.Settings.InfraDir, "the pinned CDK CLI"),
        (Path.Combine(b.Settings.RepoRoot, "tests", "k8s-validate"), "the Kubernetes schema validator"),
        (Path.Combine(b.Settings.RepoRoot, "tests", "cdk-nag-check"), "the cdk-nag checker"),
    ];

    /// <summary>
    /// Checks what the tests need first (fails in seconds, naming everything missing at once), installs
    /// the pinned npm packages when missing, builds the solution once, then runs each test project
    /// with a start and an end line.
    /// </summary>
    public static void Test(BuildContext b)
    {
        TestPrerequisites.Require(b);
        foreach (var (dir, what) in TestNodeProjects(b)) NpmPackages.EnsureInstalled(b, dir, what);

        var dotnet = b.Tools.Resolve(ToolKind.Dotnet);
        var solution = Path.Combine(b.Settings.RepoRoot, "Exchange.slnx");
        b.Log.Timed("Building the solution (Release)", () => b.Runner.Run(
            new CommandLine("dotnet", dotnet).Add("build", solution, "--configuration", "Release", "--nologo", "--verbosity", "quiet"),
            new ProcessOptions { WorkingDirectory = b.Settings.RepoRoot, OnOutputLine = b.Log.Information, OnErrorLine = b.Log.Warning,
                                 FailureHint = "fix the compile errors above" }));

        var failed = new List<string>();
        var projects = TestProjects(b.Settings.RepoRoot);
        foreach (var project in projects)
        {
            var name = Path.GetFileNameWithoutExtension(project);
            var result = b.Log.Timed($"Testing {name}", () => b.Runner.Run(
                new CommandLine("dotnet", dotnet).Add("test", project, "--configuration", "Release", "--no-build", "--nologo",
                    "--logger", "console;verbosity=minimal"),
                new ProcessOptions { WorkingDirectory = b.Settings.RepoRoot, OnOutputLine = b.Log.Information, OnErrorLine = b.Log.Warning,
                    AllowFailure = true }));
            if (!result.Succeeded) failed.Add(name);
        }
        if (failed.Count > 0)
            throw new InvalidOperationException($"{failed.Count} of {projects.Count} test projects failed: {string.Join(", ", failed)}. " +
                                                "The failing tests are listed above; rerun one project with `dotnet test tests/<Project>`.");
        b.Report.Add(TaskNames.Test, StepOutcome.Checked, $"all {projects.Count} test projects passed");
    }

    /// <summary>The test projects of Exchange.slnx (the solution is the one list of projects).</summary>
    public static IReadOnlyList<string> TestProjects(string repoRoot) =>
        XDocument.Load(Path.Combine(repoRoot, "Exchange.slnx")).Descendants("Project")
            .Select(p => (string?)p.Attribute("Path")).OfType<string>()
            .Where(p => Path.GetFileNameWithoutExtension(p).EndsWith(".Tests", StringComparison.Ordinal))
            .Select(p => Path.Combine(repoRoot, p)).ToArray();
}
