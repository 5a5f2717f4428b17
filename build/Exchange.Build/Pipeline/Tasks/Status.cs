using Exchange.Build.Kubernetes;
using Exchange.Build.Operations;
using Exchange.Build.Processes;
using Exchange.Contracts;
using System.Text.Json.Nodes;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>Status and Diff: one view of the environment, and what a deploy would change.</summary>
public static class Status
{
    public static void Run(BuildContext b)
    {
        var state = EnvironmentState.Read(b);
        b.Log.Information("Stacks:");
        var stacks = new JsonArray();
        foreach (var kind in StackKinds.DeployOrder)
        {
            var stack = state.Stacks[kind];
            var status = stack?.GetProperty("StackStatus").GetString();
            b.Log.Information($"  {b.Names.Stack(kind),-20} {status ?? "not deployed"}");
            var outputs = new JsonObject();
            foreach (var output in Contracts.Outputs.Of(kind))
                if (state.Outputs.TryGet(output) is { } value)
                {
                    outputs[output.Key] = value;
                    b.Log.Information($"      {output.Key,-24} " +
                        $"{value}{(output.ExportName(b.Settings.Environment.EnvName) is { } export ? $"   (export {export})" : "")}");
                }
            stacks.Add(new JsonObject { ["stack"] = b.Names.Stack(kind), ["status"] = status, ["outputs"] = outputs });
        }
        b.Document = new JsonObject
        {
            ["environment"] = b.Settings.Environment.EnvName,
            ["phase"] = state.Phase,
            ["stacks"] = stacks,
            ["nodegroup"] = state.Nodes is not { } n ? null : new JsonObject
            {
                ["name"] = state.NodegroupName, ["desired"] = n.DesiredSize, ["min"] = n.MinSize, ["max"] = n.MaxSize,
            },
            ["redpanda"] = state.KafkaState,
            ["database"] = state.DatabaseStatus,
        };
        b.Log.Information("Compute and data:");
        b.Log.Information($"  node group   {state.NodegroupName ?? b.Names.NodegroupName}: {state.Nodes?.ToString() ?? "none"}");
        b.Log.Information($"  redpanda     {state.KafkaState ?? "none"}");
        b.Log.Information($"  mysql        {b.Names.DbInstanceIdentifier}: {state.DatabaseStatus ?? "none"}");
        if (state.DatabaseStatus == "stopped")
            b.Log.Information($"               RDS restarts itself 7 days after a stop{RestartDate(b)}; Pause again before then.");

        Kubernetes(b, state);
        if (BackendTargets.Lines(state.Outputs, b.Names, b.Settings.ClusterPath) is { Count: > 0 } backend)
        {
            b.Log.Information("Backend:");
            foreach (var line in backend) b.Log.Information("  " + line);
        }

        if (state.KafkaState == "running" && state.Outputs.TryGet(Contracts.Outputs.KafkaInstanceId) is { } instance)
            Topics(b, instance);
        if (state.IsDeployed(StackKind.Eks))
        {
            Access(b);
            var cidrs = b.Settings.Environment.Of<EksConfig>().PublicAccessCidrs;
            b.Log.Information($"  kubectl goes {Settings.ClusterPaths.Describe(b.Settings.ClusterPath, cidrs)}" +
                              (state.Outputs.TryGet(Contracts.Outputs.JumpInstanceId) is { } jump && b.Settings.ClusterPath == Settings.ClusterPath.Tunnel
                                  ? $": {jump}" : ""));
        }
        if (state.IsDeployed(StackKind.Eks) && (state.Nodes?.DesiredSize ?? 0) > 0) Cluster(b, state);

        b.Log.Information("Sleep:");
        var sleep = FollowSchedule.StatusLines(b, state).ToArray();
        foreach (var line in sleep) b.Log.Information(line);
        b.Document["sleep"] = new JsonArray(sleep.Select(l => (JsonNode)l.Trim()).ToArray());

        // Verify's last checklist, from this machine or the artifacts bucket.
        b.Log.Information("Verify:");
        b.Artifacts.Fetch(b.Settings.VerifyFile);
        foreach (var line in Verification.VerifyRecord.Load(b.Settings.VerifyFile)?.Describe(b.Clock.UtcNow)
                             ?? [$"  never run for this environment (./build.sh --target=Verify --account={b.Settings.Account})"])
            b.Log.Information(line);

        b.Log.Information($"Environment '{b.Settings.Environment.EnvName}' is {state.Phase.ToUpperInvariant()}.");
        b.Report.Add(TaskNames.Status, StepOutcome.Checked, state.Phase);
    }

