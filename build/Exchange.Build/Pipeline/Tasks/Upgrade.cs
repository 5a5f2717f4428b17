using System.Globalization;
using Exchange.Build.Aws;
using Exchange.Build.Logging;
using Exchange.Build.Operations;
using Exchange.Build.Processes;
using Exchange.Contracts;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>
/// Upgrade: moves the cluster to a Kubernetes minor version (--to, else the configured one) in AWS's order, one minor version at a
/// time: the control plane, the add-ons, then the node group; at the same minor version, a newly pinned node AMI release moves just the
/// nodes. The control plane and the node group move through the Eks stack, each in a deploy of its own that changes only their versions
/// (cdk prepares the change set of a staged assembly, this task executes it and waits with progress), so the stack's template always
/// says what the cluster runs and a later DeployInfra has nothing to undo. The add-ons, whose versions the stack does not declare, move
/// through the EKS API. Each step is waited on and its result checked; a rerun at the target version does nothing and says so.
/// </summary>
public static class Upgrade
{
    public static void Run(BuildContext b)
    {
        var eks = b.Settings.Environment.Of<EksConfig>();
        var target = b.Settings.UpgradeTo ?? eks.KubernetesVersion;
        var current = ReadRunning(b);
        if (current is null)
        {
            b.Log.Information("The Eks stack is not deployed: nothing to upgrade " +
                              $"(DeployInfra creates the cluster at the configured {eks.KubernetesVersion}).");
            b.Report.Add(TaskNames.Upgrade, StepOutcome.Skipped, "the Eks stack is not deployed");
            return;
        }
        var (running, nodegroup) = current.Value;
        b.Log.Information($"Running: {running}. Configured: {EksVersions.Configured(eks)}. Target: {target}.");

        var steps = UpgradePlan.For(running, target, PinnedRelease(eks));
        var addonsOnly = steps.Count == 0;
        if (addonsOnly) steps = [new AddonsStep(target)]; // at the target: only check that the add-ons suit it
        else
        {
            b.Log.Information($"Upgrade to {target}, {steps.Count} steps in AWS's order:");
            for (var i = 0; i < steps.Count; i++) b.Log.Information($"  {i + 1}. {steps[i].Title}");
        }

        var done = new List<string>();
        foreach (var step in steps)
        {
            var outcome = step switch
            {
                ControlPlaneStep s => ControlPlane(b, s, ref running),
                AddonsStep s => Addons(b, s),
                NodesStep s => Nodes(b, s, nodegroup, ref running),
                _ => throw new InvalidOperationException($"Unknown upgrade step {step}."),
            };
            if (outcome is not null) done.Add(outcome);
        }

        if (done.Count == 0)
        {
            b.Log.Information($"Nothing to upgrade: the cluster already runs {target} ({running}), and the add-ons suit it.");
            b.Report.Add(TaskNames.Upgrade, StepOutcome.Unchanged, $"already at {target}");
        }
        else
        {
            b.Log.Information($"Upgraded: {string.Join("; ", done)}. The cluster runs {running}.");
            b.Report.Add(TaskNames.Upgrade, StepOutcome.Changed, string.Join("; ", done));
        }
        foreach (var problem in KubernetesChecks.Skew(running, eks)) b.Log.Warning(problem);
    }

    /// <summary>The release the configuration pins for a minor version (only its own), else null: EKS's recommended one.</summary>
    public static Func<string, string?> PinnedRelease(EksConfig eks) => version => eks.NodeKubernetesVersion == version ? eks.NodeReleaseVersion : null;

