using System.Text.RegularExpressions;
using Exchange.Build.Aws;
using Exchange.Build.Logging;
using Exchange.Build.Processes;
using Exchange.Contracts;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>
/// CDKToolkit is missing and the caller may not create it. Bootstrapping creates IAM roles, among them CloudFormation's execution role
/// with AdministratorAccess (CDK's default), so it is an administrator's job, once per account and region.
/// </summary>
public sealed class BootstrapNeedsAdministratorException(string account, string region, string refusedAction, string env)
    : Exception($"{DeployInfra.ToolkitStack} is missing in aws://{account}/{region}, and your role may not create it (AWS refused {refusedAction}). " +
                "Bootstrapping creates the CDK's IAM roles, including the CloudFormation execution role with AdministratorAccess, so an " +
                "administrator runs it once per account and region:\n" +
                $"    {BootstrapPolicy.Command(account, region)}\n" +
                $"What that needs: ./build.sh --target=Permissions --account={account} prints it (artifacts/{env}/bootstrap-policy.json). " +
                $"Then rerun the pipeline as before (Bootstrap only checks {DeployInfra.ToolkitStack} from then on).")
{
    public string RefusedAction { get; } = refusedAction;
}

/// <summary>Bootstrap, DeployInfra and Kubeconfig: getting the stacks into the account and kubectl onto the cluster.</summary>
public static partial class DeployInfra
{
    public const string ToolkitStack = "CDKToolkit";

    public static void Bootstrap(BuildContext b)
    {
        // Only cdk deploy needs the toolkit (its bucket, roles and version parameter). When this run's DeployInfra will not run one, because
        // the stacks were last deployed from this very assembly, nothing in the run needs it and checking it would be a call for nothing.
        if (b.TasksToRun.Contains(TaskNames.DeployInfra, StringComparer.OrdinalIgnoreCase) && !b.Settings.SkipInfra && b.Deployed.IsCurrent)
        {
            b.Log.Information($"{ToolkitStack} not checked: DeployInfra has nothing to deploy, and only cdk deploy needs the toolkit.");
            b.Report.Add(TaskNames.Bootstrap, StepOutcome.Unchanged, "nothing to deploy: the toolkit is not needed");
            return;
        }
        var toolkit = b.Aws.DescribeStack(ToolkitStack);
        var status = toolkit?.GetProperty("StackStatus").GetString();
        if (status is not null && status.EndsWith("_COMPLETE", StringComparison.Ordinal) && !status.Contains("ROLLBACK", StringComparison.Ordinal))
        {
            b.Log.Information($"aws://{b.Settings.Account}/{b.Settings.Region} is already bootstrapped ({ToolkitStack} {status}).");
            b.Report.Add(TaskNames.Bootstrap, StepOutcome.Unchanged, $"{ToolkitStack} {status}");
            return;
        }
        if (status is not null)
            b.Log.Warning($"{ToolkitStack} is in state {status}; running cdk bootstrap to repair it.");
        // cdk bootstrap of an explicit aws://ACCOUNT/REGION needs no cloud assembly, so this runs before Synth. A role that may not create
        // CDKToolkit (the deploy role may not: it would create IAM roles) is refused by CloudFormation within seconds, and the run stops here.
        var environment = $"aws://{b.Settings.Account}/{b.Settings.Region}";
        try
        {
            b.Log.Timed($"Bootstrapping {environment} (cdk bootstrap)", () =>
                b.Cdk.Run(b.Cdk.BootstrapCommand(b.Settings.Account!, b.Settings.Region), b.Settings.RepoRoot,
                    line => b.Log.Information("  cdk | " + line),
                    $"see the {ToolkitStack} stack's events in the CloudFormation console; your role needs permission to create it"));
        }
        catch (Processes.CommandFailedException e) when (RefusedAction(e.ErrorTail) is { } refused)
        {
            throw new BootstrapNeedsAdministratorException(b.Settings.Account!, b.Settings.Region, refused, b.Settings.Environment.EnvName);
        }
        b.Report.Add(TaskNames.Bootstrap, StepOutcome.Changed, $"bootstrapped {environment}");
    }

    /// <summary>The IAM action AWS refused in cdk's error output ("... is not authorized to perform: ACTION ..."), or "AccessDenied" without one.</summary>
    public static string? RefusedAction(string output) =>
        NotAuthorized().Match(output) is { Success: true } m ? m.Groups[1].Value
        : output.Contains("AccessDenied", StringComparison.Ordinal) || output.Contains("UnauthorizedOperation", StringComparison.Ordinal) ? "AccessDenied"
        : null;

