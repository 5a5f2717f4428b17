using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Exchange.Pipeline.Tests;

/// <summary>What a newcomer runs first, with no account, no credentials and no source checkouts.</summary>
public sealed partial class FirstContactTests : IDisposable
{
    private static PipelineWorld world => PipelineWorld.Shared;
    private readonly PipelineRun _run = new(world);

    [Fact]
    public void Plan_lists_DeployDevs_steps_in_the_order_Cake_runs_them_and_the_README_says_so()
    {
        var dryRun = _run.BuildRaw("--target=DeployDev", "--dryrun");
        var plan = _run.BuildRaw("--target=Plan");

        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        Assert.True(plan.ExitCode == 0, plan.ToString());
        var executed = DryRunStep().Matches(dryRun.Output).Select(m => m.Groups[1].Value).Where(t => t != "DeployDev").ToArray();
        var planned = PlanStep().Matches(plan.Output[plan.Output.IndexOf("DeployDev would run, in order", StringComparison.Ordinal)..])
            .Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(10, executed.Length);
        Assert.Equal(executed, planned);
        Assert.Equal(executed, ReadmeOrder());
        Assert.DoesNotContain(_run.Calls, c => c.Tool is "aws" or "cdk" && c.Args is not ["--version"]); // Doctor's version checks only
    }

