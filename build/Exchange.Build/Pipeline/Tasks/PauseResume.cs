using Exchange.Build.Aws;
using Exchange.Build.Operations;
using Exchange.Contracts;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>
/// Pause: node group to 0, Redpanda stopped, RDS stopped, then read back and fail if any did not
/// take. --deep also removes the EKS stack (the control plane bills $73/month). Resume reverses it.
/// </summary>
public static class PauseResume
{
    public static void Pause(BuildContext b)
    {
        var state = EnvironmentState.Read(b);
        if (!state.AnyDeployed) throw new InvalidOperationException($"Environment '{b.Settings.Environment.EnvName}' is not deployed; nothing to pause.");
        var changed = new List<string>();
        var cluster = b.Names.ClusterName;
        var nodegroup = b.Names.NodegroupName;

        if (state.Nodes is { DesiredSize: > 0 } nodes)
        {
            b.Aws.Run(b.Aws.UpdateNodegroupScalingCommand(cluster, nodegroup, new NodegroupScaling(0, Math.Max(1, nodes.MaxSize), 0)));
            changed.Add("node group scaled to 0");
        }
        var instance = state.Outputs.TryGet(Outputs.KafkaInstanceId);
        if (instance is not null && state.KafkaState is "running" or "pending")
        {
            b.Aws.Run(b.Aws.StopInstanceCommand(instance));
            changed.Add("Redpanda stopped");
        }
        if (state.DatabaseStatus == "available")
        {
            b.Aws.Run(b.Aws.StopDbInstanceCommand(b.Names.DbInstanceIdentifier));
            changed.Add("RDS stopped");
        }
        else if (state.DatabaseStatus is not null and not "stopped" and not "stopping")
            b.Log.Warning($"RDS is '{state.DatabaseStatus}' and cannot be stopped now; rerun Pause when it is available.");

        // Read back: AWS accepted the calls, but only the resulting state counts.
        var failures = new List<string>();
        if (state.Nodes is not null && !Wait.Until(() => b.Aws.DescribeNodegroupScaling(cluster, nodegroup)?.DesiredSize == 0, b.Settings.WaitTimeout))
            failures.Add($"node group {nodegroup} still wants {b.Aws.DescribeNodegroupScaling(cluster, nodegroup)}");
        if (instance is not null && state.KafkaState is not null && !Wait.Until(() => b.Aws.InstanceState(instance) == "stopped", b.Settings.WaitTimeout))
            failures.Add($"Redpanda instance {instance} is {b.Aws.InstanceState(instance)}");
        if (state.DatabaseStatus is "available" or "stopping" && !Wait.Until(() => b.Aws.DbInstanceStatus(b.Names.DbInstanceIdentifier) == "stopped", b.Settings.WaitTimeout))
            failures.Add($"RDS {b.Names.DbInstanceIdentifier} is {b.Aws.DbInstanceStatus(b.Names.DbInstanceIdentifier)}");
        if (failures.Count > 0)
            throw new InvalidOperationException($"The pause did not take within {b.Settings.WaitTimeout.TotalSeconds:F0}s: {string.Join("; ", failures)}. " +
                                                "It is still billing. Check the AWS console, then rerun: ./build.sh --target=Pause --exclusive");

        if (b.Settings.Deep && state.IsDeployed(StackKind.Eks))
        {
            Decommission.DrainCluster(b, state);
            Synth.EnsureAssembly(b, TaskNames.Synth);
            b.Cdk.Run(b.Cdk.DestroyCommand(b.Settings.CdkOutDir, b.Names.Stack(StackKind.Eks)), b.Settings.RepoRoot,
                line => b.Log.Information("  cdk | " + line));
            changed.Add("EKS stack removed");
        }

        var record = PauseRecord.Load(b.Settings.PauseFile) is { } earlier && changed.Count == 0 ? earlier : new PauseRecord(DateTimeOffset.UtcNow, b.Settings.Deep);
        record.Save(b.Settings.PauseFile);
        b.Log.Information($"Paused. RDS restarts itself on {record.RdsRestartsAt:yyyy-MM-dd HH:mm} UTC (7 days after a stop): pause again or Resume before then.");
        var deep = b.Settings.Deep || !state.IsDeployed(StackKind.Eks);
        if (!CostReport.PrintPausedCost(b, deep))
            b.Log.Information("Still billing while paused: " + (deep ? "" : "the EKS control plane (--deep removes it), ") +
                              "the NAT instance and its public IPv4, the Redis node, the EBS volumes, RDS storage, log storage.");
        b.Report.Add(TaskNames.Pause, changed.Count > 0 ? StepOutcome.Changed : StepOutcome.Unchanged,
            changed.Count > 0 ? string.Join(", ", changed) : "already paused");
    }