    /// <summary>What runs against what the configuration pins, any skew between them, and the end of standard support when it is near.</summary>
    private static void Kubernetes(BuildContext b, EnvironmentState state)
    {
        var eks = b.Settings.Environment.Of<EksConfig>();
        var running = state.RunningVersions(b);
        var configured = EksVersions.Configured(eks);
        b.Log.Information("Kubernetes:");
        b.Log.Information($"  running      {running?.ToString() ?? "no cluster"}");
        b.Log.Information($"  configured   {configured}");
        var warnings = new List<string>();
        if (running is not null) warnings.AddRange(KubernetesChecks.Skew(running, eks));
        if (KubernetesChecks.SupportWarning(running?.ControlPlane ?? eks.KubernetesVersion, b.Now(), running is null ? "configured" : "running")
            is { } warning)
            warnings.Add(warning);
        foreach (var line in warnings) b.Log.Warning(line);
        if (b.Document is { } document)
            document["kubernetes"] = new JsonObject
            {
                ["running"] = Versions(running), ["configured"] = Versions(configured),
                ["warnings"] = new JsonArray(warnings.Select(w => (JsonNode)w).ToArray()),
            };
    }

    private static JsonObject? Versions(EksVersions? v) =>
        v is null ? null : new JsonObject { ["controlPlane"] = v.ControlPlane, ["nodes"] = v.Nodes, ["nodeRelease"] = v.NodeRelease };

    private static string RestartDate(BuildContext b) =>
        PauseRecord.Load(b.Settings.PauseFile) is { RdsStoppedAt: { } stopped, RdsRestartsAt: { } restart }
            ? $" (stopped {stopped:yyyy-MM-dd HH:mm} UTC, so on {restart:yyyy-MM-dd HH:mm} UTC)"
            : " (stopped elsewhere: date unknown here)";

    /// <summary>
    /// Who may use the cluster, and how: its access entries with their access policies, each marked when the access list
    /// (EksConfig.AdminPrincipals/ViewPrincipals) does not name it (a deploy by that identity added it, or someone by hand: the next
    /// deploy by anyone else removes it), and the listed principals that have no entry yet.
    /// </summary>
    private static void Access(BuildContext b)
    {
        var cluster = b.Names.ClusterName;
        var account = b.Settings.Account;
        var eks = b.Settings.Environment.Of<EksConfig>();
        var listed = eks.AdminPrincipals.Concat(eks.ViewPrincipals).ToDictionary(p => ClusterPrincipals.Key(p, account), p => p);
        var entries = b.Aws.AccessEntries(cluster);
        b.Log.Information("Cluster access (EKS access entries):");
        foreach (var principal in entries.Order(StringComparer.Ordinal))
        {
            var policies = b.Aws.AccessPolicies(cluster, principal);
            var level = policies.Count == 0 ? "none"
                : string.Join("+", policies.Select(p => ClusterPrincipals.LevelOf(p)?.ToString().ToLowerInvariant() ?? p.Split('/').Last()));
            var note = listed.ContainsKey(ClusterPrincipals.Key(principal, account)) ? ""
                : "   (not in the access list: added by that identity's own deploy or by hand; the next deploy by anyone else removes it)";
            b.Log.Information($"  {level,-6} {principal}{note}");
        }
        var keys = entries.Select(e => ClusterPrincipals.Key(e, account)).ToHashSet(StringComparer.Ordinal);
        foreach (var (key, entry) in listed.Where(l => !keys.Contains(l.Key)))
            b.Log.Information($"  -      {entry}   (listed, but no entry yet: run DeployInfra)");
    }

