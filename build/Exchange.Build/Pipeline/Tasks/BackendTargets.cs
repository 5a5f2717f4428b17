using System.Text.Json;
using Exchange.Build.Aws;
using Exchange.Build.Settings;
using Exchange.Build.Verification;
using Exchange.Contracts;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>One of the load balancer's target groups, the NodePort it checks and the namespace whose backend answers there.</summary>
public sealed record BackendTarget(string TargetGroupArn, int NodePort, string Namespace);

/// <summary>What this machine last found attached: the node group's Auto Scaling groups in the load balancer's target group.</summary>
public sealed record BackendTargetsRecord(string TargetGroupArn, string Nodegroup, IReadOnlyList<string> AutoScalingGroups, DateTimeOffset CheckedAt)
{
    public static BackendTargetsRecord? Load(string path)
    {
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<BackendTargetsRecord>(File.ReadAllText(path)); }
        catch (JsonException) { return null; } // a record we cannot read is no record: the next deploy checks again
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Files.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this));
    }
}

/// <summary>
/// The backend behind the Eks stack's Application Load Balancer (infra/Constructs/BackendLoadBalancer.cs), as the pipeline
/// sees it: DeployInfra attaches the node group's Auto Scaling group to the load balancer's target group (CloudFormation
/// cannot: EKS makes that group), Verify checks the targets' health, and DeployDev's summary and Status say where the backend
/// is and who may call it.
/// </summary>
public static class BackendTargets
{
    /// <summary>Consecutive polls that must find every target unhealthy (or none) before Verify stops waiting and names the cause.</summary>
    public const int SettledPolls = 3;

    private static readonly string[] Settled = ["unhealthy", "unused", "unavailable"];

    /// <summary>
    /// Makes sure every Auto Scaling group of the node group has the target group attached. Skipped without any AWS call when the
    /// Eks stack reported no changes and this machine recorded the same target group and node group attached before. Returns
    /// what it changed, or null.
    /// </summary>
    public static string? EnsureAttached(BuildContext b, bool eksStackChanged)
    {
        var outputs = b.Outputs;
        if (outputs.TryGet(Outputs.BackendTargetGroupArn) is not { } targetGroup || targetGroup == BackendAccess.NoLoadBalancer)
        {
            b.Log.Information("Backend load balancer: none in this environment (EksConfig.BackendLoadBalancer is false); nothing to attach.");
            return null;
        }
        var nodegroup = outputs[Outputs.EksNodegroupName];
        // The main backend's target group, then the preview slots' (a stack deployed before previews had none).
        IReadOnlyList<string> targetGroups = [targetGroup, .. PreviewTargetGroups(outputs)];
        var recorded = string.Join(",", targetGroups);
        var file = b.Settings.BackendTargetsFile;
        if (!eksStackChanged && BackendTargetsRecord.Load(file) is { } record && record.TargetGroupArn == recorded && record.Nodegroup == nodegroup)
        {
            b.Log.Information($"Backend load balancer: {string.Join(", ", record.AutoScalingGroups)} attached to its target groups " +
                              $"(checked {record.CheckedAt:yyyy-MM-dd HH:mm} UTC; the Eks stack did not change since).");
            return null;
        }

        var cluster = outputs[Outputs.EksClusterName];
        var groups = b.Aws.NodegroupAutoScalingGroups(cluster, nodegroup);
        if (groups.Count == 0)
            throw new InvalidOperationException($"EKS reports no Auto Scaling group for node group {nodegroup}, so the backend's load balancer has no " +
                                                $"targets. Check it: {b.Aws.DescribeNodegroupCommand(cluster, nodegroup).RenderSafe()}; then rerun " +
                                                $"./build.sh --target={TaskNames.DeployInfra} --exclusive");
        var attached = b.Aws.AttachedTargetGroups(groups);
        var unknown = groups.Where(g => !attached.ContainsKey(g)).ToArray();
        if (unknown.Length > 0)
            throw new InvalidOperationException($"EKS names the Auto Scaling group(s) {string.Join(", ", unknown)} of node group {nodegroup}, but " +
                                                $"Auto Scaling does not know them (yet?). Rerun ./build.sh --target={TaskNames.DeployInfra} --exclusive " +
                                                "in a minute.");
        var changed = false;
        foreach (var group in groups)
        {
            var missing = targetGroups.Where(t => !attached[group].Contains(t, StringComparer.Ordinal)).ToArray();
            if (missing.Length == 0) continue;
            // One call takes at most 10 target groups: the main one and Previews.MaxSlots slots fit.
            foreach (var chunk in missing.Chunk(MaxTargetGroupsPerCall))
                b.Aws.Run(b.Aws.AttachTargetGroupCommand(group, chunk), new Processes.ProcessOptions
                {
                    FailureHint = "the backend's load balancer gets no targets until this succeeds; nothing else depends on it",
                });
            var slots = missing.Count(t => t != targetGroup);
            var what = (missing.Contains(targetGroup), slots) switch
            {
                (true, 0) => "its target group",
                (true, _) => $"its target group and {slots} preview slot(s)'",
                _ => $"{slots} preview slot(s)' target groups",
            };
            b.Log.Information($"Backend load balancer: attached {group} (node group {nodegroup}) to {what}; " +
                              "Auto Scaling registers its nodes on the NodePorts.");
            changed = true;
        }
        if (!changed) b.Log.Information($"Backend load balancer: {string.Join(", ", groups)} already attached to its target groups.");
        new BackendTargetsRecord(recorded, nodegroup, groups, b.Clock.UtcNow).Save(file);
        return changed ? "node group attached to the backend's target groups" : null;
    }

