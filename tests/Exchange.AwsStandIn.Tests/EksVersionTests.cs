using System.Diagnostics;
using System.Text.Json.Nodes;
using Exchange.Build.Aws;
using Exchange.Contracts;

namespace Exchange.AwsStandIn.Tests;

/// <summary>
/// What EKS and CloudFormation do with version changes, as the Upgrade target meets them through the real aws CLI: one minor version up
/// at a time, never down, the control plane only while the nodes run its version, a node group's version change alone; add-ons at EKS's
/// default for the cluster, moved by UpdateAddon to versions compatible with it. And `cdk bootstrap` under the deploy policy: refused at once.
/// </summary>
public sealed class EksVersionTests : IDisposable
{
    private readonly World _world = new();

    /// <summary>A cluster, its node group and kube-proxy; <paramref name="cluster"/>, <paramref name="nodes"/>, <paramref name="release"/> as given.</summary>
    private CliResult Deploy(string cluster, string nodes, string release, int desired = 2)
    {
        var template = new JsonObject
        {
            ["Resources"] = new JsonObject
            {
                ["Cluster"] = new JsonObject
                {
                    ["Type"] = "AWS::EKS::Cluster",
                    ["Properties"] = new JsonObject { ["Name"] = "versions", ["Version"] = cluster, ["RoleArn"] = "arn:aws:iam::111122223333:role/eks" },
                },
                ["Nodes"] = new JsonObject
                {
                    ["Type"] = "AWS::EKS::Nodegroup",
                    ["Properties"] = new JsonObject
                    {
                        ["ClusterName"] = new JsonObject { ["Ref"] = "Cluster" }, ["NodegroupName"] = "spot", ["Version"] = nodes, ["ReleaseVersion"] = release,
                        ["ScalingConfig"] = new JsonObject { ["MinSize"] = 1, ["MaxSize"] = 4, ["DesiredSize"] = desired },
                    },
                },
                ["Proxy"] = new JsonObject
                {
                    ["Type"] = "AWS::EKS::Addon",
                    ["Properties"] = new JsonObject { ["ClusterName"] = new JsonObject { ["Ref"] = "Cluster" }, ["AddonName"] = "kube-proxy" },
                },
            },
        };
        // A change set, as cdk makes them (the stand-in executes it at once); the stack's status says whether it applied or rolled back.
        var name = $"cs{++_changeSets}";
        var created = _world.Aws("cloudformation", "create-change-set", "--stack-name", "Versions", "--change-set-name", name,
            "--change-set-type", _changeSets == 1 ? "CREATE" : "UPDATE", "--template-body", template.ToJsonString());
        Assert.True(created.ExitCode == 0, created.ToString());
        var executed = _world.Aws("cloudformation", "execute-change-set", "--stack-name", "Versions", "--change-set-name", name);
        Assert.True(executed.ExitCode == 0, executed.ToString());
        var status = _world.Cloud.Stacks["Versions"].Status;
        return new CliResult(status is "CREATE_COMPLETE" or "UPDATE_COMPLETE" ? 0 : 1, status, "");
    }

    private int _changeSets;

    private string Events() => _world.Aws("cloudformation", "describe-stack-events", "--stack-name", "Versions").Stdout;

    private string Running(string what) => what == "cluster"
        ? (string)JsonNode.Parse(_world.Aws("eks", "describe-cluster", "--name", "versions").Stdout)!["cluster"]!["version"]!
        : (string)JsonNode.Parse(_world.Aws("eks", "describe-nodegroup", "--cluster-name", "versions", "--nodegroup-name", "spot").Stdout)!
            ["nodegroup"]!["releaseVersion"]!;

    [Fact]
    public void The_control_plane_moves_one_minor_version_up_only_while_the_nodes_run_its_version_and_never_down()
    {
        Assert.Equal(0, Deploy("1.35", "1.35", "1.35.4-20260512").ExitCode);

        Assert.NotEqual(0, Deploy("1.37", "1.35", "1.35.4-20260512").ExitCode);
        Assert.Contains("Unsupported Kubernetes minor version update from 1.35 to 1.37", Events());

        Assert.Equal(0, Deploy("1.36", "1.35", "1.35.4-20260512").ExitCode); // the control plane alone, nodes one behind
        Assert.Equal("1.36", Running("cluster"));

        Assert.NotEqual(0, Deploy("1.37", "1.35", "1.35.4-20260512").ExitCode); // again one up, but the nodes lag
        Assert.Contains("must be updated to match cluster version 1.36 before updating cluster version", Events());

        Assert.Equal(0, Deploy("1.36", "1.36", "1.36.2-20261020").ExitCode);
        Assert.Equal("1.36.2-20261020", Running("nodes"));
        Assert.NotEqual(0, Deploy("1.35", "1.35", "1.35.4-20260512").ExitCode); // back: refused
        Assert.Equal("1.36", Running("cluster"));
    }

