using System.Text.Json;
using Exchange.Build.Logging;
using Exchange.Build.Operations;
using Exchange.Build.Processes;
using Exchange.Build.Settings;
using Exchange.Contracts;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>
/// DestroyDev: the stacks in reverse dependency order, each with the teardown its registration declares
/// (src/Exchange.Contracts/StackRegistry.cs): its Before steps right before its <c>cdk destroy</c> (the Eks
/// stack's: the namespace, and with it any load balancer Kubernetes made, which would otherwise block the
/// VPC's deletion), then every stack's After steps (sweeps of what CloudFormation leaves behind), and a
/// report of anything left.
/// </summary>
public static class DestroyDev
{
    public static void Destroy(BuildContext b)
    {
        // --confirm is checked with the other settings before the run's first task (PipelineSettings.ProblemsFor).
        var state = EnvironmentState.Read(b);
        var removed = new List<string>();
        foreach (var kind in StackKinds.DestroyOrder.Where(state.IsDeployed)) removed.AddRange(Remove(b, state, kind));
        // After steps sweep leftovers, so they run whether or not their stack was still there.
        foreach (var step in StackKinds.DestroyOrder.SelectMany(k => StackRegistry.Of(k).Teardown.After)) removed.AddRange(Run(b, state, step));
        foreach (var file in new[] { b.Settings.OutputsFile, b.Settings.PauseFile, b.Settings.BackendTargetsFile })
            if (File.Exists(file)) File.Delete(file);

        var left = LeftBehind(b);
        if (left.Count > 0)
            throw new InvalidOperationException("DestroyDev finished, but these are still there (and may still bill):\n" +
                                                string.Join("\n", left.Select(l => "  - " + l)));
        b.Log.Information($"Nothing of '{b.Settings.Environment.EnvName}' is left in {b.Settings.Account}/{b.Settings.Region}.");
        b.Report.Add(TaskNames.DestroyDev, removed.Count > 0 ? StepOutcome.Changed : StepOutcome.Unchanged,
            removed.Count > 0 ? $"removed {removed.Count} stacks/log groups" : "nothing was deployed");
    }

    /// <summary>
    /// Removes one stack as DestroyDev would (its Before steps, <c>cdk destroy</c>, its After steps); Pause --deep
    /// removes the Eks stack through here. Returns what it removed.
    /// </summary>
    public static IReadOnlyList<string> DestroyStack(BuildContext b, EnvironmentState state, StackKind kind) =>
        [.. Remove(b, state, kind), .. StackRegistry.Of(kind).Teardown.After.SelectMany(step => Run(b, state, step))];

    /// <summary>A stack's Before steps and its <c>cdk destroy</c>; a stack with buckets is emptied again and retried once.</summary>
    private static IReadOnlyList<string> Remove(BuildContext b, EnvironmentState state, StackKind kind)
    {
        var definition = StackRegistry.Of(kind);
        var removed = definition.Teardown.Before.SelectMany(step => Run(b, state, step)).ToList();
        Synth.EnsureAssembly(b);
        var stack = b.Names.Stack(kind);
        var rerun = $"--target={b.CurrentTask ?? TaskNames.DestroyDev}" + (b.CurrentTask is null or TaskNames.DestroyDev ? " --confirm" : "");
        void CdkDestroy() => b.Log.Timed($"Destroying {stack} (cdk destroy)", () =>
            b.Cdk.Run(b.Cdk.DestroyCommand(b.Settings.CdkOutDir, stack), b.Settings.RepoRoot, line => b.Log.Information("  cdk | " + line),
                $"see the stack's events (aws cloudformation describe-stack-events --stack-name {stack}); fix and rerun {rerun}"));
        var emptied = definition.Teardown.Before.OfType<TeardownStep.EmptyBucket>().ToArray();
        try
        {
            CdkDestroy();
        }
        catch (CommandFailedException) when (emptied.Length > 0)
        {
            // A log delivery (VPC flow logs arrive for minutes) can land between the emptying and the bucket's deletion.
            b.Log.Warning($"{stack} did not delete; emptying its buckets again (objects may have arrived since) and retrying once.");
            foreach (var step in emptied) Run(b, state, step);
            CdkDestroy();
        }
        removed.Add(stack);
        return removed;
    }

    /// <summary>Carries out one teardown step a stack's registration declares; returns what it removed.</summary>
    private static IReadOnlyList<string> Run(BuildContext b, EnvironmentState state, TeardownStep step)
    {
        switch (step)
        {
            case TeardownStep.DrainCluster when state.Outputs.TryGet(Contracts.Outputs.EksClusterArn) is null:
                b.Log.Warning("The Eks stack has no cluster outputs (a failed deploy?): skipping the namespace cleanup.");
                return [];
            case TeardownStep.DrainCluster:
                DrainCluster(b, state);
                return [];
            case TeardownStep.SweepControlPlaneLogs:
                return SweepControlPlaneLogs(b);
            case TeardownStep.DeleteDbSecretForGood:
                DeployInfra.ClearSecretRecoveryWindow(b);
                return [];
            case TeardownStep.EmptyBucket { Bucket: var output }:
                if (state.Outputs.TryGet(output) is not { } bucket)
                {
                    b.Log.Warning($"The {output.Stack} stack has no {output.Key} output (a failed deploy?): not emptying its bucket.");
                    return [];
                }
                var deleted = b.Aws.EmptyBucket(bucket);
                b.Log.Information($"Emptied bucket {bucket} ({deleted} object(s)) so CloudFormation can delete it.");
                return [];
            default:
                throw new NotSupportedException($"DestroyDev does not know the teardown step {step.GetType().Name}: add it to DestroyDev.Run.");
        }
    }