    [Fact]
    public void The_task_graph_Cake_runs_is_the_registrys_every_target_with_the_dependencies_it_declares()
    {
        var tree = _run.BuildRaw("--tree"); // drawn from the tasks build/build.cake declared to Cake

        Assert.True(tree.ExitCode == 0, tree.ToString());
        Assert.Equal(Exchange.Build.Cli.Help.Trees(Exchange.Build.Pipeline.Targets.All), tree.Stdout.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n'));
        Assert.Empty(_run.Calls);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_failing_step_under_Cake_prints_only_our_error_no_Cake_task_table_or_error_lines_and_no_colour_in_a_pipe()
    {
        var cdk = Path.Combine(_run.Root, "failing-cdk");
        File.WriteAllText(cdk, "#!/bin/sh\necho 'synth exploded' >&2\nexit 3\n");
        File.SetUnixFileMode(cdk, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _run.Env["CDK_PATH"] = cdk;
        _run.Env["NO_COLOR"] = null;
        _run.Env["TERM"] = "xterm-256color"; // Cake's console would colour its error lines for this, pipe or not

        var result = _run.BuildRaw("--target=Default");

        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain('\e', result.Raw);
        foreach (var cake in new[] { "An error occurred when executing task", "Duration", "Teardown", "Setup", "Total:" })
            Assert.DoesNotContain(cake, result.Output);
        Assert.DoesNotContain("==> Render", result.Output);
        var error = result.Output[result.Output.LastIndexOf("==> Synth", StringComparison.Ordinal)..];
        Assert.Contains("Error: Default stopped in Synth:", error);
        Assert.Contains("synth exploded", result.Text);
    }

    [Fact]
    public void A_dry_run_of_DeployDev_needs_no_account_and_no_source_checkouts()
    {
        var result = _run.BuildRaw("--target=DeployDev", "--dryrun", $"--engine-dir={_run.Root}/absent-engine");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("This was a dry run", result.Text);
        Assert.Empty(_run.CloudCalls);
    }

    [Fact]
    public void Plan_without_account_or_sources_shows_placeholders_and_keeps_lines_within_120_columns()
    {
        var result = _run.BuildRaw("--target=Plan", $"--engine-dir={_run.Root}/absent-engine", $"--backend-dir={_run.Root}/absent-backend");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("docker build --platform linux/amd64 --file '<engine-dir>/Dockerfile.shard' --tag 'matching-engine-shard:<tag>'", result.Text);
        Assert.Contains("'<account>.dkr.ecr.ap-northeast-2.amazonaws.com'", result.Text);
        var planLines = result.Output[result.Output.IndexOf("DeployDev would run", StringComparison.Ordinal)..].Split('\n')
            .TakeWhile(l => l.Length == 0 || l.StartsWith(' ') || l.StartsWith("DeployDev", StringComparison.Ordinal)).ToArray();
        Assert.True(planLines.Length > 30, string.Join("\n", planLines));
        Assert.All(planLines, l => Assert.True(l.TrimEnd('\r').Length <= 120, $"{l.Length}: {l}"));
        Assert.Contains(planLines, l => l.EndsWith(" \\", StringComparison.Ordinal));
    }

    [Fact]
    public void Doctor_without_an_account_shows_the_tool_table_says_AWS_was_skipped_and_succeeds()
    {
        var result = _run.BuildRaw("--target=Doctor");

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var tool in new[] { "dotnet", "node", "npm", "cdk", "aws", "docker", "kubectl", "git" })
            Assert.Matches($@"(?m)^  {tool} +(ok|warning) ", result.Output);
        Assert.Contains("AWS checks skipped: no account is configured", result.Text);
        Assert.Contains("./build.sh --target=Doctor --account=123456789012", result.Text);
        Assert.DoesNotContain(_run.Calls, c => c.CommandLine.StartsWith("aws sts", StringComparison.Ordinal));
    }

    [Fact]
    public void Doctor_fails_when_a_tool_is_missing_and_still_shows_the_whole_table()
    {
        _run.Env["KUBECTL_PATH"] = "/nonexistent/kubectl";

        var result = _run.BuildRaw("--target=Doctor");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Matches(@"(?m)^  kubectl +missing ", result.Output);
        Assert.Matches(@"(?m)^  git +(ok|warning) ", result.Output);
        Assert.Contains("KUBECTL_PATH is set to '/nonexistent/kubectl', which does not exist", result.Text);
        Assert.Contains("or unset it", result.Text);
    }

    [Fact]
    public void The_real_entry_point_answers_help_and_version_itself_and_turns_what_Cake_answered_into_our_errors()
    {
        var help = _run.BuildRaw("--help");
        var version = _run.BuildRaw("--version");
        var typo = _run.BuildRaw("--acount=1");
        var loud = _run.BuildRaw("--verbosity=loud");
        var empty = _run.BuildRaw("--target=");

        Assert.Equal(0, help.ExitCode);
        foreach (var target in new[] { "Default", "Plan", "DeployDev", "Status", "DestroyDev", "Permissions" })
            Assert.Matches($@"(?m)^  {target} +\S", help.Output);
        Assert.DoesNotContain("USAGE: dotnet cake", help.Output);
        Assert.Equal(0, version.ExitCode);
        Assert.Matches(@"(?m)^exchange-dev \S+", version.Output);
        Assert.Contains("Cake 7.0.0", version.Text);
        Assert.Matches(@"(?m)^AWS CDK CLI 2\.\d+\.\d+ \(pinned in infra/package.json\)", version.Output);
        foreach (var (run, says) in new[] { (typo, "Error: Unknown option '--acount'. Did you mean --account?"),
                     (loud, "Error: --verbosity 'loud' is not a level"), (empty, "Error: --target needs a value") })
        {
            Assert.Equal(2, run.ExitCode);
            Assert.Contains(says, run.Text);
            Assert.InRange(run.Output[run.Output.IndexOf("Error:", StringComparison.Ordinal)..].TrimEnd().Split('\n').Length, 1, 3);
        }
        Assert.DoesNotContain(_run.Calls, c => c.Tool is "aws" or "cdk" or "kubectl");
    }

    [Fact]
    public void Output_into_a_pipe_has_no_colour_codes_unless_FORCE_COLOR_asks_for_them()
    {
        _run.Env["NO_COLOR"] = null;
        _run.Env["TERM"] = "xterm-256color"; // a terminal type that supports colour: the pipe alone must turn it off

        var piped = _run.BuildRaw("--target=Doctor");
        _run.Env["FORCE_COLOR"] = "1";
        var forced = _run.BuildRaw("--target=Doctor");

        Assert.True(piped.ExitCode == 0, piped.ToString());
        Assert.DoesNotContain('\e', piped.Raw);
        Assert.Contains("\e[", forced.Raw);
    }

    private string[] ReadmeOrder()
    {
        var readme = File.ReadAllText(Path.Combine(world.RepoRoot, "README.md"));
        var sentence = ReadmeSentence().Match(readme);
        Assert.True(sentence.Success, "README.md has no 'DeployDev runs: ...' sentence");
        return Parenthesis().Replace(sentence.Groups[1].Value.Replace('\n', ' '), "")
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
    }

    public void Dispose() => _run.Dispose();

    [GeneratedRegex(@"(?m)^\d+\. (\w+)\s*$")] private static partial Regex DryRunStep();
    [GeneratedRegex(@"(?m)^  (\w+)\s*$")] private static partial Regex PlanStep();
    [GeneratedRegex(@"DeployDev runs: ([^.]+)\.")] private static partial Regex ReadmeSentence();
    [GeneratedRegex(@"\([^)]*\)")] private static partial Regex Parenthesis();
}
