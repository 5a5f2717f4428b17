using System.Text.Json;
using System.Text.RegularExpressions;

namespace Exchange.Pipeline.Tests;

/// <summary>Plan says what DeployDev runs: in the test world, a first DeployDev runs exactly the commands Plan lists, as many times.</summary>
public sealed partial class PlanTests : IDisposable
{
    private static PipelineWorld world => PipelineWorld.Shared;
    private readonly PipelineRun _run = new(world);

    [Fact]
    public void Plan_replays_DeployDevs_own_tasks_and_lists_exactly_the_commands_a_first_DeployDev_runs()
    {
        // Plan cannot know who you are, and a deploy by an identity the access list does not name adds its access entry to the
        // synthesized templates: with no up-to-date cloud assembly (none seeded), Plan and DeployDev both synthesize.
        if (Directory.Exists(_run.CdkOut)) Directory.Delete(_run.CdkOut, recursive: true);
        var assembly = Snapshot(_run.CdkOut);

        var plan = _run.Build("--target=Plan");

        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.DoesNotContain("DeployDev would stop", plan.Output);
        // Nothing reached AWS or a cluster, and nothing was written where DeployDev keeps its state.
        Assert.Empty(_run.StandIn.Requests);
        Assert.All(_run.Calls, c => Assert.True(IsLocalRead(Key(c.Tool, c.Args)), c.CommandLine));
        Assert.False(Directory.Exists(_run.Artifacts) && Directory.EnumerateFileSystemEntries(_run.Artifacts).Any());
        Assert.Equal(assembly, Snapshot(_run.CdkOut));
        var planned = Planned(plan.Output);
        var before = _run.Calls.Count;

        var deploy = _run.Build("--target=DeployDev");

        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        var executed = _run.Calls.Skip(before).Select(c => Key(c.Tool, c.Args)).Where(k => !IsVersionProbe(k)).Order(StringComparer.Ordinal).ToList();
        Assert.True(planned.SequenceEqual(executed),
            $"Plan (left) and DeployDev (right) differ:\n{string.Join("\n", Difference(planned, executed))}\n" +
            $"Plan:\n{plan.Output}\nCalls:\n{string.Join("\n", _run.Calls.Skip(before).Select(c => c.CommandLine))}");
        Assert.True(planned.Count >= 40, string.Join(", ", planned));
        // The way kubectl takes, and the tunnel's session in the plan as in the run.
        Assert.Contains("kubectl reaches it through an SSM tunnel", plan.Text);
        Assert.Equal(2, planned.Count(k => k == "aws ssm start-session")); // the check before the deploy, and the tunnel the kubectl steps use
    }

    [Theory]
    [InlineData("a missing checkout")]
    [InlineData("a missing tool")]
    [InlineData("a stopped Docker engine")]
    public void Plan_names_the_first_thing_that_really_stops_DeployDev(string what)
    {
        string[] args = [];
        switch (what)
        {
            case "a missing checkout": args = [$"--engine-dir={_run.Root}/absent-engine"]; break;
            case "a missing tool": _run.Env["CDK_PATH"] = $"{_run.Root}/absent/cdk"; break;
            default: _run.Env["DOCKER_HOST"] = $"unix://{_run.Root}/no-engine.sock"; break;
        }

        var plan = _run.Build(["--target=Plan", "--json", .. args]);
        var deploy = _run.Build(["--target=DeployDev", .. args]);

        Assert.True(plan.ExitCode == 0, plan.ToString());
        using var json = JsonDocument.Parse(plan.Stdout);
        var predicted = json.RootElement.GetProperty("verdict").GetProperty("deployDevStops");
        var at = predicted.GetProperty("at").GetString();
        var because = predicted.GetProperty("because")[0].GetString()!;
        var stopped = deploy.ExitCode == 2 ? "settings" : StoppedIn().Match(deploy.Output).Groups[1].Value;
        Assert.True(at == stopped, $"Plan said DeployDev stops at {at} ({because}); it stopped at {stopped}:\n{deploy.Output}");
        Assert.Equal(what == "a stopped Docker engine" ? "Doctor" : "settings", at);
        Assert.Contains(because, Unwrapped(deploy.Text));
        Assert.Empty(_run.StandIn.Requests); // both stop before anything reaches AWS
    }

    /// <summary>The output with wrapped lines joined again.</summary>
    private static string Unwrapped(string output) => ContinuedProse().Replace(output, " ");

    /// <summary>The commands of Plan's DeployDev section, one key per command (a command run twice counts twice), sorted.</summary>
    private static List<string> Planned(string output)
    {
        var section = output[output.IndexOf("DeployDev would run, in order", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("A rerun skips what is already done", StringComparison.Ordinal)];
        var keys = new List<string>();
        foreach (var line in ContinuedLine().Replace(section, " ").Split('\n').Select(l => l.Trim()).Where(l => !l.StartsWith('#')))
        {
            var words = Words().Matches(line).Select(m => m.Value.Trim('\'')).ToList();
            if (words.Count >= 2 && words[0] is "aws" or "cdk" or "kubectl" or "docker") keys.Add(Key(words[0], words[1..]));
        }
        return keys.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Every file under <paramref name="dir"/> with its size and time of last write.</summary>
    private static List<string> Snapshot(string dir) => !Directory.Exists(dir) ? [] : Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
        .Select(f => new FileInfo(f)).Select(f => $"{f.FullName} {f.Length} {f.LastWriteTimeUtc:O}").Order(StringComparer.Ordinal).ToList();

    private static IEnumerable<string> Difference(List<string> left, List<string> right) =>
        left.Concat(right).Distinct().Order(StringComparer.Ordinal)
            .Select(k => (k, l: left.Count(x => x == k), r: right.Count(x => x == k))).Where(x => x.l != x.r).Select(x => $"  {x.k}: {x.l} vs {x.r}");

    /// <summary>The tool and its subcommand: `aws SERVICE OPERATION`, `cdk deploy`, `kubectl rollout status`, `docker push`.</summary>
    private static string Key(string tool, IReadOnlyList<string> args)
    {
        var positional = args.Where(a => !a.StartsWith('-')).Take(tool is "aws" or "kubectl" ? 2 : 1);
        if (tool == "kubectl" && args.FirstOrDefault() is "apply" or "kustomize" or "diff") positional = positional.Take(1);
        // Verify's Job has a name of its own in every run, which Plan shows as exchange-checker-<run>.
        return Exchange.Build.Verification.CheckerJob.RunName().Replace(string.Join(' ', new[] { tool }.Concat(positional)),
            Exchange.Contracts.ConnectivityCheck.ImageName + "-<run>");
    }

    /// <summary>Doctor's version checks, which Plan sums up in one comment ("reads the versions of ... cdk, aws, docker, kubectl").</summary>
    private static bool IsVersionProbe(string key) => key is "aws" or "cdk" or "docker version" or "kubectl version";

    /// <summary>What Plan itself runs: the version checks and kustomize renders, which read only this machine.</summary>
    private static bool IsLocalRead(string key) => IsVersionProbe(key) || key == "kubectl kustomize";

    [GeneratedRegex(@" \\\n\s*")] private static partial Regex ContinuedLine();
    [GeneratedRegex(@"\n {2,}")] private static partial Regex ContinuedProse();
    [GeneratedRegex(@"Error: DeployDev stopped in (\w+):")] private static partial Regex StoppedIn();
    [GeneratedRegex(@"'[^']*'|\S+")] private static partial Regex Words();

    public void Dispose() => _run.Dispose();
}
