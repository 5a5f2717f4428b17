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

    /// <summary>The test project that drives ./build.sh end to end: by far the longest, so the others run beside it.</summary>
    public const string EndToEndProject = "Exchange.Pipeline.Tests";

    /// <summary>
    /// Checks what the tests need first (fails in seconds, naming everything missing at once), installs
    /// the pinned npm packages when missing, builds the solution once, then runs the end-to-end project and,
    /// beside it, the others one after another, each with a start and an end line. The tests run in a
    /// <see cref="TestSandbox"/>: a private TMPDIR, and any process they leave running is stopped and named.
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
        // The CDK app runs as `dotnet run` (infra/cdk.json), in Debug: several tests synthesize at once, and the first of them
        // would compile it while the others do too (one then fails with "The build failed"). Built once here, they find it built.
        b.Log.Timed("Building the CDK app as cdk runs it (Debug)", () => b.Runner.Run(
            new CommandLine("dotnet", dotnet).Add("build", Path.Combine(b.Settings.InfraDir, "Exchange.Infra.csproj"), "--configuration", "Debug",
                "--nologo", "--verbosity", "quiet"),
            new ProcessOptions { WorkingDirectory = b.Settings.InfraDir, OnOutputLine = b.Log.Information, OnErrorLine = b.Log.Warning,
                                 FailureHint = "fix the compile errors above" }));

        var projects = TestProjects(b.Settings.RepoRoot);
        var endToEnd = projects.Where(p => Path.GetFileNameWithoutExtension(p) == EndToEndProject).ToArray();
        var failed = new System.Collections.Concurrent.ConcurrentBag<string>();
        using (var sandbox = TestSandbox.Create())
        {
            var log = new SerializedLog(b.Log);
            var beside = Task.Run(() =>
            {
                foreach (var project in endToEnd)
                    if (!RunTests(b, log, dotnet, project, sandbox, buffered: false)) failed.Add(Path.GetFileNameWithoutExtension(project));
            });
            foreach (var project in projects.Except(endToEnd))
                if (!RunTests(b, log, dotnet, project, sandbox, buffered: true)) failed.Add(Path.GetFileNameWithoutExtension(project));
            beside.GetAwaiter().GetResult();

            var processes = sandbox.StopLeftoverProcesses();
            if (processes.Count > 0)
                b.Log.Warning($"The tests left {processes.Count} process(es) running; stopped them: {string.Join("; ", processes)}. " +
                              "A test that starts a server must stop it (Dispose).");
            // CDK apps synthesize into a temporary cdk.out and jsii unpacks its runtime into the temporary folder: expected,
            // so a count is enough. A process left running is not.
            var entries = sandbox.LeftoverTempEntries();
            if (entries.Count > 0) b.Log.Information($"Removed the tests' temporary folder ({entries.Count} entries left in it).");
        }
        if (!failed.IsEmpty)
            throw new InvalidOperationException($"{failed.Count} of {projects.Count} test projects failed: {string.Join(", ", failed.Order())}. " +
                                                "The failing tests are listed above; rerun one project with `dotnet test tests/<Project>`.");
        b.Report.Add(TaskNames.Test, StepOutcome.Checked, $"all {projects.Count} test projects passed");
    }

    /// <summary>
    /// One `dotnet test` in the sandbox. A buffered project's output is printed as one block when it ends, so
    /// it never interleaves with the end-to-end project's, which streams.
    /// </summary>
    private static bool RunTests(BuildContext b, SerializedLog log, string dotnet, string project, TestSandbox sandbox, bool buffered)
    {
        var name = Path.GetFileNameWithoutExtension(project);
        var block = new List<(bool Error, string Line)>();
        void Line(bool error, string line)
        {
            if (buffered) lock (block) block.Add((error, line));
            else if (error) log.Warning(line);
            else log.Information(line);
        }
        log.Information($"Testing {name} ...");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var results = Path.Combine(sandbox.TempDir, "test-results-" + name);
        var result = b.Runner.Run(
            new CommandLine("dotnet", dotnet).Add("test", project, "--configuration", "Release", "--no-build", "--nologo",
                "--logger", "console;verbosity=minimal", "--logger", "trx;LogFileName=tests.trx", "--results-directory", results),
            new ProcessOptions
            {
                WorkingDirectory = b.Settings.RepoRoot, Environment = sandbox.Environment, AllowFailure = true,
                OnOutputLine = l => Line(false, l), OnErrorLine = l => Line(true, l),
            });
        var slowest = TestTimings.Slowest(Path.Combine(results, "tests.trx"), 5);
        if (Directory.Exists(results)) Directory.Delete(results, recursive: true);
        log.Block(block, [$"Testing {name}: {(result.Succeeded ? "done" : "FAILED")} in {Progress.Seconds(clock.Elapsed)}", .. TestTimings.Lines(slowest)]);
        return result.Succeeded;
    }

    /// <summary>Log lines from two test runs at once, a block at a time.</summary>
    private sealed class SerializedLog(IBuildLog inner)
    {
        private readonly Lock _gate = new();
        public void Information(string line) { lock (_gate) inner.Information(line); }
        public void Warning(string line) { lock (_gate) inner.Warning(line); }

        public void Block(IReadOnlyList<(bool Error, string Line)> lines, IReadOnlyList<string> last)
        {
            lock (_gate)
            {
                foreach (var (error, line) in lines)
                    if (error) inner.Warning(line); else inner.Information(line);
                foreach (var line in last) inner.Information(line);
            }
        }
    }

    /// <summary>The test projects of Exchange.slnx (the solution is the one list of projects).</summary>
    public static IReadOnlyList<string> TestProjects(string repoRoot) =>
        XDocument.Load(Path.Combine(repoRoot, "Exchange.slnx")).Descendants("Project")
            .Select(p => (string?)p.Attribute("Path")).OfType<string>()
            .Where(p => Path.GetFileNameWithoutExtension(p).EndsWith(".Tests", StringComparison.Ordinal))
            .Select(p => Path.Combine(repoRoot, p)).ToArray();
}
