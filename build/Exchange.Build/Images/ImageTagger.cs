using System.Security.Cryptography;
using System.Text;
using Exchange.Build.Processes;
using Exchange.Build.Tools;

namespace Exchange.Build.Images;

/// <summary>A tag and how it was derived.</summary>
public sealed record DerivedTag(string Tag, string Source);

/// <summary>
/// Immutable tags from the sources: <c>git-&lt;commit12&gt;</c> for a clean git checkout,
/// <c>git-&lt;commit12&gt;-dirty-&lt;digest8&gt;</c> when it has changes (the digest covers the diff,
/// untracked files and git-ignored files that .dockerignore lets into the context, so two different
/// states never share a tag), and <c>src-&lt;digest12&gt;</c>
/// (the build context honouring .dockerignore) outside git. Never <c>latest</c>.
/// </summary>
public sealed class ImageTagger(IProcessRunner runner, ToolResolver tools)
{
    public DerivedTag Derive(string sourceDir, string dockerfile)
    {
        var git = tools.TryResolve(ToolKind.Git);
        if (git is not null && IsGitWorkTree(git, sourceDir))
        {
            // The build context, or the folders its .dockerignore allow-list lets in (the checker's context is the repository root).
            var ignore = DockerIgnore.Load(sourceDir);
            string[] paths = [.. ignore.IncludedRoots ?? ["."]];
            // The last commit that touched the build context: a monorepo's unrelated commits don't retag it.
            var commit = Git(git, sourceDir, ["log", "-1", "--format=%H", "--", .. paths]).Trim();
            if (commit.Length >= 12)
            {
                var status = Git(git, sourceDir, ["status", "--porcelain", "--untracked-files=all", "--", .. paths]);
                // Git-ignored files that .dockerignore lets into the build context (dist/, a built jar) change the image too.
                var ignoredInContext = GitPaths(git, sourceDir, paths, "--ignored").Where(f => !ignore.IsIgnored(f)).ToArray();
                if (status.Trim().Length == 0 && ignoredInContext.Length == 0) return new DerivedTag($"git-{commit[..12]}", "git commit");
                var digest = DirtyDigest(git, sourceDir, paths, ignoredInContext);
                return new DerivedTag($"git-{commit[..12]}-dirty-{digest[..8]}", "git commit + uncommitted changes");
            }
        }
        return new DerivedTag($"src-{ContextDigest(sourceDir, dockerfile)[..12]}", "digest of the build context");
    }

    /// <summary>SHA-256 over every file of the build context (path and bytes) minus .dockerignore'd ones.</summary>
    public static string ContextDigest(string contextDir, string dockerfile)
    {
        var ignore = DockerIgnore.Load(contextDir);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // An allow-list names the only places to look (a repository root as the context: not its node_modules).
        var roots = (ignore.IncludedRoots ?? ["."]).Select(r => Path.Combine(contextDir, r));
        var files = roots.SelectMany(r => File.Exists(r) ? [r] : Directory.Exists(r) ? Directory.EnumerateFiles(r, "*", SearchOption.AllDirectories) : [])
            .Select(f => Path.GetRelativePath(contextDir, f).Replace('\\', '/')).Distinct()
            .Where(f => !f.StartsWith(".git/", StringComparison.Ordinal) && !ignore.IsIgnored(f))
            .Order(StringComparer.Ordinal);
        foreach (var file in files)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(file + "\0"));
            sha.AppendData(SHA256.HashData(File.ReadAllBytes(Path.Combine(contextDir, file))));
        }
        sha.AppendData(Encoding.UTF8.GetBytes("dockerfile:" + Path.GetFileName(dockerfile)));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private string DirtyDigest(string git, string dir, string[] paths, IEnumerable<string> ignoredInContext)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(Git(git, dir, ["diff", "HEAD", "--binary", "--", .. paths])));
        var untracked = GitPaths(git, dir, paths).Concat(ignoredInContext).Distinct().Order(StringComparer.Ordinal);
        foreach (var file in untracked)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(file + "\0"));
            sha.AppendData(SHA256.HashData(File.ReadAllBytes(Path.Combine(dir, file))));
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>Files git does not track under <paramref name="paths"/> of <paramref name="dir"/> (with "--ignored": the ones it ignores), sorted.</summary>
    private IEnumerable<string> GitPaths(string git, string dir, string[] paths, params string[] extra) =>
        Git(git, dir, ["ls-files", "--others", .. extra, "--exclude-standard", "-z", "--", .. paths])
            .Split('\0', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(f => f.Length > 0).Order(StringComparer.Ordinal);

    private bool IsGitWorkTree(string git, string dir) =>
        runner.Run(new CommandLine("git", git).Add("-C", dir, "rev-parse", "--is-inside-work-tree"),
            new ProcessOptions { AllowFailure = true }).StandardOutput.Trim() == "true";

    private string Git(string git, string dir, params string[] args) =>
        runner.Run(new CommandLine("git", git).Add("-C", dir).Add(args)).StandardOutput;
}