    /// <summary>attach-load-balancer-target-groups takes at most this many target groups per call.</summary>
    public const int MaxTargetGroupsPerCall = 10;

    /// <summary>The preview slots' target groups from the Eks stack's outputs, slot 1 first; none when the stack has none.</summary>
    public static IReadOnlyList<string> PreviewTargetGroups(DeploymentOutputs outputs) =>
        outputs.TryGet(Outputs.BackendPreviewTargetGroupArns) is { } arns && arns != BackendAccess.NoLoadBalancer
            ? arns.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];

    /// <summary>
    /// Verify's checklist item: the backend answers its load balancer's health check (<see cref="BackendAccess.HealthCheckPath"/> through
    /// the NodePort) on at least one node. Waits (within --verify-timeout) while targets are still being registered or checked; stops
    /// early once every target has been unhealthy (or none registered) for <see cref="SettledPolls"/> polls, and names the likely cause.
    /// No public request is made.
    /// </summary>
    public static ItemResult Health(VerifyRun run)
    {
        var b = run.Build;
        var outputs = b.Outputs;
        if (outputs.TryGet(Outputs.BackendTargetGroupArn) is not { } targetGroup || targetGroup == BackendAccess.NoLoadBalancer)
            return ItemResult.Passed("this environment has no load balancer (EksConfig.BackendLoadBalancer is false)");
        var (result, registered) = Check(b, new BackendTarget(targetGroup, BackendAccess.NodePort, b.Names.Namespace));
        if (registered == 0 && File.Exists(b.Settings.BackendTargetsFile)) File.Delete(b.Settings.BackendTargetsFile); // the next DeployInfra checks again
        return result;
    }

    /// <summary>
    /// The same check for any of the load balancer's target groups (a preview's slot): waits within --verify-timeout for a healthy target,
    /// stops early once every target has been unhealthy, unused (no rule forwards to the group) or missing for <see cref="SettledPolls"/> polls.
    /// </summary>
    public static ItemResult Health(BuildContext b, BackendTarget target) => Check(b, target).Result;

    private static (ItemResult Result, int Registered) Check(BuildContext b, BackendTarget target)
    {
        var unhealthyPolls = 0;
        IReadOnlyList<TargetHealth> last = [];
        var wait = b.Waits.For($"the backend's load balancer targets to pass the health check (NodePort {target.NodePort})",
            () => last = b.Aws.TargetHealth(target.TargetGroupArn),
            targets =>
            {
                if (targets.Any(t => t.State == "healthy")) return true;
                // No target at all counts too: Auto Scaling registers an attached group's nodes within seconds.
                unhealthyPolls = targets.All(t => Settled.Contains(t.State)) ? unhealthyPolls + 1 : 0;
                return unhealthyPolls >= SettledPolls;
            },
            Describe, b.Settings.VerifyTimeout, b.Aws.DescribeTargetHealthCommand(target.TargetGroupArn).RenderSafe(), ArgumentNames.VerifyTimeout);
        foreach (var t in last) b.Log.Information($"  target {t}");
        var healthy = last.Count(t => t.State == "healthy");
        if (healthy > 0)
            return (ItemResult.Passed($"{healthy} of {last.Count} target(s) healthy on NodePort {target.NodePort} " +
                                      $"({BackendAccess.HealthCheckPath}; with externalTrafficPolicy Local a node without a ready backend pod fails " +
                                      "the check on purpose)"), last.Count);
        return (ItemResult.Failed($"no healthy target ({(wait.Done ? "" : "after " + Operations.Backoff.Format(wait.Elapsed) + ", ")}" +
                                  $"{Describe(last)}). {Cause(b, last, target)}"), last.Count);
    }

    private static string Describe(IReadOnlyList<TargetHealth> targets) => targets.Count == 0
        ? "no target registered"
        : string.Join(", ", targets.GroupBy(t => t.Reason is null ? t.State : $"{t.State} ({t.Reason})").Select(g => $"{g.Count()} {g.Key}"));

    /// <summary>The likeliest cause of the most common reason, in words, with where to look.</summary>
    public static string Cause(BuildContext b, IReadOnlyList<TargetHealth> targets, BackendTarget target)
    {
        var ns = target.Namespace;
        var port = target.NodePort;
        var reason = targets.Count == 0 ? "Target.NotRegistered"
            : targets.GroupBy(t => t.Reason ?? t.State).OrderByDescending(g => g.Count()).First().Key;
        return reason switch
        {
            "Target.NotRegistered" =>
                "Cause: no node is registered. The node group's Auto Scaling group is not attached to the target group (DeployInfra attaches it: " +
                $"./build.sh --target={TaskNames.DeployInfra} --exclusive checks it again), or the node group is at 0 (paused: --target=Resume).",
            "Target.Timeout" =>
                $"Cause: the health check on NodePort {port} got no answer. Either the cluster security group does not admit " +
                $"{port} from the load balancer's group (the Eks stack's Backend/NodePortFromLoadBalancer rule), or the NetworkPolicy " +
                $"future-backend-ingress does not admit the public subnets on the backend's port (k8s/overlays/aws-dev), or no ready backend pod " +
                $"runs on the node (externalTrafficPolicy Local): kubectl get pods,svc --namespace {ns} -o wide.",
            "Target.ResponseCodeMismatch" =>
                $"Cause: the backend answers GET {BackendAccess.HealthCheckPath} with something other than 200 " +
                $"({targets.Select(t => t.Description).FirstOrDefault(d => d is not null) ?? "see the description above"}). The health check path " +
                "must be the backend's readiness path (its readinessProbe in k8s/base/future-backend/deployment.yaml and BackendAccess.HealthCheckPath " +
                $"in src/Exchange.Contracts); read the backend's logs: kubectl logs deployment/{BackendAccess.ServiceName} --namespace {ns}.",
            "Target.FailedHealthChecks" =>
                $"Cause: connections to NodePort {port} fail. Check that the Service {BackendAccess.ServiceName} is a NodePort on " +
                $"{port} (kubectl get svc {BackendAccess.ServiceName} --namespace {ns}) and that its pods are ready.",
            "Target.InvalidState" => "Cause: the nodes are stopped or terminating (a spot interruption, or a node group on its way to 0).",
            "Target.NotInUse" => target.NodePort == BackendAccess.NodePort
                ? "Cause: the nodes run in a zone the load balancer does not serve (it has a public subnet in each of the VPC's zones)."
                : "Cause: no listener rule forwards to this target group (the preview's route is missing: deploying the preview again adds it).",
            "Elb.InitialHealthChecking" or "Elb.RegistrationInProgress" or "initial" =>
                $"Cause: the first health checks did not finish within --{ArgumentNames.VerifyTimeout}; rerun with a longer one.",
            _ => $"Cause: {reason}; see the target descriptions above and the Elastic Load Balancing console.",
        };
    }

    /// <summary>Where the backend is and who may call it, from the deployed Eks stack's outputs (null without one).</summary>
    public static IReadOnlyList<string> Lines(DeploymentOutputs outputs, EnvironmentNames names, ClusterPath path = ClusterPath.Direct)
    {
        if (outputs.TryGet(Outputs.BackendUrl) is not { } url) return [];
        var forward = path == ClusterPath.Tunnel
            ? $"reach it over the tunnel to the cluster: ./build.sh --target={TaskNames.Tunnel} holds one open and prints the kubectl flags " +
              $"(--context, --server, --tls-server-name); then {BackendAccess.PortForward(names)} with them"
            : $"reach it wherever kubectl reaches the cluster: {BackendAccess.PortForward(names)}";
        if (url == BackendAccess.NoLoadBalancer) return [$"{BackendAccess.Describe([], enabled: false)}; {forward}"];
        IReadOnlyList<string> cidrs;
        try { cidrs = outputs.TryGet(Outputs.BackendPublicCidrs) is { } text ? EksEndpointAccess.Parse(text, Outputs.BackendPublicCidrs.Key) : []; }
        catch (FormatException) { return [$"{url} (admits {outputs.TryGet(Outputs.BackendPublicCidrs)})"]; } // a placeholder (Plan), not a list
        if (cidrs.Count > 0) return [$"{url} ({BackendAccess.Describe(cidrs)})"];
        return
        [
            $"{url} {BackendAccess.Describe(cidrs)}: list them with --{ArgumentNames.BackendPublicCidrs}=<office/VPN CIDRs> (or " +
            "EksConfig.BackendPublicCidrs in src/Exchange.Contracts/Environments.cs) and run DeployInfra",
            $"until then, {forward}",
        ];
    }

    /// <summary>DeployDev's summary ends with where the backend is (once, however many steps ask).</summary>
    public static void Announce(BuildContext b)
    {
        var lines = Lines(b.Outputs, b.Names, b.Settings.ClusterPath);
        for (var i = 0; i < lines.Count; i++) b.Report.Note((i == 0 ? "Backend: " : "         ") + lines[i]);
    }
}