    public static void Deploy(BuildContext b)
    {
        Synth.EnsureAssembly(b);
        var before = b.KnownState;
        EnsureNotPaused(b, before);
        var deploy = b.Deployed.IsCurrent ? null : CdkDeploy(b, before);
        // Nothing to deploy: the way to the cluster is still proven here, as before a deploy, so a way that cannot work ends the run in
        // this step with its fix; the session stays open for the kubectl steps, so checking costs no call.
        if (deploy is null) CheckClusterPath(b, before);
        var outputs = b.Outputs;
        var missing = Outputs.All.Where(o => outputs.TryGet(o) is null).Select(o => $"{b.Names.Stack(o.Stack)}.{o.Key}").ToArray();
        if (missing.Length > 0)
            throw new InvalidOperationException($"cdk deploy succeeded but these outputs are missing from {b.Settings.OutputsFile}: " +
                $"{string.Join(", ", missing)}.");
        // Shared for the other machines: the outputs, and the deploy policy of this account.
        b.Artifacts.Share(b.Settings.OutputsFile, DeploymentOutputs.Canonical);
        if (b.Settings.Account is { } account)
        {
            Permissions.Write(b, account);
            b.Artifacts.Share(b.Settings.PolicyFile);
        }

        var all = b.Names.AllStacks.Count;
        bool Unchanged(string stack) => deploy is not { } d || (d.Ahead.Stacks.Contains(stack) ? d.Ahead.Output : d.Output)
            .Contains($"{stack} (no changes)", StringComparison.Ordinal);
        var unchanged = b.Names.AllStacks.Count(Unchanged);
        // Stacks this deploy updated (a stack it created cannot hold a wake-on-demand yet).
        var changedStacks = StackKinds.DeployOrder.Where(k => before.IsDeployed(k) && !Unchanged(b.Names.Stack(k))).ToArray();
        FollowSchedule.KeepAwakeUntil(b, changedStacks);
        var topics = BrokerTopics.Apply(b, before);
        // CloudFormation cannot attach the node group's Auto Scaling group to the backend's target group: done here, after each deploy.
        var attached = BackendTargets.EnsureAttached(b, !Unchanged(b.Names.Stack(StackKind.Eks)));
        b.Report.Add(TaskNames.DeployInfra, unchanged == all && !topics.Changed && attached is null ? StepOutcome.Unchanged : StepOutcome.Changed,
            (deploy is null ? $"{all} stacks, no changes (deployed from this assembly: no cdk deploy)"
                : unchanged == all ? $"{all} stacks, no changes" : $"{all - unchanged} of {all} stacks updated") + $"; {topics.Summary}" +
            (attached is null ? "" : $"; {attached}"));
    }

    /// <summary>What <c>cdk deploy</c> said, and the stacks deployed ahead of the others with what cdk said about them.</summary>
    private sealed record Deployment(string Output, Ahead Ahead);