    /// <summary>What the cluster runs and the node group's name; null when the Eks stack is not deployed.</summary>
    public static (EksVersions Running, string Nodegroup)? ReadRunning(BuildContext b)
    {
        if (b.Aws.DescribeStack(b.Names.Stack(StackKind.Eks)) is not { } stack) return null;
        var nodegroup = DeploymentOutputs.FromStackDescriptions(b.Names, [stack]).TryGet(Outputs.EksNodegroupName)
                        ?? throw new InvalidOperationException($"The Eks stack has no {Outputs.EksNodegroupName.Key} output: run DeployInfra first.");
        var cluster = b.Aws.DescribeCluster(b.Names.ClusterName)
                      ?? throw new InvalidOperationException($"The Eks stack exists but cluster {b.Names.ClusterName} does not: " +
                                                             "see ./build.sh --target=Status.");
        var nodes = b.Aws.DescribeNodegroup(b.Names.ClusterName, nodegroup)
                    ?? throw new InvalidOperationException($"Node group {nodegroup} does not exist: see ./build.sh --target=Status.");
        if (cluster.Status != "ACTIVE" || nodes.Status != "ACTIVE")
            throw new UpgradeRefusedException($"The cluster is {cluster.Status} and its node group {nodes.Status}: an update is under way (by EKS, " +
                                              "or a run that was interrupted). Wait until both are ACTIVE (./build.sh --target=Status), then rerun Upgrade.");
        return (new EksVersions(cluster.Version, nodes.Version, nodes.ReleaseVersion), nodegroup);
    }

    private static string? ControlPlane(BuildContext b, ControlPlaneStep step, ref EksVersions running)
    {
        var cluster = b.Names.ClusterName;
        var release = running.NodeRelease ?? throw new InvalidOperationException($"The node group reports no AMI release: see ./build.sh --target=Status.");
        b.Log.Information($"Control plane {step.From} -> {step.To} (the nodes stay on {release} until the add-ons have moved)");
        DeployStage(b, step.To, release, $"the control plane of {cluster} to move to {step.To}",
            () => b.Aws.DescribeCluster(cluster) is { } c ? $"cluster {c.Status} at {c.Version}" : "cluster not found",
            b.Aws.DescribeClusterCommand(cluster).RenderSafe());
        var after = b.Aws.DescribeCluster(cluster);
        if (after is not { Status: "ACTIVE" } || after.Version != step.To)
            throw new UpgradeRefusedException($"The Eks stack was updated, but the control plane is {after?.Status ?? "missing"} at {after?.Version}, " +
                                              $"not ACTIVE at {step.To}. Check: {b.Aws.DescribeClusterCommand(cluster).RenderSafe()}; then rerun Upgrade.");
        running = running with { ControlPlane = step.To };
        return $"control plane {step.From} -> {step.To}";
    }

    private static string? Addons(BuildContext b, AddonsStep step)
    {
        var cluster = b.Names.ClusterName;
        var moved = new List<string>();
        foreach (var name in EksAddons.All)
        {
            var installed = b.Aws.DescribeAddon(cluster, name);
            if (installed is null)
            {
                b.Log.Warning($"Add-on {name} is not installed on {cluster}; DeployInfra installs it.");
                continue;
            }
            var version = UpgradePlan.AddonTarget(installed.Version, b.Aws.AddonVersions(name, step.Version));
            if (version is null)
            {
                b.Log.Information($"  add-on {name} {installed.Version}: suits {step.Version}");
                continue;
            }
            b.Log.Information($"  add-on {name} {installed.Version} -> {version}");
            var update = b.Aws.UpdateAddon(cluster, name, version);
            var wait = b.Waits.For($"add-on {name} to move to {version} (update {update.Id})", () => b.Aws.DescribeAddonUpdate(cluster, name, update.Id),
                u => u.IsFinished, u => u.Status + (u.Errors.Count == 0 ? "" : $": {string.Join("; ", u.Errors)}"), b.Settings.UpgradeStepTimeout,
                b.Aws.DescribeAddonUpdateCommand(cluster, name, update.Id).RenderSafe());
            if (!wait.Done) throw new UpgradeRefusedException(wait.Failure!);
            if (wait.LastState != "Successful")
                throw new UpgradeRefusedException($"EKS could not update add-on {name} to {version}: {wait.LastState}. Read `aws eks describe-addon " +
                                                  $"--cluster-name {cluster} --addon-name {name}` (its health issues), fix the cause, then rerun Upgrade.");
            b.Log.Information($"  add-on {name} at {version} after {Backoff.Format(wait.Elapsed)}");
            moved.Add($"{name} {version}");
        }
        return moved.Count == 0 ? null : $"add-ons for {step.Version}: {string.Join(", ", moved)}";
    }