    public static void Resume(BuildContext b)
    {
        var state = EnvironmentState.Read(b);
        if (!state.AnyDeployed) throw new InvalidOperationException($"Environment '{b.Settings.Environment.EnvName}' is not deployed: run --target=DeployDev.");
        var changed = new List<string>();
        var config = b.Settings.Environment;

        if (!state.IsDeployed(StackKind.Eks))
        {
            b.Log.Information("The EKS stack is gone (deep pause): deploying it again.");
            Infrastructure.Deploy(b);
            changed.Add("EKS stack recreated");
            state = EnvironmentState.Read(b);
        }
        var instance = state.Outputs.TryGet(Outputs.KafkaInstanceId);
        if (instance is not null && state.KafkaState is "stopped" or "stopping")
        {
            if (state.KafkaState == "stopping") Wait.Until(() => b.Aws.InstanceState(instance) == "stopped", b.Settings.WaitTimeout);
            b.Aws.Run(b.Aws.StartInstanceCommand(instance));
            changed.Add("Redpanda started");
        }
        if (state.DatabaseStatus == "stopped")
        {
            b.Aws.Run(b.Aws.StartDbInstanceCommand(b.Names.DbInstanceIdentifier));
            changed.Add("RDS started");
        }
        var wanted = new NodegroupScaling(config.EksNodeMinSize, config.EksNodeMaxSize, config.EksNodeDesiredSize);
        if (state.Nodes is { } nodes && nodes.DesiredSize < wanted.DesiredSize)
        {
            b.Aws.Run(b.Aws.UpdateNodegroupScalingCommand(b.Names.ClusterName, b.Names.NodegroupName, wanted));
            changed.Add($"node group scaled to {wanted.DesiredSize}");
        }

        var failures = new List<string>();
        if (instance is not null && !Wait.Until(() => b.Aws.InstanceState(instance) == "running", b.Settings.WaitTimeout))
            failures.Add($"Redpanda instance is {b.Aws.InstanceState(instance)}");
        if (!Wait.Until(() => b.Aws.DbInstanceStatus(b.Names.DbInstanceIdentifier) == "available", b.Settings.WaitTimeout))
            failures.Add($"RDS is {b.Aws.DbInstanceStatus(b.Names.DbInstanceIdentifier)}");
        if (failures.Count > 0)
            throw new InvalidOperationException($"Resume did not complete within {b.Settings.WaitTimeout.TotalSeconds:F0}s: {string.Join("; ", failures)}. Rerun: ./build.sh --target=Resume --exclusive");

        Infrastructure.Kubeconfig(b);
        WaitForNodes(b, wanted.DesiredSize);
        if (changed.Contains("EKS stack recreated"))
        {
            Workloads.Secrets(b);
            Workloads.ApplyK8s(b);
        }
        Workloads.Verify(b);
        if (File.Exists(b.Settings.PauseFile)) File.Delete(b.Settings.PauseFile);
        b.Report.Add(TaskNames.Resume, changed.Count > 0 ? StepOutcome.Changed : StepOutcome.Unchanged,
            changed.Count > 0 ? string.Join(", ", changed) : "already running");
    }

    /// <summary>Waits until the cluster has <paramref name="count"/> Ready nodes.</summary>
    private static void WaitForNodes(BuildContext b, int count)
    {
        var context = b.ClusterContext;
        var ready = 0;
        var ok = Wait.Until(() =>
        {
            var result = b.Kubectl.Run(context, b.Kubectl.ClusterCommand(context, "get", "nodes", "-o", "json"),
                new Processes.ProcessOptions { AllowFailure = true });
            if (!result.Succeeded) return false;
            using var json = System.Text.Json.JsonDocument.Parse(result.StandardOutput);
            ready = json.RootElement.GetProperty("items").EnumerateArray().Count(n => n.GetProperty("status").GetProperty("conditions")
                .EnumerateArray().Any(c => c.GetProperty("type").GetString() == "Ready" && c.GetProperty("status").GetString() == "True"));
            return ready >= count;
        }, b.Settings.WaitTimeout);
        if (!ok) throw new InvalidOperationException($"Only {ready} of {count} nodes became Ready within {b.Settings.WaitTimeout.TotalSeconds:F0}s. " +
                                                     "Spot capacity may be short: check the node group's health in the EKS console, then rerun Resume.");
        b.Log.Information($"{ready} node(s) Ready.");
    }
}