    /// <summary>The Redpanda topics, declared against actual, through SSM Run Command (no SSH, no open port).</summary>
    private static void Topics(BuildContext b, string instance)
    {
        try
        {
            var report = BrokerTopics.Read(b, instance);
            foreach (var line in BrokerTopics.StatusLines(b, instance, report)) b.Log.Information(line);
            if (b.Document is { } document) // what the broker has, declared or not
                document["topics"] = new JsonArray(report.Lines.Where(l => l.Actual is not null).Select(l => (JsonNode)l.Name).ToArray());
        }
        // A refused permission is not "the instance is busy": it ends the step like everywhere else.
        catch (Exception e) when (e is CommandFailedException or InvalidOperationException or TimeoutException &&
                                  e is not Aws.AwsCallException { Failure.Kind: Aws.AwsFailureKind.Permission })
        {
            b.Log.Warning($"Could not list the Redpanda topics through SSM: {e.Message}");
        }
    }

    private static void Cluster(BuildContext b, EnvironmentState state)
    {
        var context = state.Outputs[Contracts.Outputs.EksClusterArn];
        if (b.Kubectl.CurrentContext() != context)
        {
            b.Log.Warning($"kubectl does not point at {context}; run --target=Kubeconfig to see nodes and pods.");
            return;
        }
        foreach (var args in new[] { new[] { "get", "nodes", "-o", "wide" }, ["get", "pods", "--namespace", b.Names.Namespace, "-o", "wide"] })
        {
            var result = b.Kubectl.Run(context, b.Kubectl.ClusterCommand(context, args), new ProcessOptions { AllowFailure = true });
            b.Log.Information($"$ kubectl {string.Join(' ', args)}");
            foreach (var line in (result.StandardOutput + result.StandardError).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                b.Log.Information("  " + line);
        }
    }

    public static void Diff(BuildContext b)
    {
        Synth.EnsureAssembly(b);
        var infra = b.Cdk.Run(b.Cdk.DiffCommand(b.Settings.CdkOutDir), b.Settings.RepoRoot, line => b.Log.Information("  cdk | " + line));
        var stacks = System.Text.RegularExpressions.Regex.Match(infra.StandardOutput + infra.StandardError,
            @"Number of stacks with differences: (\d+)") is { Success: true } m ? m.Groups[1].Value : "an unknown number of";

        var manifests = "skipped (nothing pushed yet: run DeployDev first)";
        var images = Exchange.Build.Images.ImageManifest.Load(b.Settings.ImagesFile);
        if (images.Images.Values.All(i => i.Repository is not null) && images.Images.Count > 0 && File.Exists(b.Settings.OutputsFile))
        {
            var rendered = Workloads.RenderWithImages(b, images.Images.Values.Select(i => new ImageOverride(i.Name, i.Repository!, i.Tag)).ToArray());
            var context = b.ClusterContext;
            var diff = b.Kubectl.Run(context, b.Kubectl.ClusterCommand(context, "diff", "-f", "-"),
                new ProcessOptions { StandardInputText = rendered, AllowFailure = true });
            if (diff.ExitCode > 1)
                throw new CommandFailedException("kubectl diff -f -", diff.ExitCode, b.Redactor.Redact(ProcessRunner.Tail(diff.StandardError)), null);
            foreach (var line in diff.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)) b.Log.Information("  kubectl | " + line);
            manifests = diff.ExitCode == 0 ? "no differences" : "differences above";
        }
        b.Report.Add(TaskNames.Diff, StepOutcome.Checked, $"{stacks} stack(s) differ; manifests: {manifests}");
    }
}
