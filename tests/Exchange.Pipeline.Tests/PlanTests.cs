using System.Text.RegularExpressions;

namespace Exchange.Pipeline.Tests;

/// <summary>Plan says what DeployDev runs: in the test world, the commands of a first DeployDev are exactly the ones Plan lists.</summary>
public sealed partial class PlanTests : IDisposable
{
    private static PipelineWorld world => PipelineWorld.Shared;
    private readonly PipelineRun _run = new(world);

    [Fact]
    public void Plan_and_a_first_DeployDev_name_the_same_commands()
    {
        var plan = _run.Build("--target=Plan");
        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.DoesNotContain(_run.Calls, c => c.Tool != "kubectl"); // Plan only renders the overlay (to list the workloads)
        var (always, conditional) = Planned(plan.Output);
        var before = _run.Calls.Count;

        var deploy = _run.Build("--target=DeployDev");
        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        var executed = _run.Calls.Skip(before).Select(c => Key(c.Tool, c.Args)).Where(k => !IsVersionProbe(k)).ToHashSet();

        var unplanned = executed.Except(always).Except(conditional).Order().ToList();
        var notRun = always.Except(executed).Order().ToList();
        Assert.True(unplanned.Count == 0 && notRun.Count == 0,
            $"DeployDev ran what Plan does not list: {string.Join(", ", unplanned)}\nPlan lists what DeployDev did not run: {string.Join(", ", notRun)}\n" +
            $"Plan:\n{plan.Output}\nCalls:\n{string.Join("\n", _run.Calls.Skip(before).Select(c => c.CommandLine))}");
        Assert.True(always.Count >= 15, string.Join(", ", always));
    }

    /// <summary>
    /// The commands of Plan's DeployDev section, as keys: those a first run always makes, and those a comment marks
    /// as conditional ("only when ...", "unless ...", "skip ... when ...").
    /// </summary>
    private static (HashSet<string> Always, HashSet<string> Conditional) Planned(string output)
    {
        var section = output[output.IndexOf("DeployDev would run, in order", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("TearDown", StringComparison.Ordinal)];
        var lines = ContinuedLine().Replace(section, " ").Split('\n').Select(l => l.Trim()).ToList();
        var (always, conditional) = (new HashSet<string>(), new HashSet<string>());
        var conditionalNext = false;
        foreach (var line in lines)
        {
            if (line.StartsWith('#'))
            {
                conditionalNext = Conditional().IsMatch(line);
                continue;
            }
            foreach (var command in line.Split(" | "))
            {
                var words = Words().Matches(command).Select(m => m.Value.Trim('\'')).ToList();
                if (words.Count < 2 || words[0] is not ("aws" or "cdk" or "kubectl" or "docker")) continue;
                (conditionalNext ? conditional : always).Add(Key(words[0], words[1..]));
            }
            conditionalNext = false;
        }
        return (always, conditional);
    }

    /// <summary>The tool and its subcommand: `aws SERVICE OPERATION`, `cdk deploy`, `kubectl rollout status`, `docker push`.</summary>
    private static string Key(string tool, IReadOnlyList<string> args)
    {
        var positional = args.Where(a => !a.StartsWith('-')).Take(tool is "aws" or "kubectl" ? 2 : 1);
        if (tool == "kubectl" && args.FirstOrDefault() is "apply" or "kustomize" or "diff") positional = positional.Take(1);
        return string.Join(' ', new[] { tool }.Concat(positional));
    }

    /// <summary>Doctor's version checks, which Plan sums up in one comment ("versions of ... cdk, aws, docker, kubectl").</summary>
    private static bool IsVersionProbe(string key) => key is "aws" or "cdk" or "docker version" or "kubectl version";

    [GeneratedRegex(@" \\\n\s*")] private static partial Regex ContinuedLine();
    [GeneratedRegex(@"only when|unless|skip .* when", RegexOptions.IgnoreCase)] private static partial Regex Conditional();
    [GeneratedRegex(@"'[^']*'|\S+")] private static partial Regex Words();

    public void Dispose() => _run.Dispose();
}
