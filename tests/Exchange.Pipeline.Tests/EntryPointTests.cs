using System.Diagnostics;
using Exchange.Contracts;

namespace Exchange.Pipeline.Tests;

/// <summary>The bootstrap script and the targets people see: description, tree, unknown target, Default.</summary>
public sealed class EntryPointTests : IDisposable
{
    private static PipelineWorld world => PipelineWorld.Shared;
    private static readonly string[] Targets =
    [
        "Default", "Test", "Synth", "Render", "Plan", "Doctor", "Bootstrap", "DeployInfra", "Kubeconfig", "BuildImages",
        "PushImages", "Secrets", "ApplyK8s", "Verify", "DeployDev", "Status", "Diff", "Pause", "Resume", "DestroyDev", "Cost",
        "FollowSchedule", "CostDiff", "Upgrade", "DeployPreview", "DestroyPreview", "Previews", "SweepPreviews",
    ];

    private readonly PipelineRun _run = new(world);

    [Fact]
    public void The_description_lists_every_target_with_a_description()
    {
        var result = _run.BuildRaw("--description");

        Assert.Equal(0, result.ExitCode);
        foreach (var target in Targets)
            Assert.Matches($@"(?m)^[ \t]*{target}[ \t]+\S", result.Output);
    }

    [Fact]
    public void An_unknown_target_fails_and_lists_the_targets()
    {
        var result = _run.BuildRaw("--target=DeployEverything");

        Assert.Equal(2, result.ExitCode);
        var error = result.Output.Replace("\n  ", " ", StringComparison.Ordinal); // wrapped at 120 columns
        Assert.Contains("Error: Unknown target 'DeployEverything'. Did you mean --target=DeployDev or --target=DeployInfra or " +
                        "--target=DeployPreview?", error);
        Assert.Contains("./build.sh --help lists the targets", error);
        Assert.InRange(result.Output[result.Output.IndexOf("Error:", StringComparison.Ordinal)..].TrimEnd().Split('\n').Length, 1, 3);
    }

    [Fact]
    public void The_default_target_needs_no_AWS_and_prints_the_plan_of_DeployDev()
    {
        var result = _run.BuildRaw($"--engine-dir={_run.EngineDir}", $"--backend-dir={_run.BackendDir}");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("DeployDev would run, in order", result.Text);
        Assert.Contains("cdk deploy --app", result.Text);
        // The nodes are t3/t3a. Plan wraps long commands with a trailing `\`, where depends on the length of the path.
        Assert.Matches(@"docker build --platform linux/amd64 --file[\s\\]+\S+Dockerfile\.shard", result.Output);
        Assert.Contains("kubectl rollout status statefulset/matching-engine-shard-3", result.Text);
        Assert.Contains("aws-dev:", result.Text); // the overlay was rendered
        Assert.True(File.Exists(Path.Combine(_run.Artifacts, "rendered", "aws-dev.yaml")));
        Assert.DoesNotContain(_run.Calls, c => (c.Tool == "aws" && c.Args is not ["--version"])
                                               || c.CommandLine.StartsWith("cdk deploy", StringComparison.Ordinal));
    }

    [Fact]
    public void The_bootstrap_scripts_pass_shellcheck()
    {
        var shellcheck = Registry.Which("shellcheck");
        var benches = Directory.GetFiles(Path.Combine(world.RepoRoot, "bench"), "*.sh").Select(f => "bench/" + Path.GetFileName(f)).Order();
        foreach (var script in new[] { "build.sh", ".ci/run", ".ci/prerequisites" }.Concat(benches))
        {
            using var process = Process.Start(new ProcessStartInfo(shellcheck, [Path.Combine(world.RepoRoot, script)]) { RedirectStandardOutput = true })!;
            var findings = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"{script}:\n{findings}");
        }
    }

    [Fact]
    public void Stack_names_in_the_plan_come_from_the_shared_contract()
    {
        var result = _run.BuildRaw("--target=Plan", $"--engine-dir={_run.EngineDir}", $"--backend-dir={_run.BackendDir}");

        Assert.Contains(Environments.Dev.Names.DbSecretName, result.Text);
        Assert.Contains($"--name {Environments.Dev.Names.ClusterName}", result.Text);
    }

    [Fact]
    public void The_plan_prints_what_the_eks_endpoint_admits_and_passes_the_cidrs_to_cdk()
    {
        var result = _run.BuildRaw("--target=Plan", $"--engine-dir={_run.EngineDir}", $"--backend-dir={_run.BackendDir}",
            "--eks-public-cidrs=203.0.113.0/24,198.51.100.7/32");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("EKS API endpoint: public from 203.0.113.0/24, 198.51.100.7/32 only, and private", result.Text);
        var unwrapped = System.Text.RegularExpressions.Regex.Replace(result.Output, @" \\\n\s*", " "); // Plan's " \" continuations
        Assert.Contains("-c eksPublicAccessCidrs=203.0.113.0/24,198.51.100.7/32", unwrapped);
    }

    public void Dispose() => _run.Dispose();
}