    /// <summary>The cluster's log groups that EKS leaves behind once the Eks stack is gone; deleted, and named in the log.</summary>
    public static IReadOnlyList<string> SweepControlPlaneLogs(BuildContext b)
    {
        var groups = b.Aws.LogGroups(b.Names.EksLogGroupPrefix + "/");
        foreach (var group in groups)
        {
            b.Aws.Run(b.Aws.DeleteLogGroupCommand(group));
            b.Log.Information($"Deleted log group {group} (EKS leaves it behind; creating the Eks stack again would fail on it).");
        }
        return groups;
    }

    /// <summary>Deletes the namespace and waits until the load balancers Kubernetes created for it are gone.</summary>
    public static void DrainCluster(BuildContext b, EnvironmentState state)
    {
        var context = state.Outputs[Contracts.Outputs.EksClusterArn];
        if (b.Kubectl.CurrentContext() != context)
            b.Log.Information("  aws | " + b.Aws.UpdateKubeconfig(b.Names.ClusterName)); // from AWS, not from local artefacts
        var ns = b.Names.Namespace;
        var services = b.Kubectl.Run(context, b.Kubectl.ClusterCommand(context, "get", "services", "--namespace", ns, "-o", "json"),
            new ProcessOptions { AllowFailure = true });
        var balancers = services.Succeeded ? LoadBalancerServices(services.StandardOutput) : [];
        if (balancers.Count > 0) b.Log.Information($"LoadBalancer services to remove: {string.Join(", ", balancers)}");
        // Asked before anything is deleted: a role that may not list them fails here, not after the namespace is gone.
        if (b.Aws.TaggedLoadBalancers(b.Names.ClusterName) is { Count: > 0 } tagged)
            b.Log.Information($"Load balancers of the cluster (they go with the namespace): {string.Join(", ", tagged)}");

        b.Kubectl.Run(context, b.Kubectl.ClusterCommand(context, "delete", "namespace", ns, "--ignore-not-found", "--wait=true",
            $"--timeout={(int)b.Settings.WaitTimeout.TotalSeconds}s"),
                new ProcessOptions { FailureHint = "look for finalizers: kubectl get namespace " + ns + " -o yaml" });
        if (b.Waits.For($"the load balancers of cluster {b.Names.ClusterName} to be deleted", () => b.Aws.TaggedLoadBalancers(b.Names.ClusterName),
                l => l.Count == 0, l => l.Count == 0 ? "none left" : $"{l.Count} left ({string.Join(", ", l)})", b.Settings.WaitTimeout,
                b.Aws.TaggedLoadBalancersCommand(b.Names.ClusterName).RenderSafe()) is { Done: false } left)
            throw new InvalidOperationException($"Load balancers of cluster {b.Names.ClusterName} are still there: {left.LastState}. " +
                                                "They block the VPC's deletion; delete them (aws elbv2 delete-load-balancer) and rerun.");
    }

    private static List<string> LoadBalancerServices(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("items").EnumerateArray()
            .Where(s => s.GetProperty("spec").TryGetProperty("type", out var t) && t.GetString() == "LoadBalancer")
            .Select(s => s.GetProperty("metadata").GetProperty("name").GetString()!).ToList();
    }

    /// <summary>Everything of this environment that still exists after the destroy.</summary>
    public static List<string> LeftBehind(BuildContext b)
    {
        var left = new List<string>();
        left.AddRange(StackKinds.DeployOrder.Select(b.Names.Stack).Where(s => b.Aws.DescribeStack(s) is not null).Select(s => $"stack {s}"));
        left.AddRange(b.Aws.LogGroups(b.Names.EksLogGroupPrefix + "/").Select(g => $"log group {g}"));
        left.AddRange(b.Aws.TaggedLoadBalancers(b.Names.ClusterName).Select(l => $"load balancer {l} (made by Kubernetes)"));
        left.AddRange(b.Aws.EnvironmentLoadBalancers(b.Settings.Environment.EnvName).Select(l => $"load balancer {l} (the Eks stack's)"));
        left.AddRange(ContainerImages.All.Select(i => i.Repository(b.Names))
            .Where(b.Aws.RepositoryExists).Select(r => $"ECR repository {r} (and its images)"));
        if (b.Aws.IsSecretPendingDeletion(b.Names.DbSecretName)) left.Add($"secret {b.Names.DbSecretName} (pending deletion)");
        return left;
    }
}
