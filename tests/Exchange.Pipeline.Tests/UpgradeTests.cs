using System.Text.RegularExpressions;
using Exchange.AwsStandIn;
using Exchange.Contracts;

namespace Exchange.Pipeline.Tests;

/// <summary>
/// Upgrade in the test world (the real aws and cdk CLIs against the stand-in, which holds EKS to its version rules), Plan's view of it,
/// and Bootstrap under the deploy policy.
/// </summary>
public sealed partial class UpgradeTests : IDisposable
{
    private static PipelineWorld world => PipelineWorld.Shared;
    private readonly PipelineRun _run = new(world);

    private static readonly EksConfig Configured = Environments.Dev.Of<EksConfig>();

    /// <summary>What changed the cluster, in order: a staged deploy (its control plane and node release) or an add-on update.</summary>
    private List<string> Changes(int since)
    {
        var changes = new List<string>();
        foreach (var call in _run.Calls.Skip(since).Select(c => c.CommandLine))
            if (StagedDeploy().Match(call) is { Success: true } stage) changes.Add($"stack: control plane {stage.Groups[1]}, nodes {stage.Groups[2]}");
            else if (AddonUpdate().Match(call) is { Success: true } addon) changes.Add($"add-on {addon.Groups[1]}");
        return changes;
    }

    [Fact]
    public void Upgrade_from_1_35_to_1_36_moves_the_control_plane_then_the_add_ons_then_the_nodes_as_Plan_shows_and_a_rerun_does_nothing()
    {
        _run.Deployed();

        var plan = _run.Build("--target=Plan", "--to=1.36");
        var before = _run.Calls.Count;
        var upgrade = _run.Build("--target=Upgrade", "--to=1.36");

        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.True(upgrade.ExitCode == 0, upgrade.ToString());
        var release = Eks.RecommendedRelease["1.36"];
        Assert.Equal([
            $"stack: control plane 1.36, nodes {Configured.NodeReleaseVersion}", "add-on vpc-cni", "add-on kube-proxy", "add-on coredns",
            $"stack: control plane 1.36, nodes {release}",
        ], Changes(before));
        var calls = _run.Calls.Skip(before).Select(c => c.CommandLine).ToList();
        Assert.Equal(2, calls.Count(c => c.StartsWith("aws cloudformation execute-change-set --stack-name Exchange-dev-Eks", StringComparison.Ordinal)));
        lock (_run.Cloud)
        {
            Assert.Equal("1.36", _run.Cloud.Clusters["exchange-dev"]["version"]!.GetValue<string>());
            var nodes = _run.Cloud.Nodegroups.Values.Single();
            Assert.Equal("1.36", nodes["version"]!.GetValue<string>());
            Assert.Equal(release, nodes["releaseVersion"]!.GetValue<string>());
            Assert.All(EksAddons.All,
                a => Assert.Equal(Eks.DefaultAddonVersion(a, "1.36"), _run.Cloud.Addons[$"exchange-dev/{a}"]["addonVersion"]!.GetValue<string>()));
            // The template says what runs: the stack's cluster and node group declare 1.36, so a deploy has nothing to undo.
            var template = _run.Cloud.Stacks["Exchange-dev-Eks"].TemplateBody;
            Assert.Matches($"\"ReleaseVersion\":\\s*\"{Regex.Escape(release)}\"", template);
        }
        // Plan printed the same steps in the same order, from the configured versions.
        var planned = PlanStep().Matches(plan.Output).Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(["control plane 1.35 -> 1.36", "add-ons -> the versions EKS recommends for 1.36", "node group -> the recommended 1.36 AMI release"],
            planned.Select(p => p.Split(" (from")[0]));
        Assert.Contains("but the configuration says 1.35", upgrade.Text); // --to went ahead of the configuration: it says what to set

        before = _run.Calls.Count;
        var again = _run.Build("--target=Upgrade", "--to=1.36");

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("Nothing to upgrade: the cluster already runs 1.36", again.Text);
        Assert.Empty(Changes(before));
        Assert.DoesNotContain(_run.Calls.Skip(before), c => c.CommandLine.Contains("execute-change-set", StringComparison.Ordinal));
    }

    [Fact]
    public void Bootstrap_under_the_deploy_policy_stops_before_Synth_naming_the_administrators_command_and_Permissions_prints_its_policy()
    {
        var permissions = _run.Build("--target=Permissions");
        Assert.True(permissions.ExitCode == 0, permissions.ToString());
        Assert.Contains($"npm ci --prefix infra && infra/node_modules/.bin/cdk bootstrap aws://{PipelineRun.Account}/{PipelineRun.Region}", permissions.Output);
        Assert.Contains("\"Sid\": \"ToolkitRoles\"", File.ReadAllText(Path.Combine(_run.Artifacts, "bootstrap-policy.json")));
        _run.Faults.EnforcePolicy(File.ReadAllText(Path.Combine(_run.Artifacts, "deploy-policy.json")));

        var deploy = _run.Build("--target=DeployInfra");

        Assert.NotEqual(0, deploy.ExitCode);
        Assert.Contains($"CDKToolkit is missing in aws://{PipelineRun.Account}/{PipelineRun.Region}, and your role may not create it " +
                        "(AWS refused cloudformation:CreateChangeSet)", deploy.Text); // a long line, wrapped at 120 columns
        Assert.Contains($"infra/node_modules/.bin/cdk bootstrap aws://{PipelineRun.Account}/{PipelineRun.Region}", deploy.Text);
        Assert.DoesNotContain(_run.Calls, c => c.Tool == "cdk" && c.Args.FirstOrDefault() is "synth" or "deploy"); // Synth's work never started
        Assert.False(_run.Cloud.Stacks.TryGetValue("CDKToolkit", out var toolkit) && toolkit.Status.EndsWith("_COMPLETE", StringComparison.Ordinal));
    }

    /// <summary>cdk deploy of a staged assembly (artifacts/upgrade/cdk.out-VERSION-RELEASE) or the configuration's: the Eks stack's change set.</summary>
    [GeneratedRegex(@"^cdk deploy --app \S*?cdk\.out(?:-(\d+\.\d+)-(\S+))? Exchange-dev-Eks --exclusively --method prepare-change-set")]
    private static partial Regex StagedDeploy();

    [GeneratedRegex(@"^aws eks update-addon --cluster-name exchange-dev --addon-name (\S+)")]
    private static partial Regex AddonUpdate();

    [GeneratedRegex(@"(?m)^\s+\d\. (.+)$")]
    private static partial Regex PlanStep();

    public void Dispose() => _run.Dispose();
}
