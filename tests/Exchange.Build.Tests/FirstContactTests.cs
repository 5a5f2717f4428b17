using Exchange.Build.Pipeline;
using Exchange.Build.Pipeline.Tasks;
using Exchange.Build.Processes;
using Exchange.Build.Settings;
using Exchange.Build.Text;
using Exchange.Build.Tools;

namespace Exchange.Build.Tests;

/// <summary>What a newcomer meets first: the Test target's prerequisites, tool overrides, DestroyDev's guard, plan layout.</summary>
public class FirstContactTests
{
    [Fact]
    public void Test_prerequisites_name_every_missing_tool_and_the_engine_with_the_command_that_provides_it()
    {
        using var dir = new TempDir();
        var env = new Dictionary<string, string> { ["PATH"] = dir.Path, ["DOCKER_PATH"] = "", ["KUBECTL_PATH"] = "", ["DOCKER_HOST"] = "unix:///nowhere" };
        var b = Contexts.Build(new RecordingRunner(), environment: env, tasks: TaskNames.Test);

        var missing = TestPrerequisites.Missing(b);

        foreach (var tool in new[] { "docker:", "docker-registry:", "htpasswd:", "shellcheck:", "kubectl:", "node:", "npm:", "git:", "aws CLI:" })
            Assert.Contains(missing, m => m.StartsWith(tool, StringComparison.Ordinal));
        Assert.Contains(missing, m => m.StartsWith("mariadb-install-db: not on PATH; apt-get install mariadb-server", StringComparison.Ordinal));
        Assert.Contains(missing, m => m.StartsWith("redis-server: not on PATH; apt-get install redis-server", StringComparison.Ordinal));
        Assert.Contains(missing, m => m.StartsWith("docker-registry: not on PATH; apt-get install docker-registry", StringComparison.Ordinal));
        Assert.Contains(missing, m => m.StartsWith("htpasswd: not on PATH; apt-get install apache2-utils", StringComparison.Ordinal));
        Assert.Contains(missing, m => m.StartsWith("Docker engine: none answers at DOCKER_HOST=unix:///nowhere", StringComparison.Ordinal));
    }

    [Fact]
    public void An_engine_that_does_not_answer_is_reported_even_when_every_tool_is_installed()
    {
        using var dir = new TempDir();
        var b = WithEveryTool(dir, awsVersion: "aws-cli/1.45.0 Python/3.11.2 Linux/6.1.0 botocore/1.37.0", engineAnswers: false);

        var missing = TestPrerequisites.Missing(b);

        var engine = Assert.Single(missing);
        Assert.StartsWith("Docker engine: none answers at DOCKER_HOST=tcp://127.0.0.1:9 (Cannot connect", engine);
    }

    [Theory]
    [InlineData("aws-cli/2.9.19 Python/3.11.2 Linux/6.1.0 source/x86_64.debian.12 prompt/off")] // Debian's awscli package
    [InlineData("aws-cli/2.12.7 Python/3.11.4 Linux/6.1.0 exe/x86_64.ubuntu.22")]
    public void An_aws_CLI_v2_older_than_2_13_is_reported_because_it_ignores_AWS_ENDPOINT_URL(string version)
    {
        using var dir = new TempDir();
        var b = WithEveryTool(dir, awsVersion: version, engineAnswers: true);

        var missing = TestPrerequisites.Missing(b);

        var aws = Assert.Single(missing);
        Assert.StartsWith($"aws CLI: {version.Split(' ')[0]} ignores AWS_ENDPOINT_URL (it came in 2.13", aws);
        Assert.Contains("install the aws CLI v2 from AWS", aws);
        Assert.Contains("or v1 (pip install awscli)", aws);
    }

    [Theory]
    [InlineData("aws-cli/2.31.20 Python/3.13.7 Linux/6.8.0-1017-azure exe/x86_64.ubuntu.24")] // GitHub's ubuntu-24.04 runner
    [InlineData("aws-cli/2.13.0 Python/3.11.4 Linux/6.1.0 exe/x86_64.debian.12")]
    [InlineData("aws-cli/1.45.11 Python/3.11.7 Linux/6.1.0 botocore/1.43.11")]
    public void The_aws_CLI_v1_or_v2_from_2_13_on_is_fit_for_the_tests(string version)
    {
        using var dir = new TempDir();
        var b = WithEveryTool(dir, awsVersion: version, engineAnswers: true);

        Assert.Empty(TestPrerequisites.Missing(b));
    }

    /// <summary>Every tool on PATH; the engine and `aws --version` answer as given.</summary>
    private static BuildContext WithEveryTool(TempDir dir, string awsVersion, bool engineAnswers)
    {
        foreach (var tool in new[]
                 { "docker", "docker-registry", "htpasswd", "shellcheck", "mariadb-install-db", "redis-server", "kubectl", "node", "npm", "git", "aws" })
            dir.Script($"bin/{tool}", "exit 0");
        var env = new Dictionary<string, string>
        {
            ["PATH"] = dir.Combine("bin"), ["DOCKER_PATH"] = "", ["KUBECTL_PATH"] = "", ["AWS_PATH"] = "", ["DOCKER_HOST"] = "tcp://127.0.0.1:9",
        };
        var runner = new RecordingRunner(c => c.Values.FirstOrDefault() switch
        {
            "version" when !engineAnswers =>
                new ProcessResult(1, "", "Cannot connect to the Docker daemon at tcp://127.0.0.1:9. Is the docker daemon running?", TimeSpan.Zero),
            "--version" => new ProcessResult(0, awsVersion, "", TimeSpan.Zero),
            _ => new ProcessResult(0, "", "", TimeSpan.Zero),
        });
        return Contexts.Build(runner, environment: env, tasks: TaskNames.Test);
    }

