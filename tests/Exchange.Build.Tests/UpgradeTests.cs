using System.Text.Json;
using Exchange.Build.Aws;
using Exchange.Build.Logging;
using Exchange.Build.Operations;
using Exchange.Build.Pipeline;
using Exchange.Build.Pipeline.Tasks;
using Exchange.Build.Processes;
using Exchange.Contracts;

namespace Exchange.Build.Tests;

/// <summary>Upgrade's plan (AWS's order, one minor version at a time), the add-on choice, the version checks, the task against canned answers.</summary>
public sealed class UpgradeTests
{
    private static readonly EksConfig Configured = Environments.Dev.Of<EksConfig>();

    private static string? Pinned(string version) => version == "1.36" ? "1.36.2-20270115" : null;

    private static string[] Titles(IEnumerable<UpgradeStep> steps) => steps.Select(s => s.GetType().Name.Replace("Step", "") + " " + s.Version).ToArray();

    [Fact]
    public void One_minor_version_moves_the_control_plane_then_the_add_ons_then_the_nodes()
    {
        var steps = UpgradePlan.For(new EksVersions("1.35", "1.35", "1.35.4-20260512"), "1.36", Pinned);

        Assert.Equal(["ControlPlane 1.36", "Addons 1.36", "Nodes 1.36"], Titles(steps));
        Assert.Equal(new ControlPlaneStep("1.35", "1.36"), steps[0]);
        Assert.Equal(new NodesStep("1.36", "1.36.2-20270115", "1.35.4-20260512"), steps[2]);
    }

    [Fact]
    public void Two_minor_versions_go_one_at_a_time_each_round_in_AWSs_order()
    {
        var steps = UpgradePlan.For(new EksVersions("1.35", "1.35", "1.35.4-20260512"), "1.37", Pinned);

        Assert.Equal(["ControlPlane 1.36", "Addons 1.36", "Nodes 1.36", "ControlPlane 1.37", "Addons 1.37", "Nodes 1.37"], Titles(steps));
        Assert.Equal(new ControlPlaneStep("1.36", "1.37"), steps[3]);
        Assert.Equal(new NodesStep("1.37", null, "1.36.2-20270115"), steps[5]); // no release pinned for 1.37: EKS's recommended one
    }

    [Fact]
    public void A_newly_pinned_release_at_the_same_minor_version_moves_just_the_nodes()
    {
        var steps = UpgradePlan.For(new EksVersions("1.36", "1.36", "1.36.1-20261101"), "1.36", Pinned);

        Assert.Equal([new NodesStep("1.36", "1.36.2-20270115", "1.36.1-20261101")], steps);
    }

    [Theory]
    [InlineData("1.36.2-20270115")] // already there
    [InlineData("1.36.3-20270201")] // newer than pinned: an AMI cannot be rolled back (Status says to raise the pin)
    public void At_the_target_with_the_pinned_release_or_a_newer_one_there_is_nothing_to_do(string running)
    {
        Assert.Empty(UpgradePlan.For(new EksVersions("1.36", "1.36", running), "1.36", Pinned));
    }

    [Fact]
    public void Nodes_left_behind_by_EKS_upgrading_the_control_plane_catch_up_before_anything_moves_further()
    {
        var steps = UpgradePlan.For(new EksVersions("1.36", "1.35", "1.35.4-20260512"), "1.37", Pinned);

        Assert.Equal(["Addons 1.36", "Nodes 1.36", "ControlPlane 1.37", "Addons 1.37", "Nodes 1.37"], Titles(steps));
    }

    [Fact]
    public void A_target_below_what_runs_is_refused_with_what_to_set()
    {
        var error = Assert.Throws<UpgradeRefusedException>(() => UpgradePlan.For(new EksVersions("1.36", "1.36", "1.36.2-20270115"), "1.35", Pinned));

        Assert.Contains("cannot take a cluster back to 1.35", error.Message);
        Assert.Contains("KubernetesVersion = \"1.36\"", error.Message);
    }

    [Theory]
    [InlineData("v1.35.0-eksbuild.2", "v1.36.0-eksbuild.1")] // not offered for the new version: move to the default
    [InlineData("v1.12.4-eksbuild.1", "v1.13.1-eksbuild.1")] // offered, but older than the default: move to the default
    [InlineData("v1.13.1-eksbuild.1", null)] // the default
    [InlineData("v1.13.2-eksbuild.1", null)] // compatible and newer than the default: left alone
    public void An_add_on_moves_to_EKSs_default_unless_what_runs_suits_the_version_and_is_not_older(string installed, string? expected)
    {
        AddonVersionOffer[] offered = installed.StartsWith("v1.35", StringComparison.Ordinal)
            ? [new("v1.36.0-eksbuild.1", true)]
            : [new("v1.12.4-eksbuild.1", false), new("v1.13.1-eksbuild.1", true), new("v1.13.2-eksbuild.1", false)];

        Assert.Equal(expected, UpgradePlan.AddonTarget(installed, offered));
    }

