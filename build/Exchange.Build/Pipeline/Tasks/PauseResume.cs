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
    private static readonly string[] DatabaseBusy = ["starting", "backing-up", "modifying", "rebooting", "maintenance", "upgrading",
        "configuring-enhanced-monitoring"];

    public static void Pause(BuildContext b) => Pause(b, b.Settings.Deep);

    /// <summary>Pause, deep or not (FollowSchedule asks for deep sleep without --deep on the command line).</summary>
    public static void Pause(BuildContext b, bool deepRequested)
    {
        var state = EnvironmentState.Read(b);
        if (!state.AnyDeployed) throw new InvalidOperationException($"Environment '{b.Settings.Environment.EnvName}' is not deployed; nothing to pause.");
        var changed = new List<string>();
        var failures = new List<string>();
        var (cluster, nodegroup, database) = (b.Names.ClusterName, state.NodegroupName, b.Names.DbInstanceIdentifier);

        if (state.Nodes is { DesiredSize: > 0 } nodes && nodegroup is not null)
        {
            b.Aws.Run(b.Aws.UpdateNodegroupScalingCommand(cluster, nodegroup, new NodegroupScaling(0, Math.Max(1, nodes.MaxSize), 0)));
            changed.Add(Pausing.Nodes.Paused);
        }
        var instance = state.Outputs.TryGet(Outputs.KafkaInstanceId);
        if (instance is not null && state.KafkaState is "running" or "pending")
        {
            b.Aws.Run(b.Aws.StopInstanceCommand(instance));
            changed.Add(Pausing.Kafka.Paused);
        }
        var rdsStoppedNow = false;
        if (state.DatabaseStatus is { } status && DatabaseBusy.Contains(status))
        {
            // Typically RDS restarting itself on day 7: wait until it can be stopped again.
            b.Log.Information($"RDS is '{status}'; waiting until it is available so it can be stopped.");
            if (WaitForDatabase(b, "available") is { Done: false } busy)
                failures.Add($"RDS {database} stayed '{busy.LastState}' and could not be stopped");
        }
        if (state.DatabaseStatus is not null && b.Aws.DbInstanceStatus(database) == "available")
        {
            b.Aws.Run(b.Aws.StopDbInstanceCommand(database));
            changed.Add(Pausing.Database.Paused);
            rdsStoppedNow = true;
        }

        // Read back: AWS accepted the calls, but only the resulting state counts.
        if (state.Nodes is not null && nodegroup is not null
            && b.Waits.For($"node group {nodegroup} to scale to 0", () => b.Aws.DescribeNodegroupScaling(cluster, nodegroup),
                s => s?.DesiredSize == 0, s => s?.ToString() ?? "gone", b.Settings.WaitTimeout,
                b.Aws.DescribeNodegroupCommand(cluster, nodegroup).RenderSafe()) is { Done: false } nodesLeft)
            failures.Add($"node group {nodegroup} still wants {nodesLeft.LastState}");
        if (instance is not null && state.KafkaState is not null && WaitForInstance(b, instance, "stopped") is { Done: false } kafkaLeft)
            failures.Add($"Redpanda instance {instance} is {kafkaLeft.LastState}");
        if (state.DatabaseStatus is not null && failures.Count == 0 && WaitForDatabase(b, "stopped") is { Done: false } databaseLeft)
            failures.Add($"RDS {database} is {databaseLeft.LastState}");
        if (failures.Count > 0)
            throw new InvalidOperationException($"The pause did not take within {b.Settings.WaitTimeout.TotalSeconds:F0}s: {string.Join("; ", failures)}. " +
                                                "It is still billing. Check the AWS console, then rerun: ./build.sh --target=Pause --exclusive");

        var deepStacks = Pausing.DeepRemoved;
        if (deepRequested && deepStacks.Any(state.IsDeployed))
        {
            foreach (var kind in StackKinds.DestroyOrder.Where(k => deepStacks.Contains(k) && state.IsDeployed(k)))
            {
                DestroyDev.DestroyStack(b, state, kind);
                changed.Add($"{kind} stack removed");
            }
        }

        var deep = deepRequested || !deepStacks.All(state.IsDeployed);
        FollowSchedule.ClearAwakeUntil(b); // a Pause by hand ends a wake-on-demand
        var earlier = PauseRecord.Load(b.Settings.PauseFile);
        var record = new PauseRecord(rdsStoppedNow ? DateTimeOffset.UtcNow : earlier?.RdsStoppedAt, deep);
        record.Save(b.Settings.PauseFile);
        b.Log.Information(record.RdsRestartsAt is { } restart
            ? $"Paused. RDS restarts itself on {restart:yyyy-MM-dd HH:mm} UTC (7 days after its stop): pause again or Resume before then."
            : "Paused. RDS restarts itself 7 days after it was stopped (the stop was not made from here, so the date is unknown).");
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
        if (b.Settings.Until is { } untilText) _ = WakeRequest.Resolve(untilText, b.Settings.Environment.Sleep!,
            b.Now()); // a bad --until fails before anything starts
        var deep = !Pausing.DeepRemoved.All(state.IsDeployed);
        if (deep) Workloads.PushedImages(b, ContainerImages.Workloads); // fails early, before anything starts, when the image references are unknown here
        var changed = new List<string>();
        var config = b.Settings.Environment.Of<EksConfig>();
        var database = b.Names.DbInstanceIdentifier;

        // Data first: CloudFormation cannot update a stopped database, and the workloads need all three.
        var instance = state.Outputs.TryGet(Outputs.KafkaInstanceId);
        if (instance is not null && state.KafkaState is "stopped" or "stopping")
        {
            if (WaitForInstance(b, instance, "stopped") is { Done: false } stopping)
                throw new InvalidOperationException($"Redpanda instance {instance} is still {stopping.LastState}; rerun Resume when it has stopped.");
            b.Aws.Run(b.Aws.StartInstanceCommand(instance));
            changed.Add(Pausing.Kafka.Resumed);
        }
        if (state.DatabaseStatus is "stopped" or "stopping")
        {
            if (WaitForDatabase(b, "stopped") is { Done: false } stopping)
                throw new InvalidOperationException($"RDS {database} is still {stopping.LastState}; rerun Resume when it has stopped.");
            b.Aws.Run(b.Aws.StartDbInstanceCommand(database));
            changed.Add(Pausing.Database.Resumed);
        }
        var failures = new List<string>();
        if (instance is not null && WaitForInstance(b, instance, "running") is { Done: false } starting)
            failures.Add($"Redpanda instance is {starting.LastState}");
        if (state.DatabaseStatus is not null && WaitForDatabase(b, "available") is { Done: false } databaseStarting)
            failures.Add($"RDS is {databaseStarting.LastState}");
        if (failures.Count > 0)
            throw new InvalidOperationException($"Resume did not complete within {b.Settings.WaitTimeout.TotalSeconds:F0}s: " +
                                                $"{string.Join("; ", failures)}. Rerun: ./build.sh --target=Resume --exclusive");

        if (deep)
        {
            b.Log.Information($"The {string.Join(", ", Pausing.DeepRemoved)} stack is gone (deep pause): deploying it again.");
            DeployInfra.Deploy(b);
            changed.Add($"{string.Join(", ", Pausing.DeepRemoved)} stack recreated");
            state = EnvironmentState.Read(b);
        }
        var wanted = new NodegroupScaling(config.NodeMinSize, config.NodeMaxSize, config.NodeDesiredSize);
        if (state.Nodes is { } nodes && state.NodegroupName is { } nodegroup && (nodes.DesiredSize < wanted.DesiredSize || nodes.MinSize < wanted.MinSize))
        {
            var scaling = wanted with { DesiredSize = Math.Max(nodes.DesiredSize, wanted.DesiredSize), MaxSize = Math.Max(nodes.MaxSize, wanted.MaxSize) };
            b.Aws.Run(b.Aws.UpdateNodegroupScalingCommand(b.Names.ClusterName, nodegroup, scaling));
            changed.Add($"node group scaled to {scaling.DesiredSize}");
        }

        DeployInfra.Kubeconfig(b);
        WaitForNodes(b, wanted.DesiredSize);
        if (deep)
        {
            Workloads.Secrets(b);
            Workloads.ApplyK8s(b);
        }
        Workloads.WaitForRollouts(b);
        if (File.Exists(b.Settings.PauseFile)) File.Delete(b.Settings.PauseFile);
        if (b.Settings.Until is { } until) FollowSchedule.StayAwakeUntil(b, until);
        else FollowSchedule.ClearAwakeUntil(b);
        b.Report.Add(TaskNames.Resume, changed.Count > 0 ? StepOutcome.Changed : StepOutcome.Unchanged,
            changed.Count > 0 ? string.Join(", ", changed) : "already running");
    }

    private static WaitResult WaitForDatabase(BuildContext b, string status) =>
        b.Waits.For($"RDS {b.Names.DbInstanceIdentifier} to be {status}", () => b.Aws.DbInstanceStatus(b.Names.DbInstanceIdentifier),
            s => s == status, s => s ?? "gone", b.Settings.WaitTimeout, b.Aws.DescribeDbInstanceCommand(b.Names.DbInstanceIdentifier).RenderSafe());

    private static WaitResult WaitForInstance(BuildContext b, string instance, string state) =>
        b.Waits.For($"Redpanda instance {instance} to be {state}", () => b.Aws.InstanceState(instance),
            s => s == state, s => s ?? "gone", b.Settings.WaitTimeout, b.Aws.DescribeInstanceCommand(instance).RenderSafe());

    /// <summary>Waits until the cluster has <paramref name="count"/> Ready nodes.</summary>
    private static void WaitForNodes(BuildContext b, int count)
    {
        var context = b.ClusterContext;
        var ready = 0;
        var nodes = b.Kubectl.ClusterCommand(context, "get", "nodes", "-o", "json");
        var ok = b.Waits.For($"{count} Ready node(s)", () =>
        {
            var result = b.Kubectl.Run(context, nodes, new Processes.ProcessOptions { AllowFailure = true });
            if (!result.Succeeded) return (int?)null;
            using var json = System.Text.Json.JsonDocument.Parse(result.StandardOutput);
            return ready = json.RootElement.GetProperty("items").EnumerateArray().Count(n => n.GetProperty("status").GetProperty("conditions")
                .EnumerateArray().Any(c => c.GetProperty("type").GetString() == "Ready" && c.GetProperty("status").GetString() == "True"));
        }, n => n >= count, n => n is null ? "the cluster did not answer" : $"{n} of {count} Ready", b.Settings.WaitTimeout, nodes.RenderSafe()).Done;
        if (!ok) throw new InvalidOperationException($"Only {ready} of {count} nodes became Ready within {b.Settings.WaitTimeout.TotalSeconds:F0}s. " +
                                                     "Spot capacity may be short: check the node group's health in the EKS console, then rerun Resume.");
        b.Log.Information($"{ready} node(s) Ready.");
    }
}