    /// <summary>
    /// The checks a deploy needs, then <c>cdk deploy</c> of every stack, recorded on success (<see cref="Operations.DeployedAssembly"/>).
    /// Only a deploy can move a version, create the Rds stack (and its fixed-name secret) or the Eks stack (and its log group), so those
    /// checks run here and not on a rerun that deploys nothing. When PushImages follows, the image push runs beside the deploy as soon as
    /// the repositories exist (<see cref="PushesAlongside"/>): a failure on either side stops the other (as an interruption would) and
    /// ends the step with the first failure.
    /// </summary>
    private static Deployment CdkDeploy(BuildContext b, Operations.EnvironmentState before)
    {
        EnsureVersionsAsConfigured(b, before);
        // The pause check found the database (by the outputs' identifier): the Rds stack exists, and a deploy does not create its secret.
        if (before.DatabaseStatus is null) ClearSecretRecoveryWindow(b);
        // The pause check found the node group: the Eks stack exists, and a deploy does not create its log group.
        if (before.Nodegroup is null) RemoveLeftoverControlPlaneLogs(b);
        var push = PushesAlongside(b);
        var repositories = push ? KnownRepositories(b, before.Outputs) : null;
        var first = new List<StackKind>();
        if (ChecksClusterPath(b) && before.Outputs.TryGet(Outputs.JumpInstanceId) is null)
        {
            b.Log.Information($"The jump instance of the tunnel to the EKS API is not deployed yet: deploying {b.Names.Stack(StackKind.Vpc)} first, so " +
                              "that the way to the cluster is checked before the other stacks.");
            first.Add(StackKind.Vpc);
        }
        if (push && repositories is null)
        {
            b.Log.Information($"The image repositories do not exist yet: deploying {b.Names.Stack(StackKind.Ecr)} first, so that the images are pushed " +
                              "while the other stacks deploy.");
            first.Add(StackKind.Ecr);
        }
        var ahead = DeployAhead(b, first);
        CheckClusterPath(b, before, ahead.Outputs);
        repositories ??= push ? ahead.Outputs : null;

        using var stopPush = new CancellationTokenSource();
        using var stopDeploy = new CancellationTokenSource();
        var pushing = repositories is { } repos ? StartPush(b, repos, stopPush.Token, stopDeploy) : null;
        // cdk writes the outputs file itself, also after a failed deploy (only the stacks that made it): it writes to a
        // temporary file beside ours, which replaces ours only when cdk succeeds. A failed or interrupted deploy leaves
        // the last complete file (or none: the outputs are then read from CloudFormation).
        ProcessResult result;
        try
        {
            result = b.Log.Timed($"Deploying {b.Names.AllStacks.Count} stacks (cdk deploy)", () => Files.AtomicFile.Write(b.Settings.OutputsFile,
                outputsFile => b.Cdk.Run(b.Cdk.DeployCommand(b.Settings.CdkOutDir, outputsFile, b.Settings.CdkConcurrency, b.Settings.IsCi),
                    b.Settings.RepoRoot, line => b.Log.Information("  cdk | " + line),
                    "read the failed resource above; `./build.sh --target=Status` shows the stacks, and the CloudFormation console their events. " +
                    "Fix the cause and rerun: `./build.sh --target=DeployInfra --exclusive`", stopDeploy.Token)));
        }
        catch (Exception e)
        {
            if (e is CommandFailedException) Synth.ForgetRoles(b); // an access entry's principal may be what failed: the next run asks IAM again
            stopPush.Cancel();
            if (pushing is not null)
            {
                try { pushing.Wait(); } catch (AggregateException) { } // the push unwinds (its login removed) before the step ends
                // cdk was stopped because the push failed: that failure is the one to report.
                if (e is ProcessStoppedException && pushing.Exception?.InnerException is { } cause)
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(cause).Throw();
            }
            throw;
        }
        try
        {
            b.ReloadOutputs();
            b.Deployed.Record();
        }
        catch
        {
            stopPush.Cancel();
            try { pushing?.Wait(); } catch (AggregateException) { } // no push outlives the step
            throw;
        }
        if (pushing is not null) b.EarlyPush = pushing.GetAwaiter().GetResult(); // a push that failed after the deploy ends the step here
        return new Deployment(result.StandardOutput + result.StandardError, ahead);
    }

    /// <summary>
    /// Starts the image push beside the deploy (on the calling thread when Plan replays the run, so its listing stays in one order). A
    /// failed push stops the deploy through <paramref name="stopDeploy"/>.
    /// </summary>
    private static Task<IReadOnlyList<string>> StartPush(BuildContext b, DeploymentOutputs repositories, CancellationToken stop,
        CancellationTokenSource stopDeploy)
    {
        b.Log.Information($"Pushing the images while the other stacks deploy: the repositories of {b.Names.Stack(StackKind.Ecr)} exist.");
        IReadOnlyList<string> Push()
        {
            try
            {
                return Images.PushAll(b, o => repositories[o], stop);
            }
            catch
            {
                stopDeploy.Cancel();
                throw;
            }
        }
        if (!b.Replaying) return Task.Run(Push);
        b.Alongside = $"{TaskNames.PushImages}'s push, started as soon as the repositories exist";
        try
        {
            return Task.FromResult(Push());
        }
        finally
        {
            b.Alongside = null;
        }
    }

    /// <summary>
    /// A destroyed environment leaves its fixed-name database secret in a 7-30 day recovery window,
    /// and creating the Rds stack again would fail on the name. Delete it for good first.
    /// </summary>
    public static void ClearSecretRecoveryWindow(BuildContext b)
    {
        var name = b.Names.DbSecretName;
        if (!b.Aws.IsSecretPendingDeletion(name)) return;
        if (b.Aws.DescribeStack(b.Names.Stack(StackKind.Rds)) is not null)
            throw new InvalidOperationException(
                $"Secret '{name}' is scheduled for deletion although the Rds stack (and its database) still exists: the database password " +
                $"would be lost. If that was a mistake, undo it: aws secretsmanager restore-secret --secret-id {name} --region {b.Settings.Region}");
        b.Log.Warning($"Secret '{name}' is scheduled for deletion (left by an earlier destroy); deleting it now so the Rds stack can recreate it.");
        b.Aws.Run(b.Aws.ForceDeleteSecretCommand(name));
    }