    private static string? Nodes(BuildContext b, NodesStep step, string nodegroup, ref EksVersions running)
    {
        var cluster = b.Names.ClusterName;
        var amiType = b.Settings.Environment.Of<EksConfig>().NodeArchitecture.AmiType();
        var release = step.Release ?? b.Aws.RecommendedRelease(step.Version, amiType);
        if (step.Release is null) b.Log.Information($"  EKS recommends node AMI release {release} for {step.Version} ({amiType})");
        b.Log.Information($"Node group {nodegroup}: {running.NodeRelease} -> {release} (a rolling update, one node at a time)");
        DeployStage(b, step.Version, release, $"node group {nodegroup} to roll onto {release}",
            () => b.Aws.DescribeNodegroup(cluster, nodegroup) is { } n ? $"node group {n.Status} at {n.ReleaseVersion}, {n.Scaling}" : "node group not found",
            b.Aws.DescribeNodegroupCommand(cluster, nodegroup).RenderSafe());
        var after = b.Aws.DescribeNodegroup(cluster, nodegroup);
        if (after is not { Status: "ACTIVE" } || after.Version != step.Version || after.ReleaseVersion != release)
            throw new UpgradeRefusedException($"The Eks stack was updated, but node group {nodegroup} is {after?.Status ?? "missing"} at " +
                                              $"{after?.Version} ({after?.ReleaseVersion}), not ACTIVE at {release}. Check: " +
                                              $"{b.Aws.DescribeNodegroupCommand(cluster, nodegroup).RenderSafe()}; then rerun Upgrade.");
        var from = running.NodeRelease;
        running = running with { Nodes = step.Version, NodeRelease = release };
        return $"nodes {from} -> {release}";
    }

    /// <summary>
    /// One staged deploy of the Eks stack: the app synthesized with these versions, a change set cdk prepares through the bootstrap roles,
    /// executed here, and a wait until CloudFormation has finished (EKS's own update inside it), with progress and a deadline.
    /// </summary>
    private static void DeployStage(BuildContext b, string kubernetesVersion, string nodeRelease, string what, Func<string> detail, string checkByHand)
    {
        var stack = b.Names.Stack(StackKind.Eks);
        var assembly = Synth.EnsureStagedAssembly(b, kubernetesVersion, nodeRelease);
        var changeSet = ChangeSetName(kubernetesVersion, nodeRelease, b.Clock.UtcNow);
        var prepared = b.Cdk.Run(b.Cdk.PrepareChangeSetCommand(assembly, stack, changeSet, b.Settings.IsCi), b.Settings.RepoRoot,
            line => b.Log.Information("  cdk | " + line),
            $"read the error above; `./build.sh --target=Status` shows the stacks. Then rerun: ./build.sh --target={TaskNames.Upgrade}");
        if ((prepared.StandardOutput + prepared.StandardError).Contains($"{stack} (no changes)", StringComparison.Ordinal))
        {
            b.Log.Information($"  {stack} already says this: nothing to deploy");
            return;
        }
        b.Log.Information($"  executing change set {changeSet} on {stack}");
        b.Aws.Run(b.Aws.ExecuteChangeSetCommand(stack, changeSet));
        var wait = b.Waits.For(what, () =>
            {
                var status = b.Aws.DescribeStack(stack)?.GetProperty("StackStatus").GetString() ?? "DELETED";
                return (Status: status, Detail: status.EndsWith("_IN_PROGRESS", StringComparison.Ordinal) ? detail() : "");
            },
            s => !s.Status.EndsWith("_IN_PROGRESS", StringComparison.Ordinal), s => $"{stack} {s.Status}" + (s.Detail.Length > 0 ? $", {s.Detail}" : ""),
            b.Settings.UpgradeStepTimeout, $"{b.Aws.DescribeStackCommand(stack).RenderSafe()}; {checkByHand}");
        if (!wait.Done)
            throw new UpgradeRefusedException(wait.Failure! + " CloudFormation goes on by itself: rerun Upgrade once the stack is stable.");
        if (!wait.LastState.EndsWith("UPDATE_COMPLETE", StringComparison.Ordinal) || wait.LastState.Contains("ROLLBACK", StringComparison.Ordinal))
            throw new UpgradeRefusedException($"CloudFormation did not apply the stage ({wait.LastState}): " +
                                              $"{b.Aws.LatestResourceFailure(stack) ?? "no failed resource in the stack's events"}. " +
                                              "Fix the cause, then rerun " +
                                              $"./build.sh --target={TaskNames.Upgrade} (it starts from what runs).");
        b.Log.Information($"  {stack} {wait.LastState} after {Backoff.Format(wait.Elapsed)}");
    }