    [Fact]
    public void A_broken_override_is_reported_for_the_tasks_that_use_the_tool_and_says_to_fix_or_unset_it()
    {
        using var dir = new TempDir();
        var env = new Dictionary<string, string> { ["CDK_PATH"] = "/nonexistent/cdk", ["PATH"] = dir.Path };
        var tools = new ToolResolver(env.GetValueOrDefault, dir.Path, () => TaskNames.Synth);

        var problem = Assert.Single(tools.BrokenOverrides(BuildContext.OverridableTools([TaskNames.Synth])));

        Assert.Contains("CDK_PATH is set to '/nonexistent/cdk', which does not exist", problem);
        Assert.Contains("unset CDK_PATH", problem);
        Assert.DoesNotContain("npm ci", problem);
        Assert.Empty(tools.BrokenOverrides(BuildContext.OverridableTools([TaskNames.Render])));
    }

    [Fact]
    public void A_cached_cloud_assembly_does_not_hide_a_broken_CDK_PATH()
    {
        var b = Contexts.Build(new RecordingRunner(), environment: new() { ["CDK_PATH"] = "/nonexistent/cdk" }, tasks: TaskNames.Synth);
        b.AssemblyChecked = true; // as if the assembly were up to date: Synth would not run cdk

        var error = Assert.Throws<SettingsException>(() => b.BeginTask(TaskNames.Synth));

        Assert.Contains("CDK_PATH is set to '/nonexistent/cdk'", error.Message);
    }

    [Fact]
    public void DestroyDev_without_confirm_is_refused_before_the_first_task_touches_AWS()
    {
        var runner = new RecordingRunner();
        var b = Contexts.Build(runner, new() { ["account"] = "111122223333" }, tasks: TaskNames.DestroyDev);

        var error = Assert.Throws<SettingsException>(() => b.BeginTask(TaskNames.DestroyDev));

        Assert.Contains("Rerun with --confirm", error.Message);
        Assert.Empty(runner.Calls);
    }

    [Fact]
    public void Doctor_alone_needs_no_account_but_DeployDev_does()
    {
        Assert.Empty(Contexts.Settings().ProblemsFor([TaskNames.Doctor]));
        Assert.Contains(Contexts.Settings().ProblemsFor([TaskNames.Doctor, TaskNames.Synth, TaskNames.Bootstrap]),
            p => p.StartsWith("No AWS account is configured", StringComparison.Ordinal));
    }

    [Fact]
    public void A_long_command_is_wrapped_within_120_columns_with_continuations_and_keeps_every_word()
    {
        var command = new CommandLine("cdk", "/bin/cdk").Add("deploy", "--app", "/very/long/path/" + new string('x', 60) + "/cdk.out", "--all",
            "--outputs-file", "/another/long/path/" + new string('y', 60) + "/cdk-outputs.json", "--tag", "a b c").RenderSafe();

        var lines = ShellWrap.Command(command, "    ").ToArray();

        Assert.True(lines.Length > 1);
        Assert.All(lines, l => Assert.True(l.Length <= ShellWrap.Width, $"{l.Length}: {l}"));
        Assert.All(lines[..^1], l => Assert.EndsWith(" \\", l));
        Assert.Equal(ShellWrap.Words(command), lines.SelectMany(l => ShellWrap.Words(l.TrimEnd('\\'))).ToArray());
        Assert.Contains("'a b c'", lines[^1]);
    }

    [Fact]
    public void A_run_that_synthesizes_installs_the_pinned_CDK_CLI_when_it_is_missing_and_says_so_in_one_line()
    {
        using var dir = new TempDir();
        dir.Write("infra/package-lock.json", "{}");
        var npm = dir.Script("bin/npm", "exit 0");
        var runner = new RecordingRunner();
        var log = new Logging.MemoryLog();
        var env = new Dictionary<string, string> { ["PATH"] = dir.Combine("bin") };
        var b = new BuildContext(Contexts.Settings() with { RepoRoot = dir.Path }, log, env.GetValueOrDefault, [TaskNames.Synth, TaskNames.Render], runner);

        b.CheckBeforeFirstTask();

        var call = Assert.Single(runner.Calls);
        Assert.Equal(npm, call.Command.Executable);
        Assert.Equal(["ci", "--prefix", dir.Combine("infra"), "--no-audit", "--no-fund"], call.Command.Values);
        Assert.Single(log.Entries, e => e.Message == "Installing the pinned CDK CLI: npm ci --prefix infra (infra/node_modules is missing) ...");
    }

    [Theory]
    [InlineData("node_modules present")]
    [InlineData("CDK_PATH set")]
    [InlineData("no task needs cdk")]
    public void The_pinned_CDK_CLI_is_not_installed_when_it_is_there_overridden_or_not_needed(string situation)
    {
        using var dir = new TempDir();
        dir.Write("infra/package-lock.json", "{}");
        dir.Script("bin/npm", "exit 0");
        var env = new Dictionary<string, string> { ["PATH"] = dir.Combine("bin") };
        if (situation == "node_modules present") Directory.CreateDirectory(dir.Combine("infra", "node_modules"));
        if (situation == "CDK_PATH set") env["CDK_PATH"] = dir.Script("my-cdk", "exit 0");
        string[] tasks = situation == "no task needs cdk" ? [TaskNames.Render, TaskNames.Plan] : [TaskNames.Synth];
        var runner = new RecordingRunner();
        var b = new BuildContext(Contexts.Settings() with { RepoRoot = dir.Path }, new Logging.MemoryLog(), env.GetValueOrDefault, tasks, runner);

        b.CheckBeforeFirstTask();

        Assert.Empty(runner.Calls);
    }
}
