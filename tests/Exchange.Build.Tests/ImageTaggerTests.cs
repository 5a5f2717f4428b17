using Exchange.Build.Images;
using Exchange.Build.Logging;
using Exchange.Build.Processes;
using Exchange.Build.Tools;

namespace Exchange.Build.Tests;

public class ImageTaggerTests
{
    private static ImageTagger Tagger(string root)
    {
        var env = new Dictionary<string, string> { ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "" };
        return new ImageTagger(new ProcessRunner(new Redactor(), new MemoryLog()), new ToolResolver(env.GetValueOrDefault, root, () => null));
    }

    [Fact]
    public void Outside_git_the_tag_is_a_digest_of_the_build_context_and_follows_its_content()
    {
        using var dir = new TempDir();
        dir.Write("Dockerfile", "FROM scratch\n");
        dir.Write("app.txt", "v1");
        var first = Tagger(dir.Path).Derive(dir.Path, dir.Combine("Dockerfile"));

        Assert.Matches("^src-[0-9a-f]{12}$", first.Tag);
        Assert.Equal(first, Tagger(dir.Path).Derive(dir.Path, dir.Combine("Dockerfile")));
        dir.Write("app.txt", "v2");
        Assert.NotEqual(first.Tag, Tagger(dir.Path).Derive(dir.Path, dir.Combine("Dockerfile")).Tag);
    }

    [Fact]
    public void Files_the_dockerignore_excludes_do_not_change_the_tag()
    {
        using var dir = new TempDir();
        dir.Write("Dockerfile", "FROM scratch\n");
        dir.Write(".dockerignore", "node_modules\n**/*.log\n!keep.log\n");
        var before = ImageTagger.ContextDigest(dir.Path, dir.Combine("Dockerfile"));

        dir.Write("node_modules/lib/index.js", "ignored");
        dir.Write("logs/app.log", "ignored");
        Assert.Equal(before, ImageTagger.ContextDigest(dir.Path, dir.Combine("Dockerfile")));

        dir.Write("keep.log", "re-included by !keep.log");
        Assert.NotEqual(before, ImageTagger.ContextDigest(dir.Path, dir.Combine("Dockerfile")));
    }

    [Fact]
    public void A_clean_git_checkout_is_tagged_by_commit_and_a_dirty_one_by_commit_and_changes()
    {
        using var dir = new TempDir();
        void Git(params string[] args) => new ProcessRunner(new Redactor(), new MemoryLog())
            .Run(new CommandLine("git", "/usr/bin/git").Add("-C", dir.Path).Add(args));
        Git("init", "-q");
        Git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "root");
        dir.Write("Dockerfile", "FROM scratch\n");
        Git("add", ".");
        Git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "-m", "dockerfile");

        var clean = Tagger(dir.Path).Derive(dir.Path, dir.Combine("Dockerfile"));
        Assert.Matches("^git-[0-9a-f]{12}$", clean.Tag);

        dir.Write("new.txt", "uncommitted");
        var dirty = Tagger(dir.Path).Derive(dir.Path, dir.Combine("Dockerfile"));
        Assert.StartsWith(clean.Tag + "-dirty-", dirty.Tag);

        dir.Write("new.txt", "uncommitted, changed again");
        Assert.NotEqual(dirty.Tag, Tagger(dir.Path).Derive(dir.Path, dir.Combine("Dockerfile")).Tag);
    }

    [Fact]
    public void A_dockerignore_allow_list_makes_the_tag_follow_only_the_paths_it_lets_in()
    {
        // The connectivity checker's context is the repository root, whose .dockerignore lets in a few folders only.
        using var dir = new TempDir();
        void Git(params string[] args) => new ProcessRunner(new Redactor(), new MemoryLog())
            .Run(new CommandLine("git", "/usr/bin/git").Add("-C", dir.Path).Add(args));
        void Commit(string message)
        {
            Git("add", ".");
            Git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "-m", message);
        }
        Git("init", "-q");
        dir.Write(".dockerignore", "*\n!app\n!global.json\n**/bin\n");
        dir.Write(".gitignore", "bin/\n");
        dir.Write("app/Dockerfile", "FROM scratch\n");
        dir.Write("global.json", "{}");
        dir.Write("docs/readme.md", "v1");
        Commit("first");
        var tag = Tagger(dir.Path).Derive(dir.Path, dir.Combine("app", "Dockerfile")).Tag;

        dir.Write("docs/readme.md", "v2");
        Commit("docs only");
        dir.Write("docs/draft.md", "untracked, outside");
        dir.Write("app/bin/out.dll", "ignored by git and by the allow-list");
        Assert.Equal(tag, Tagger(dir.Path).Derive(dir.Path, dir.Combine("app", "Dockerfile")).Tag);

        dir.Write("global.json", "{ \"sdk\": {} }");
        Assert.StartsWith(tag + "-dirty-", Tagger(dir.Path).Derive(dir.Path, dir.Combine("app", "Dockerfile")).Tag);
        Commit("sdk");
        Assert.NotEqual(tag, Tagger(dir.Path).Derive(dir.Path, dir.Combine("app", "Dockerfile")).Tag);
        Assert.Equal([".dockerignore", "app", "global.json"], DockerIgnore.Load(dir.Path).IncludedRoots);
    }
}