    /// <summary>
    /// Plan's view of Upgrade (--to): the steps from the configured versions to <paramref name="target"/>, each with the commands it runs, built
    /// by the same wrappers; values only AWS knows show as &lt;placeholders&gt;. A real run decides its steps from what the cluster runs.
    /// </summary>
    public static IReadOnlyList<(string Title, IReadOnlyList<string> Lines)> Preview(BuildContext b, string target)
    {
        var eks = b.Settings.Environment.Of<EksConfig>();
        var (cluster, stack, change) = (b.Names.ClusterName, b.Names.Stack(StackKind.Eks), "<change set>");
        var release = eks.NodeReleaseVersion;
        var nodegroup = $"<{stack}.{Outputs.EksNodegroupName.Key}>";
        var context = Synth.Context(b);
        string Show(Processes.CommandLine command) => command.RenderSafe(b.Redactor);
        IEnumerable<string> Stage(string version, string nodeRelease, string waitsFor)
        {
            var dir = Synth.StagedAssemblyDir(b.Settings, version, nodeRelease);
            var staged = new SortedDictionary<string, string>(context, StringComparer.Ordinal)
            {
                [ContextKeys.KubernetesVersion] = version, [ContextKeys.NodeReleaseVersion] = nodeRelease,
            };
            yield return Show(b.Cdk.SynthCommand(dir, staged));
            yield return Show(b.Cdk.PrepareChangeSetCommand(dir, stack, change, b.Settings.IsCi));
            yield return Show(b.Aws.ExecuteChangeSetCommand(stack, change));
            yield return $"# waits (up to {Backoff.Format(b.Settings.UpgradeStepTimeout)}, progress at least every 30 s) until {stack} is UPDATE_COMPLETE: " +
                         $"{Show(b.Aws.DescribeStackCommand(stack))}, {waitsFor}";
        }
        var result = new List<(string, IReadOnlyList<string>)>();
        foreach (var step in UpgradePlan.For(EksVersions.Configured(eks), target, PinnedRelease(eks)))
        {
            var lines = new List<string>();
            switch (step)
            {
                case ControlPlaneStep s:
                    lines.AddRange(Stage(s.To, release, Show(b.Aws.DescribeClusterCommand(cluster))));
                    break;
                case AddonsStep s:
                    foreach (var addon in EksAddons.All)
                    {
                        lines.Add(Show(b.Aws.DescribeAddonCommand(cluster, addon)));
                        lines.Add(Show(b.Aws.DescribeAddonVersionsCommand(addon, s.Version)));
                        lines.Add($"# unless the installed version suits {s.Version}:");
                        lines.Add(Show(b.Aws.UpdateAddonCommand(cluster, addon, $"<EKS's default for {s.Version}>")));
                        lines.Add($"# waits until the update is Successful: {Show(b.Aws.DescribeAddonUpdateCommand(cluster, addon, "<update id>"))}");
                    }
                    break;
                case NodesStep s:
                    var to = s.Release ?? $"<recommended {s.Version} release>";
                    if (s.Release is null) lines.Add(Show(b.Aws.RecommendedReleaseCommand(s.Version, eks.NodeArchitecture.AmiType())));
                    lines.AddRange(Stage(s.Version, to, Show(b.Aws.DescribeNodegroupCommand(cluster, nodegroup))));
                    release = to;
                    break;
            }
            result.Add((step.Title, lines));
        }
        return result;
    }

    /// <summary>A change set name CloudFormation takes ([a-zA-Z][-a-zA-Z0-9]*), unique per attempt.</summary>
    public static string ChangeSetName(string kubernetesVersion, string nodeRelease, DateTimeOffset now) =>
        $"exchange-upgrade-{kubernetesVersion.Replace('.', '-')}-{nodeRelease.Replace('.', '-')}-" +
        now.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
}
