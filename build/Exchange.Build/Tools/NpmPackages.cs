using Exchange.Build.Logging;
using Exchange.Build.Processes;

namespace Exchange.Build.Tools;

/// <summary>The repository's pinned npm packages (infra/: the CDK CLI; tests/k8s-validate: the schema validator).</summary>
public static class NpmPackages
{
    /// <summary>Runs <c>npm ci</c> in <paramref name="dir"/> when its lock file is there but node_modules is not; says so in one line.</summary>
    public static void EnsureInstalled(BuildContext b, string dir, string what)
    {
        if (!File.Exists(Path.Combine(dir, "package-lock.json")) || Directory.Exists(Path.Combine(dir, "node_modules"))) return;
        var relative = Path.GetRelativePath(b.Settings.RepoRoot, dir);
        var npm = new CommandLine("npm", b.Tools.Resolve(ToolKind.Npm)).Add("ci", "--prefix", dir, "--no-audit", "--no-fund");
        b.Log.Timed($"Installing {what}: npm ci --prefix {relative} ({relative}/node_modules is missing)", () =>
            b.Runner.Run(npm, new ProcessOptions
            {
                WorkingDirectory = b.Settings.RepoRoot,
                Timeout = TimeSpan.FromMinutes(15),
                OnErrorLine = b.Log.Verbose,
                OnOutputLine = b.Log.Verbose,
                FailureHint = $"check that the npm registry is reachable (npm config get registry), then rerun; or run `npm ci --prefix {relative}` yourself",
            }));
    }
}