    /// <summary>
    /// EKS recreates the control-plane log group while a cluster is deleted (Pause --deep, a create that
    /// rolled back), and the Eks stack declares that log group by name: creating the stack again would fail
    /// with ResourceAlreadyExistsException. Only while the stack does not exist is the group a leftover.
    /// </summary>
    public static void RemoveLeftoverControlPlaneLogs(BuildContext b)
    {
        var name = b.Names.EksClusterLogGroupName;
        if (b.Aws.DescribeStack(b.Names.Stack(StackKind.Eks)) is not null) return;
        if (!b.Aws.LogGroups(name).Contains(name)) return;
        b.Log.Warning($"Log group {name} was left by an earlier cluster (EKS writes to it while a cluster is deleted); " +
                      "deleting it so the Eks stack can create it.");
        b.Aws.Run(b.Aws.DeleteLogGroupCommand(name));
    }

    /// <summary>
    /// DeployInfra deploys the versions the configuration pins, and moving Kubernetes versions is Upgrade's job (in AWS's order, each step
    /// waited on): a deploy whose template differs from what the cluster runs would upgrade out of order, or try to take it back and roll back.
    /// </summary>
    public static void EnsureVersionsAsConfigured(BuildContext b, Operations.EnvironmentState state)
    {
        if (state.RunningVersions(b) is not { } running) return;
        var problems = Operations.KubernetesChecks.Skew(running, b.Settings.Environment.Of<EksConfig>());
        if (problems.Count > 0)
            throw new Operations.UpgradeRefusedException($"DeployInfra deploys the Kubernetes versions the configuration pins, and the cluster runs " +
                                                         $"others ({running}). Nothing was deployed.\n" + string.Join("\n", problems.Select(p => "  - " + p)));
    }

    /// <summary>Whether this run proves the way to the cluster before deploying: the SSM tunnel, with kubectl steps following.</summary>
    private static bool ChecksClusterPath(BuildContext b) =>
        b.Tunnel.Path == Settings.ClusterPath.Tunnel && Targets.AnyReachesCluster(b.TasksToRun);

    /// <summary>
    /// With the tunnel, a deploy that this run's kubectl steps follow first proves the way to the cluster works (the plugin, the jump
    /// instance running with its agent online, ssm:StartSession allowed): a way that cannot work ends the run here, not after the
    /// deploy. The jump instance is the one the last outputs name, else the one <paramref name="ahead"/> just deployed (a first deploy,
    /// or a VPC from before the tunnel: the Vpc stack goes first for it, and every other stack but Ecr waits for it anyway).
    /// </summary>
    private static void CheckClusterPath(BuildContext b, Operations.EnvironmentState state, DeploymentOutputs? ahead = null)
    {
        if (!ChecksClusterPath(b)) return;
        b.Tools.Resolve(Tools.ToolKind.SessionManagerPlugin); // before anything is deployed, with how to install it
        // No cluster yet: the session goes to a host on the instance itself, which it never connects to.
        var endpoint = state.Outputs.TryGet(Outputs.EksClusterEndpoint);
        var host = endpoint is null ? "localhost" : Tools.TunnelTarget.HostOf(endpoint);
        var instance = state.Outputs.TryGet(Outputs.JumpInstanceId) ?? ahead?[Outputs.JumpInstanceId]
            ?? throw new InvalidOperationException("No jump instance to check the tunnel through: the Vpc stack must be deployed first.");
        // With the cluster's endpoint known, the checking session already goes where the kubectl steps go: it stays open for them.
        b.Tunnel.Check(new Tools.TunnelTarget(instance, host), keep: endpoint is not null);
    }

    /// <summary>What the stacks deployed ahead of the others are, what cdk said about them and their outputs.</summary>
    private sealed record Ahead(IReadOnlyList<string> Stacks, string Output, DeploymentOutputs? Outputs)
    {
        public static readonly Ahead None = new([], "", null);
    }

