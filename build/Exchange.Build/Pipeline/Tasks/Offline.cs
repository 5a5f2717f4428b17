using Exchange.Build.Kubernetes;
using Exchange.Build.Processes;

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
            b.Log.Information($"  {name}: {documents.Count} objects ({string.Join(", ", documents.GroupBy(d => d.Kind).Select(g => $"{g.Count()} {g.Key}"))}) -> {file}");
        }
        b.Report.Add(TaskNames.Render, StepOutcome.Checked, $"{overlays.Length} overlay(s) rendered");
    }

    /// <summary>Every test project of the solution; installs the npm packages the tests need when missing.</summary>
    public static void Test(BuildContext b)
    {
        foreach (var dir in new[] { b.Settings.InfraDir, Path.Combine(b.Settings.RepoRoot, "tests", "k8s-validate") })
        {
            if (!File.Exists(Path.Combine(dir, "package-lock.json")) || Directory.Exists(Path.Combine(dir, "node_modules"))) continue;
            b.Log.Information($"npm ci in {dir}");
            b.Runner.Run(new CommandLine("npm", b.Tools.Resolve(Tools.ToolKind.Npm)).Add("ci", "--no-audit", "--no-fund"),
                new ProcessOptions { WorkingDirectory = dir, FailureHint = "check that the npm registry is reachable" });
        }
        var test = new CommandLine("dotnet", b.Tools.Resolve(Tools.ToolKind.Dotnet))
            .Add("test", Path.Combine(b.Settings.RepoRoot, "Exchange.slnx"), "--configuration", "Release", "--nologo",
                 "--logger", "console;verbosity=minimal");
        b.Runner.Run(test, new ProcessOptions
        {
            WorkingDirectory = b.Settings.RepoRoot,
            OnOutputLine = b.Log.Information,
            OnErrorLine = b.Log.Warning,
            FailureHint = "the failing tests are listed above; rerun one project with `dotnet test tests/<Project>`",
        });
        b.Report.Add(TaskNames.Test, StepOutcome.Checked, "all test projects passed");
    }
}
