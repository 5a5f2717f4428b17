using System.Globalization;
using System.Text.Json;
using Exchange.Build.Cli;
using Exchange.Build.Logging;
using Exchange.Build.Pipeline;

namespace Exchange.Build.Tests;

/// <summary>What ./build.sh says before it runs anything: --help, --version, mistakes in the arguments and the settings.</summary>
public sealed class CliTests
{
    /// <summary>One in-process run (the front end, then Cake's engine): exit code, stdout and stderr (no colour, the given width).</summary>
    private sealed record Run(int ExitCode, string Out, string Err)
    {
        public string[] Lines => (Out + Err).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        /// <summary>stderr with its wrapped lines joined again.</summary>
        public string Error => Err.Replace("\n  ", " ", StringComparison.Ordinal);
    }

    private static Run Build(string[] args, int width = 120, Dictionary<string, string>? environment = null)
    {
        var env = environment ?? new Dictionary<string, string>();
        env.TryAdd("PATH", Environment.GetEnvironmentVariable("PATH") ?? "");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = InProcessCake.Run(args, env.GetValueOrDefault, stdout, stderr, new OutputStyle(false, false, width));
        return new Run(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Characters, not bytes: a line of box-drawing characters counts each once.</summary>
    private static void AssertWithin(int width, IEnumerable<string> lines) =>
        Assert.All(lines, l => Assert.True(new StringInfo(l.TrimEnd('\r')).LengthInTextElements <= width, $"{l.Length}: {l}"));

    [Theory]
    [InlineData("--help", 120)]
    [InlineData("-h", 72)]
    public void Help_lists_every_target_by_group_the_common_options_and_three_examples_within_the_width(string help, int width)
    {
        var run = Build([help], width);

        Assert.Equal(0, run.ExitCode);
        Assert.Empty(run.Err);
        foreach (var target in Targets.All) Assert.Matches($@"(?m)^  {target.Name} +\S", run.Out);
        foreach (var title in new[] { "Offline", "DeployDev and its steps", "Day 2" }) Assert.Contains("\n" + title, run.Out);
        foreach (var option in new[] { "--target=NAME", "--account=ID", "--env=NAME", "--exclusive", "--dryrun", "--json", "--help", "--version" })
            Assert.Contains(option, run.Out);
        Assert.Contains("default: Default", run.Out);
        var examples = run.Out[run.Out.IndexOf("Examples:", StringComparison.Ordinal)..].Split('\n');
        Assert.Equal(3, examples.Count(l => l.StartsWith("  ./build.sh", StringComparison.Ordinal)));
        AssertWithin(width, run.Lines);
    }

    [Fact]
    public void Help_for_a_target_says_what_it_does_needs_reads_and_how_to_run_it_for_every_target()
    {
        foreach (var target in Targets.All)
        {
            var run = Build(["--help", $"--target={target.Name}"]);

            Assert.Equal(0, run.ExitCode);
            Assert.StartsWith($"{target.Name} (", run.Out);
            Assert.Contains("  needs", run.Out);
            Assert.Contains($"  example     ./build.sh --target={target.Name}", run.Out);
            foreach (var option in target.Options) Assert.Contains($"--{option}", run.Out);
            AssertWithin(120, run.Lines);
        }
        Assert.Contains("--account=123456789012", Build(["--help", "--target=DeployDev"]).Out); // its steps need the account
        Assert.Contains("  needs       the engine and backend checkouts", Build(["--help", "--target=BuildImages"]).Out); // no account
    }

    [Fact]
    public void Version_shows_this_projects_cakes_and_the_pinned_CDK_CLIs_version()
    {
        var run = Build(["--version"]);

        var pinned = JsonDocument.Parse(File.ReadAllText(Path.Combine(Contexts.RepoRoot, "infra", "package.json")))
            .RootElement.GetProperty("devDependencies").GetProperty("aws-cdk").GetString();
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(3, run.Lines.Length);
        Assert.StartsWith("exchange-dev ", run.Lines[0]);
        Assert.StartsWith("Cake 7.0.0", run.Lines[1]);
        Assert.StartsWith($"AWS CDK CLI {pinned} ", run.Lines[2]);
    }

    [Theory]
    [InlineData("--acount=123", "Unknown option '--acount'. Did you mean --account?")]
    [InlineData("--skip-image", "Did you mean --skip-images?")]
    [InlineData("--target=DeplyDev", "Unknown target 'DeplyDev'. Did you mean --target=DeployDev?")]
    [InlineData("--target=Satus", "Did you mean --target=Status?")]
    [InlineData("Plan", "Unexpected argument 'Plan': options start with --. Did you mean --target=Plan?")]
    public void A_mistyped_option_or_target_gets_did_you_mean_in_at_most_three_lines(string argument, string expected)
    {
        var run = Build([argument]);

        Assert.Equal(Entry.UsageError, run.ExitCode);
        Assert.Empty(run.Out);
        Assert.Contains(expected, string.Join(" ", run.Lines.Select(l => l.Trim())));
        Assert.InRange(run.Lines.Length, 1, 3);
    }

    [Theory]
    [InlineData("--verbosity=loud", "--verbosity 'loud' is not a level: quiet, minimal, normal, verbose, diagnostic.")]
    [InlineData("--target=", "--target needs a value, as in --target=NAME")]
    [InlineData("--account", "--account needs a value, as in --account=ID")]
    [InlineData("--exclusive=maybe", "--exclusive takes true or false, not 'maybe'")]
    public void What_Cakes_parser_answered_itself_is_now_an_error_of_ours_that_names_the_option(string argument, string expected)
    {
        var run = Build([argument]);

        Assert.Equal(Entry.UsageError, run.ExitCode);
        Assert.StartsWith("Error: " + expected, run.Error);
        Assert.InRange(run.Lines.Length, 1, 3);
    }

    [Fact]
    public void An_artifacts_folder_that_cannot_be_written_is_named_with_its_option_before_anything_runs()
    {
        using var dir = new TempDir();
        var file = dir.Write("a-file", "not a folder");

        // Wide enough that the (sandbox-long) path never wraps: the line count measures frames, not the path's length.
        var run = Build([$"--artifacts={file}/nope", "--target=Cost"], width: 1000);

        Assert.Equal(Entry.UsageError, run.ExitCode);
        Assert.StartsWith($"Error: --artifacts (or EXCHANGE_ARTIFACTS_DIR) is '{file}/nope', which cannot be created or written", run.Error);
        Assert.DoesNotContain("==>", run.Out); // no step started
        Assert.InRange(run.Lines.Length, 1, 3);
    }

    [Fact]
    public void A_settings_error_prints_the_errors_and_nothing_else_in_at_most_five_lines()
    {
        var run = Build(["--target=DeployDev", "--engine-dir=/home/dev/future-engine", "--backend-dir=/home/dev/future-backend"]);

        Assert.Equal(Entry.UsageError, run.ExitCode);
        Assert.Empty(run.Out);
        Assert.InRange(run.Lines.Length, 3, 5);
        Assert.Equal(3, run.Lines.Count(l => l.StartsWith("Error: ", StringComparison.Ordinal)));
        Assert.Contains("Engine source directory", run.Err);
        Assert.Contains("Backend source directory", run.Err);
        Assert.Contains("No AWS account is configured", run.Err);
    }

    [Theory]
    [InlineData(TaskNames.Verify)]
    [InlineData(TaskNames.ApplyK8s)]
    public void A_step_run_alone_that_builds_no_image_needs_no_source_checkouts_and_does_not_mention_them(string target)
    {
        using var dir = new TempDir();
        // An aws CLI without credentials: the run gets as far as the account guard, which is all this needs.
        var aws = dir.Script("bin/aws", "echo 'Unable to locate credentials. You can configure credentials by running \"aws configure\".' >&2; exit 255");
        var env = new Dictionary<string, string> { ["AWS_PATH"] = aws, ["EXCHANGE_ARTIFACTS_DIR"] = dir.Combine("artifacts") };

        var run = Build([$"--target={target}", "--exclusive", "--account=123456789012"], environment: env);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("AWS credentials are missing or expired", run.Error);
        Assert.DoesNotContain("engine", run.Out + run.Err, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_failing_step_stops_the_run_Cake_runs_no_step_after_it_and_the_error_comes_last()
    {
        using var dir = new TempDir();
        var cdk = dir.Script("bin/cdk", "echo 'synth exploded' >&2; exit 3");
        var env = new Dictionary<string, string> { ["CDK_PATH"] = cdk, ["EXCHANGE_ARTIFACTS_DIR"] = dir.Combine("artifacts") };

        var run = Build(["--target=Default"], environment: env);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("==> Synth (1/3)", run.Out);
        Assert.DoesNotContain("==> Render", run.Out);
        Assert.DoesNotContain("==> Plan", run.Out);
        Assert.StartsWith("Error: Default stopped in Synth:", run.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).First(l => l.StartsWith("Error")));
        Assert.Contains("synth exploded", run.Error);
    }

    [Fact]
    public void Json_is_refused_for_a_target_without_a_document_and_the_refusal_is_itself_one_document_on_stdout()
    {
        var run = Build(["--target=Render", "--json"]);

        Assert.Equal(Entry.UsageError, run.ExitCode);
        using var json = JsonDocument.Parse(run.Out);
        Assert.False(json.RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal("Render", json.RootElement.GetProperty("target").GetString());
        Assert.Contains("--json works with Plan, Cost, Permissions, Doctor, Status, not Render", run.Err);
    }

    [Fact]
    public void A_dry_run_lists_the_steps_with_an_action_in_graph_order_and_runs_none()
    {
        var run = Build(["-t", "DeployDev", "--dryrun"]); // -t NAME is --target=NAME

        Assert.Equal(0, run.ExitCode);
        var steps = run.Lines.Where(l => char.IsDigit(l[0])).Select(l => l.Split(". ")[1]).ToArray();
        Assert.Equal(TaskGraph.Order(TaskNames.DeployDev).Where(t => t != TaskNames.DeployDev), steps);
        Assert.Contains("This was a dry run", run.Out);
    }

    [Fact]
    public void The_tree_shows_each_dependency_once_and_marks_repeats()
    {
        var run = Build(["--tree", "--target=DeployDev"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("DeployDev", run.Lines[0]);
        Assert.Single(run.Lines, l => l.EndsWith("─ Synth", StringComparison.Ordinal));
        Assert.Contains(run.Lines, l => l.EndsWith("DeployInfra (above)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false, false, null, null, null, false, 120)]                // a pipe or a file: plain, 120
    [InlineData(true, true, null, null, null, true, 100)]                   // a terminal 100 wide
    [InlineData(true, true, "1", null, null, false, 100)]                   // NO_COLOR
    [InlineData(false, false, null, "1", null, true, 120)]                  // FORCE_COLOR into a pipe
    [InlineData(true, true, "1", "1", null, true, 100)]                     // FORCE_COLOR wins over NO_COLOR
    [InlineData(true, true, null, "0", null, true, 100)]                    // FORCE_COLOR=0 forces nothing
    [InlineData(false, false, null, null, "80", false, 80)]                 // COLUMNS sets the width
    [InlineData(true, true, null, null, "300", true, 120)]                  // never wider than 120
    public void Colour_only_on_a_terminal_unless_NO_COLOR_or_FORCE_COLOR_say_otherwise_and_at_most_120_columns(
        bool terminal, bool stderrTerminal, string? noColor, string? forceColor, string? columns, bool colour, int width)
    {
        var env = new Dictionary<string, string?> { ["NO_COLOR"] = noColor, ["FORCE_COLOR"] = forceColor, ["COLUMNS"] = columns, ["TERM"] = "xterm" };

        var style = OutputStyle.Detect(n => env.GetValueOrDefault(n), terminal, stderrTerminal, terminal ? 100 : null);

        Assert.Equal(colour, style.Colour);
        Assert.Equal(width, style.Width);
    }

    [Fact]
    public void The_console_log_wraps_every_line_to_the_width_and_colours_only_when_asked()
    {
        using var plainOut = new StringWriter();
        using var colourOut = new StringWriter();
        var message = "  " + string.Join(' ', Enumerable.Repeat("word", 40)) + " /a/very/long/" + new string('x', 90);

        new ConsoleLog(plainOut, plainOut, new OutputStyle(false, false, 60)).Warning(message);
        new ConsoleLog(colourOut, colourOut, new OutputStyle(true, true, 60)).Warning(message);

        var lines = plainOut.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length > 3);
        AssertWithin(60, lines);
        Assert.All(lines.Skip(1), l => Assert.StartsWith("    ", l)); // continuations indented under the first line
        Assert.DoesNotContain('\e', plainOut.ToString());
        Assert.Contains("\e[33m", colourOut.ToString());
        Assert.Equal(string.Join("", lines).Replace(" ", ""), string.Join("", plainOut.ToString().Split('\n')).Replace(" ", ""));
    }

    [Fact]
    public void The_heartbeat_names_what_is_under_way_after_a_silence_and_stays_quiet_while_output_flows()
    {
        var printed = new List<string>();
        var silence = TimeSpan.Zero;
        using var heartbeat = new Heartbeat(l => { lock (printed) printed.Add(l); }, () => silence, TimeSpan.FromSeconds(9), TimeSpan.FromMilliseconds(10));
        using (heartbeat.Begin("Synth"))
        using (heartbeat.Begin("waiting for `cdk synth`"))
        {
            Thread.Sleep(100);
            lock (printed) Assert.Empty(printed); // output is flowing
            silence = TimeSpan.FromSeconds(9);
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (DateTime.UtcNow < deadline) { lock (printed) if (printed.Count > 0) break; Thread.Sleep(10); }
        }

        lock (printed) Assert.StartsWith("  ... Synth: waiting for `cdk synth` (", printed[0]);
        Assert.Null(heartbeat.Line()); // nothing under way any more
    }

    [Theory]
    [InlineData("acount", "account")]
    [InlineData("engin-dir", "engine-dir")]
    [InlineData("deploydev", "DeployDev")]
    [InlineData("Deplo", "DeployDev")]
    public void Suggestions_find_the_name_a_typo_meant(string typed, string meant) =>
        Assert.Equal(meant, Suggestions.Closest(typed, Targets.All.Select(t => t.Name).Concat(Settings.Options.All.Select(o => o.Name)))[0]);

    [Fact]
    public void Suggestions_stay_silent_when_nothing_is_close() =>
        Assert.Empty(Suggestions.Closest("NoSuch", Targets.All.Select(t => t.Name)));
}