    [Theory]
    [InlineData("2027-01-25", false)] // 61 days before 2027-03-27
    [InlineData("2027-01-26", true)] // 60 days before
    [InlineData("2027-03-27", true)] // the last day
    [InlineData("2027-04-10", true)] // past it
    public void Doctor_Status_and_Cost_warn_from_60_days_before_the_end_of_standard_support_naming_the_command(string today, bool warns)
    {
        var warning = KubernetesChecks.SupportWarning("1.35", DateTimeOffset.Parse(today + "T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(warns, warning is not null);
        if (warns) Assert.Contains("./build.sh --target=Upgrade --to=1.36", warning);
        if (warns) Assert.Contains("2027-03-27", warning);
    }

    [Fact]
    public void A_version_without_a_recorded_end_date_says_where_to_add_it()
    {
        Assert.Contains("KubernetesSupport.cs", KubernetesChecks.SupportWarning("1.99", DateTimeOffset.UtcNow));
    }

    [Fact]
    public void Skew_names_a_control_plane_EKS_upgraded_by_itself_nodes_behind_and_an_unapplied_release()
    {
        Assert.Empty(KubernetesChecks.Skew(EksVersions.Configured(Configured), Configured));

        var autoUpgraded = KubernetesChecks.Skew(new EksVersions("1.36", "1.35", Configured.NodeReleaseVersion), Configured);
        Assert.Equal(2, autoUpgraded.Count);
        Assert.Contains("The control plane runs Kubernetes 1.36, but the configuration says 1.35", autoUpgraded[0]);
        Assert.Contains("KubernetesVersion = \"1.36\"", autoUpgraded[0]);
        Assert.Contains("The nodes run Kubernetes 1.35, the control plane 1.36: run ./build.sh --target=Upgrade --to=1.36", autoUpgraded[1]);

        var configuredAhead = KubernetesChecks.Skew(EksVersions.Configured(Configured), Configured with { KubernetesVersion = "1.36" });
        Assert.Contains("the control plane runs 1.35: run ./build.sh --target=Upgrade", Assert.Single(configuredAhead));

        var unapplied = KubernetesChecks.Skew(new EksVersions("1.35", "1.35", "1.35.1-20260201"), Configured);
        Assert.Contains($"the configuration pins {Configured.NodeReleaseVersion}: run ./build.sh --target=Upgrade", Assert.Single(unapplied));
    }

    [Theory]
    [InlineData("1.36", null)]
    [InlineData("1.36.1", "is not a Kubernetes minor version")]
    [InlineData("latest", "is not a Kubernetes minor version")]
    public void To_takes_a_minor_version(string to, string? error)
    {
        if (error is null) Assert.Equal(to, Contexts.Settings(new() { ["to"] = to }).UpgradeTo);
        else Assert.Contains(error, Assert.Throws<Settings.SettingsException>(() => Contexts.Settings(new() { ["to"] = to })).Message);
    }

    [Fact]
    public void Each_step_waits_an_hour_unless_wait_timeout_says_otherwise()
    {
        Assert.Equal(TimeSpan.FromMinutes(60), Contexts.Settings().UpgradeStepTimeout);
        Assert.Equal(TimeSpan.FromMinutes(90), Contexts.Settings(new() { ["wait-timeout"] = "90m" }).UpgradeStepTimeout);
    }

    // ---- the task against canned AWS answers: what it calls, in which order, and what it does when nothing is left ----

    /// <summary>An account where the cluster runs <paramref name="running"/>; staged deploys and add-on updates take effect as EKS would.</summary>
    private sealed class EksAccount(EksVersions running) : IProcessRunner
    {
        public EksVersions Running { get; private set; } = running;
        public Dictionary<string, string> Addons { get; } = new()
        {
            ["vpc-cni"] = "v1.20.4-eksbuild.2", ["kube-proxy"] = "v1.35.0-eksbuild.2", ["coredns"] = "v1.12.4-eksbuild.1",
            ["eks-pod-identity-agent"] = "v1.3.9-eksbuild.3",
        };
        /// <summary>What changed the cluster, in order: "prepare VERSION RELEASE" (a staged deploy), "addon NAME VERSION".</summary>
        public List<string> Changes { get; } = [];
        public List<string> Calls { get; } = [];
        private (string Version, string Release)? _prepared;

        public ProcessResult Run(CommandLine command, ProcessOptions? options = null)
        {
            var args = command.Values.ToArray();
            string Arg(string name) => args[Array.IndexOf(args, name) + 1];
            var call = string.Join(' ', args.Take(2));
            lock (Calls) Calls.Add(call);
            return call switch
            {
                "sts get-caller-identity" => Json(new { Account = "111122223333", Arn = "arn:aws:iam::111122223333:role/ci", UserId = "AROA" }),
                "cloudformation describe-stacks" => Json(new
                {
                    Stacks = new[]
                    {
                        new
                        {
                            StackName = Arg("--stack-name"), StackStatus = "UPDATE_COMPLETE",
                            Outputs = new[] { new { OutputKey = "NodegroupName", OutputValue = "SpotNodegroup-0123" } },
                        },
                    },
                }),
                // Nothing shared in the artifacts bucket (the record of the deployed assembly is looked for before cdk deploys).
                "s3api get-object" => new ProcessResult(254, "", "An error occurred (NoSuchKey) when calling the GetObject operation: The specified " +
                                                                 "key does not exist.", TimeSpan.Zero),
                "rds describe-db-instances" => Json(new { DBInstances = new[] { new { DBInstanceStatus = "available" } } }),
                "eks describe-cluster" => Json(new { cluster = new { version = Running.ControlPlane, status = "ACTIVE" } }),
                "eks describe-nodegroup" => Json(new
                {
                    nodegroup = new
                    {
                        version = Running.Nodes, releaseVersion = Running.NodeRelease, status = "ACTIVE",
                        scalingConfig = new { minSize = 1, maxSize = 4, desiredSize = 2 },
                    },
                }),
                "eks describe-addon" => Json(new { addon = new { addonVersion = Addons[Arg("--addon-name")], status = "ACTIVE" } }),
                "eks describe-addon-versions" => Json(new
                {
                    addons = new[]
                    {
                        new
                        {
                            addonName = Arg("--addon-name"),
                            addonVersions = new[]
                            {
                                new
                                {
                                    addonVersion = $"v9.{Arg("--kubernetes-version")}-eksbuild.1",
                                    compatibilities = new[] { new { clusterVersion = Arg("--kubernetes-version"), defaultVersion = true } },
                                },
                            },
                        },
                    },
                }),
                "eks update-addon" => UpdateAddon(Arg("--addon-name"), Arg("--addon-version")),
                "eks describe-update" => Json(new { update = new { id = "u-1", status = "Successful", errors = Array.Empty<object>() } }),
                // /aws/service/eks/optimized-ami/1.36/amazon-linux-2023/x86_64/standard/recommended/release_version
                "ssm get-parameter" => Json(new { Parameter = new { Value = $"{Arg("--name").Split('/')[5]}.0-20261201" } }),
                "synth --output" => Ok(""),
                "deploy --app" => Prepare(Arg("--app")),
                "cloudformation execute-change-set" => Execute(),
                _ => throw new InvalidOperationException($"unexpected call: {string.Join(' ', args)}"),
            };
        }

        private ProcessResult Prepare(string assembly)
        {
            // A staged assembly's folder names its versions (artifacts/<env>/upgrade/cdk.out-<version>-<release>), else it is the configuration's.
            var name = Path.GetFileName(assembly);
            _prepared = name.StartsWith("cdk.out-", StringComparison.Ordinal)
                ? (name.Split('-')[1], string.Join('-', name.Split('-')[2..]))
                : (Configured.KubernetesVersion, Configured.NodeReleaseVersion);
            Changes.Add($"prepare {_prepared.Value.Version} {_prepared.Value.Release}");
            return Ok(" ✅  Exchange-dev-Eks: changeset created");
        }

        private ProcessResult Execute()
        {
            var (version, release) = _prepared!.Value;
            Running = release == Running.NodeRelease ? Running with { ControlPlane = version }
                : Running with { Nodes = KubernetesVersions.MinorOfRelease(release), NodeRelease = release };
            return Ok("");
        }

        private ProcessResult UpdateAddon(string name, string version)
        {
            Addons[name] = version;
            Changes.Add($"addon {name} {version}");
            return Json(new { update = new { id = "u-1", status = "InProgress", errors = Array.Empty<object>() } });
        }

        private static ProcessResult Ok(string text) => new(0, text, "", TimeSpan.Zero);
        private static ProcessResult Json(object value) => Ok(JsonSerializer.Serialize(value));
    }

    private static (BuildContext Build, MemoryLog Log) Context(IProcessRunner runner, TempDir artifacts, params (string Key, string Value)[] arguments)
    {
        var env = new Dictionary<string, string>
        {
            ["AWS_PATH"] = "/bin/sh", ["CDK_PATH"] = "/bin/sh", ["DOCKER_PATH"] = "/bin/sh", ["KUBECTL_PATH"] = "/bin/sh",
        };
        var args = new Dictionary<string, string> { ["account"] = "111122223333", ["artifacts"] = artifacts.Path };
        foreach (var (key, value) in arguments) args[key] = value;
        var log = new MemoryLog();
        var b = new BuildContext(Contexts.Settings(args, env), log, n => env.GetValueOrDefault(n), [TaskNames.Upgrade], runner, new FakeClock());
        b.AssemblyChecked = true; // the configuration's assembly counts as synthesized: these tests are about the calls
        b.BeginTask(TaskNames.Upgrade);
        return (b, log);
    }

    [Fact]
    public void Upgrade_to_1_37_runs_each_round_in_AWSs_order_and_a_rerun_changes_nothing_and_says_so()
    {
        using var artifacts = new TempDir();
        var account = new EksAccount(EksVersions.Configured(Configured));
        var (b, log) = Context(account, artifacts, ("to", "1.37"));

        Upgrade.Run(b);

        string[] Addons(string version) => EksAddons.All.Select(a => $"addon {a} v9.{version}-eksbuild.1").ToArray();
        Assert.Equal([
            $"prepare 1.36 {Configured.NodeReleaseVersion}", .. Addons("1.36"), "prepare 1.36 1.36.0-20261201",
            "prepare 1.37 1.36.0-20261201", .. Addons("1.37"), "prepare 1.37 1.37.0-20261201",
        ], account.Changes);
        Assert.Equal(new EksVersions("1.37", "1.37", "1.37.0-20261201"), account.Running);
        Assert.Contains(b.Report.Results, r => r.Task == TaskNames.Upgrade && r.Outcome == StepOutcome.Changed);
        Assert.Contains(log.Entries, e => e.Level == "warning" && e.Message.Contains("but the configuration says 1.35", StringComparison.Ordinal));

        account.Changes.Clear();
        account.Calls.Clear();
        var (again, againLog) = Context(account, artifacts, ("to", "1.37"));
        Upgrade.Run(again);

        Assert.Empty(account.Changes);
        Assert.DoesNotContain(account.Calls, c => c is "cloudformation execute-change-set" or "synth --output");
        Assert.Contains("Nothing to upgrade: the cluster already runs 1.37", againLog.Text);
        Assert.Contains(again.Report.Results, r => r.Task == TaskNames.Upgrade && r.Outcome == StepOutcome.Unchanged);
    }

    [Fact]
    public void A_patch_only_upgrade_rolls_just_the_nodes_onto_the_configured_release()
    {
        using var artifacts = new TempDir();
        var account = new EksAccount(new EksVersions("1.35", "1.35", "1.35.1-20260201"));
        var (b, _) = Context(account, artifacts);

        Upgrade.Run(b);

        Assert.Equal([$"prepare 1.35 {Configured.NodeReleaseVersion}"], account.Changes);
        Assert.Equal(EksVersions.Configured(Configured), account.Running);
    }

    [Theory]
    [InlineData("1.36", "1.35", "1.35.4-20260512", "but the configuration says 1.35")] // EKS moved the control plane by itself
    [InlineData("1.35", "1.35", "1.35.1-20260201", "run ./build.sh --target=Upgrade")] // a release pinned but not rolled out
    public void DeployInfra_refuses_to_deploy_versions_that_differ_from_what_runs(string controlPlane, string nodes, string release, string says)
    {
        using var artifacts = new TempDir();
        var account = new EksAccount(new EksVersions(controlPlane, nodes, release));
        var (b, _) = Context(account, artifacts);

        var error = Assert.Throws<UpgradeRefusedException>(() => DeployInfra.EnsureVersionsAsConfigured(b, EnvironmentState.Read(b)));

        Assert.Contains("Nothing was deployed", error.Message);
        Assert.Contains(says, error.Message);
        Assert.DoesNotContain(account.Calls, c => c.StartsWith("deploy", StringComparison.Ordinal));
        account.Calls.Clear();
        var matching = new EksAccount(EksVersions.Configured(Configured));
        var (ok, _) = Context(matching, artifacts);
        DeployInfra.EnsureVersionsAsConfigured(ok, EnvironmentState.Read(ok)); // what runs is what the configuration says: no complaint
    }
}