    /// <summary>
    /// The stacks others wait on, deployed alone first (<c>cdk deploy STACKS --exclusively</c>, their outputs into a file of their own):
    /// the Vpc stack when the tunnel's jump instance does not exist yet, the Ecr stack when the image push waits for its repositories.
    /// </summary>
    private static Ahead DeployAhead(BuildContext b, IReadOnlyList<StackKind> kinds)
    {
        if (kinds.Count == 0) return Ahead.None;
        var stacks = kinds.Select(b.Names.Stack).ToArray();
        var named = string.Join(" and ", stacks);
        Directory.CreateDirectory(b.Settings.ArtifactsDir);
        var file = Path.Combine(b.Settings.ArtifactsDir, $".{stacks[0]}-outputs.{Guid.NewGuid():N}.tmp");
        try
        {
            var result = b.Log.Timed($"Deploying {named} (cdk deploy)", () => b.Cdk.Run(
                b.Cdk.DeployCommand(b.Settings.CdkOutDir, file, b.Settings.CdkConcurrency, b.Settings.IsCi, stacks), b.Settings.RepoRoot,
                line => b.Log.Information("  cdk | " + line),
                $"read the failed resource above; the CloudFormation console shows {named}'s events. Fix the cause and rerun: " +
                "./build.sh --target=DeployInfra --exclusive"));
            var outputs = DeploymentOutputs.Load(b.Names, file) ?? throw new InvalidOperationException($"cdk deploy {named} wrote no outputs to {file}.");
            return new Ahead(stacks, result.StandardOutput + result.StandardError, outputs);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// Whether this deploy pushes the images: PushImages follows in this run and BuildImages already built them. The push then starts as
    /// soon as the repositories exist, while the other stacks deploy (the EKS cluster alone takes about ten minutes), and PushImages only
    /// shares and reports what it pushed.
    /// </summary>
    private static bool PushesAlongside(BuildContext b) =>
        b.TasksToRun.Contains(TaskNames.PushImages, StringComparer.OrdinalIgnoreCase) && !b.Settings.SkipImages
        && b.Report.Results.Any(r => r.Task == TaskNames.BuildImages);

    /// <summary>
    /// The repositories as the last outputs name them, when they are this configuration's (their names come from the sources: a renamed
    /// repository is a new one, which the Ecr stack must create first); null when not all are known.
    /// </summary>
    private static DeploymentOutputs? KnownRepositories(BuildContext b, DeploymentOutputs outputs) =>
        ContainerImages.All.All(i => outputs.TryGet(i.RepositoryUri) is { } uri && uri.EndsWith("/" + i.Repository(b.Names), StringComparison.Ordinal))
            ? outputs
            : null;

    /// <summary>
    /// DeployDev on a paused environment would "succeed" and then time out in Verify: say so up front, from the three things a pause
    /// stops as <paramref name="state"/> read them (<see cref="Operations.EnvironmentState.Known"/>: by the last deploy's outputs).
    /// </summary>
    public static void EnsureNotPaused(BuildContext b, Operations.EnvironmentState state)
    {
        var paused = new List<string>();
        if (state.Nodes?.DesiredSize == 0) paused.Add("the node group is at 0");
        if (state.KafkaState is "stopped" or "stopping") paused.Add("Redpanda is stopped");
        if (state.DatabaseStatus is "stopped" or "stopping") paused.Add("RDS is stopped");
        if (paused.Count > 0)
            throw new InvalidOperationException($"Environment '{b.Settings.Environment.EnvName}' is paused ({string.Join(", ", paused)}). " +
                                                "Run ./build.sh --target=Resume first; deploying would not start it.");
    }

    public static void Kubeconfig(BuildContext b)
    {
        var cluster = b.Outputs[Outputs.EksClusterName];
        var expected = b.ClusterContext;
        // update-kubeconfig describes the cluster to write what is already there on a rerun. When this run deployed or destroyed nothing, the
        // cluster is the one the outputs name: a recreated cluster has another endpoint (and certificate authority), and the same cluster keeps
        // both, so an entry at the outputs' endpoint is still right. After a cdk run (Resume recreating the Eks stack) it is written anew.
        if (!b.Deployed.ChangedThisRun && b.Kubectl.CurrentEntry() is { } entry
            && entry.IsFor(expected, b.Outputs[Outputs.EksClusterEndpoint], cluster, b.Settings.Region, b.Settings.AwsProfile))
        {
            b.Log.Information($"kubectl's current context is already {expected}, at {entry.Server}: not running update-kubeconfig.");
            b.Report.Add(TaskNames.Kubeconfig, StepOutcome.Unchanged, $"kubectl context {expected}");
            return;
        }
        var before = b.Kubectl.CurrentContext();
        var said = b.Aws.UpdateKubeconfig(cluster);
        b.Log.Information("  aws | " + said);
        b.Kubectl.EnsureContext(expected);
        var updatedInPlace = UpdatedContext().IsMatch(said);
        b.Report.Add(TaskNames.Kubeconfig, before == expected && updatedInPlace ? StepOutcome.Unchanged : StepOutcome.Changed,
            $"kubectl context {expected}");
    }

    [GeneratedRegex(@"^Updated context ")] private static partial Regex UpdatedContext();
    [GeneratedRegex(@"not authorized to perform: ([A-Za-z0-9-]+:[A-Za-z0-9]+)")] private static partial Regex NotAuthorized();
}