    [Fact]
    public void A_node_group_version_change_comes_alone_matches_its_release_and_never_runs_ahead_of_the_control_plane()
    {
        Assert.Equal(0, Deploy("1.35", "1.35", "1.35.4-20260512").ExitCode);

        Assert.NotEqual(0, Deploy("1.35", "1.35", "1.35.7-20260903", desired: 3).ExitCode);
        Assert.Contains("Version and ReleaseVersion updates cannot be combined with other updates (also changed: ScalingConfig)", Events());
        Assert.NotEqual(0, Deploy("1.35", "1.35", "1.36.2-20261020").ExitCode);
        Assert.Contains("Requested release version 1.36.2-20261020 is not valid for kubernetes version 1.35", Events());
        Assert.NotEqual(0, Deploy("1.35", "1.36", "1.36.2-20261020").ExitCode);
        Assert.Contains("must not be newer than the cluster's version 1.35", Events());
        Assert.Equal("1.35.4-20260512", Running("nodes"));

        Assert.Equal(0, Deploy("1.35", "1.35", "1.35.7-20260903").ExitCode); // a patch alone rolls the nodes
        Assert.Equal("1.35.7-20260903", Running("nodes"));
    }

    [Fact]
    public void A_paused_node_group_stays_at_zero_through_a_version_update()
    {
        Assert.Equal(0, Deploy("1.35", "1.35", "1.35.4-20260512").ExitCode);
        Assert.Equal(0, _world.Aws("eks", "update-nodegroup-config", "--cluster-name", "versions", "--nodegroup-name", "spot",
            "--scaling-config", "minSize=0,maxSize=4,desiredSize=0").ExitCode);

        Assert.Equal(0, Deploy("1.35", "1.35", "1.35.7-20260903").ExitCode);

        var scaling = JsonNode.Parse(_world.Aws("eks", "describe-nodegroup", "--cluster-name", "versions", "--nodegroup-name", "spot").Stdout)!
            ["nodegroup"]!["scalingConfig"]!;
        Assert.Equal(0, (int)scaling["desiredSize"]!); // CloudFormation sent only the version change
    }

    [Fact]
    public void Add_ons_start_at_EKSs_default_and_move_only_to_versions_compatible_with_the_cluster()
    {
        Assert.Equal(0, Deploy("1.35", "1.35", "1.35.4-20260512").ExitCode);
        string Installed() =>
            (string)JsonNode.Parse(_world.Aws("eks", "describe-addon", "--cluster-name", "versions", "--addon-name", "kube-proxy").Stdout)!
                ["addon"]!["addonVersion"]!;
        Assert.Equal("v1.35.0-eksbuild.2", Installed());

        var refused = _world.Aws("eks", "update-addon", "--cluster-name", "versions", "--addon-name", "kube-proxy", "--addon-version", "v1.36.0-eksbuild.1");
        Assert.Contains("InvalidParameterException", refused.Stderr); // 1.36's kube-proxy on a 1.35 cluster

        Assert.Equal(0, Deploy("1.36", "1.35", "1.35.4-20260512").ExitCode);
        Assert.Equal("v1.35.0-eksbuild.2", Installed()); // CloudFormation leaves an add-on version it does not declare alone
        var update = JsonNode.Parse(_world.Aws("eks", "update-addon", "--cluster-name", "versions", "--addon-name", "kube-proxy",
            "--addon-version", "v1.36.0-eksbuild.1").Stdout)!["update"]!;
        Assert.Equal("InProgress", (string)update["status"]!);
        var described = JsonNode.Parse(_world.Aws("eks", "describe-update", "--name", "versions", "--update-id", (string)update["id"]!,
            "--addon-name", "kube-proxy").Stdout)!["update"]!;
        Assert.Equal("Successful", (string)described["status"]!);
        Assert.Equal("v1.36.0-eksbuild.1", Installed());
    }

    [Fact]
    public void Under_the_deploy_policy_cdk_bootstrap_is_refused_at_once_and_the_bootstrap_policy_lets_it_through()
    {
        var scope = new IamScope(World.Account, "ap-northeast-2", Environments.Dev.Names);
        _world.Faults.EnforcePolicy(DeployPolicy.Render(scope));
        var clock = Stopwatch.StartNew();

        var refused = _world.Cdk("bootstrap", $"aws://{World.Account}/ap-northeast-2");

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("is not authorized to perform: cloudformation:CreateChangeSet", refused.Output);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}"); // no retries, no wait: the pipeline stops in seconds
        Assert.False(_world.Cloud.Stacks.TryGetValue("CDKToolkit", out var toolkit) && toolkit.Status.EndsWith("_COMPLETE", StringComparison.Ordinal));

        _world.Faults.EnforcePolicy(BootstrapPolicy.Render(scope));
        _world.StandIn.ClearRequests();
        var bootstrapped = _world.Cdk("bootstrap", $"aws://{World.Account}/ap-northeast-2");

        Assert.True(bootstrapped.ExitCode == 0, bootstrapped.ToString());
        Assert.Equal("CREATE_COMPLETE", _world.Cloud.Stacks["CDKToolkit"].Status);
        // The CloudFormation calls cdk made are exactly those the bootstrap policy lists.
        var called = _world.StandIn.Requests.Select(r => r.Action).Where(a => a?.StartsWith("cloudformation:", StringComparison.Ordinal) == true)
            .Distinct().Order(StringComparer.Ordinal).ToArray();
        Assert.Subset(BootstrapPolicy.CloudFormationActions.ToHashSet(), called.ToHashSet()!);
    }

    public void Dispose() => _world.Dispose();
}
