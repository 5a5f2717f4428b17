using System.Globalization;
using Exchange.Build.Kubernetes;
using Exchange.Build.Processes;
using Exchange.Build.Settings;
using Exchange.Build.Verification;
using Exchange.Contracts;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>A preview could not be deployed as asked (the cap, a slot): an expected stop that says what to do.</summary>
public sealed class PreviewRefusedException(string message) : Exception(message);

/// <summary>
/// DeployPreview, DestroyPreview and Previews: a pull request's slice of the running dev environment (README "Preview environments").
/// A preview is a namespace with the main namespace's workloads and secret names, its own database and user on the shared RDS
/// instance, its own topics behind a prefix, its own Redis logical database, a quota; its record lives in the namespace's annotations.
/// </summary>
public static class PreviewTargets
{
    private static string RerunDeploy(PreviewName p) =>
        $"./build.sh --target={TaskNames.DeployPreview} --{(p.PullRequest is null ? ArgumentNames.Preview : ArgumentNames.PullRequest)}=" +
        (p.PullRequest?.ToString(CultureInfo.InvariantCulture) ?? p.Id);

    private static string RerunDestroy(PreviewName p) => RerunDeploy(p).Replace(TaskNames.DeployPreview, TaskNames.DestroyPreview);

    /// <summary>The environment's previews, from the namespaces' labels and annotations.</summary>
    public static IReadOnlyList<PreviewRecord> List(BuildContext b)
    {
        var context = b.ClusterContext;
        var json = b.Kubectl.Run(context, b.Kubectl.ClusterCommand(context, "get", "namespaces", "--selector", Previews.Label, "-o", "json"),
            new ProcessOptions { Timeout = TimeSpan.FromMinutes(1) }).StandardOutput;
        return PreviewRecord.ParseList(b.Names.Env, json);
    }

    public static void Deploy(BuildContext b)
    {
        var preview = b.Settings.Preview!;
        // The PR's images into ECR (under their own images-<preview>.json), and kubectl onto the cluster: as PushImages and
        // Kubeconfig do, without DeployInfra, which a preview never runs (it deploys into the running environment).
        if (!b.Settings.SkipImages) Images.Push(b);
        DeployInfra.Kubeconfig(b);
        var context = b.ClusterContext;
        var now = b.Now();
        var existing = List(b);
        var earlier = existing.FirstOrDefault(r => r.Name == preview);
        if (earlier is { Terminating: true })
            throw new PreviewRefusedException($"Preview {preview} is still being deleted (namespace {preview.Namespace} is Terminating). Wait for " +
                                              $"it to go, or finish its destroy: {RerunDestroy(preview)}; then deploy again.");
        var others = existing.Where(r => r.Name != preview).ToArray();
        if (earlier is null && others.Length >= b.Settings.PreviewCap)
            throw new PreviewRefusedException(
                $"DeployPreview refuses preview {preview}: {others.Length} preview(s) exist and the cap is {b.Settings.PreviewCap} " +
                $"(--{ArgumentNames.PreviewCap}; the default fits the dev node group).\n" +
                string.Join('\n', others.Select(r => $"  {r.Name.Id,-12} owner {r.Owner ?? "?"}, expires {Show(r.Expires)}")) + "\n" +
                $"Free one with ./build.sh --target={TaskNames.DestroyPreview} --{ArgumentNames.PullRequest}=N (or --{ArgumentNames.Preview}=NAME), " +
                $"or remove the expired ones with --target={TaskNames.SweepPreviews}. Nothing is evicted silently.");
        var slot = earlier?.Slot ?? Previews.FreeSlot(others.Select(r => r.Slot ?? 0))
                   ?? throw new PreviewRefusedException($"Every one of the {Previews.MaxSlots} preview slots is taken; destroy a preview first.");

        // The images: the PR's, built and pushed by BuildImages/PushImages before this step (tagged from its sources).
        var images = Workloads.PushedImages(b, ContainerImages.Workloads);
        var imageList = string.Join(",", images.Select(i => $"{i.Name}:{i.NewTag}"));

        // 1. The namespace with the record, its quota and limits.
        var annotations = PreviewManifests.Annotations(preview, b.Settings.Owner, imageList, slot, earlier, now, Previews.DefaultLifetime);
        var changed = Apply(b, context, PreviewManifests.Namespace(preview, b.Names.Env, annotations), null, preview);

        // 2. Its stores: the secrets (the main ones with its own database, user and password), then the provisioning Job.
        var resolver = ClusterValueResolver.For(b);
        var main = KubernetesSecrets.All.ToDictionary(d => d, d => resolver.Resolve(d.Values));
        var password = PreviewManifests.Password(main[KubernetesSecrets.Db][KubernetesSecrets.MysqlPassword], preview);
        b.Redactor.Add(password);
        changed |= Apply(b, context, null, SecretManifests.Build(preview.Namespace, PreviewManifests.Secrets(main, preview, password)), preview);
        var topics = preview.Topics(b.Settings.Environment);
        var partitions = b.Settings.Environment.Of<KafkaConfig>().Partitions;
        var provisioned = CheckerJob.Run(b, new CheckerJobSpec(b.Names.Namespace,
            Patches: PreviewManifests.ProvisionPatches(preview, PreviewProvisioning.Create),
            SecretManifests: PreviewManifests.ProvisionSecret(b.Names.Namespace, preview, password, slot, topics, partitions),
            DeleteAfter: preview.ProvisionSecretName, What: $"Preview {preview}'s database, user and topics", Rerun: RerunDeploy(preview)));
        if (provisioned.Result is { Passed: false } failed)
            throw new PreviewRefusedException($"Preview {preview}'s stores could not be provisioned: {failed.Message}\n" +
                                              $"Fix it, then rerun: {RerunDeploy(preview)}");
        changed |= provisioned.Checks.Any(c => Changed(c.Detail));

        // 3. The workloads: the overlay in the preview's namespace with the PR's images, one backend replica on the slot's NodePort.
        var environment = EnvironmentConfigMap.Definition;
        var rendered = Render(b, images, preview, slot)
                       + SecretManifests.ConfigMap(preview.Namespace, environment,
                           PreviewManifests.EnvironmentValues(resolver.Resolve(environment.Values), preview, slot));
        changed |= Apply(b, context, rendered, null, preview);

        // 4. Its route on the shared load balancer: /<preview>/* to the slot's target group.
        changed |= PreviewRoute.Ensure(b, preview, slot);

        // 5. Verify in the preview's namespace: rollouts, the connectivity check with the preview's own topics, the route's targets.
        if (!b.Settings.SkipVerify)
        {
            var rolledOut = Workloads.WaitForRollouts(b, rendered, RerunDeploy(preview));
            var expected = resolver.Resolve(CheckerConfigMap.Definition.Values).ToDictionary(p => p.Key, p => p.Value);
            expected[CheckerConfigMap.KafkaTopics] = string.Join(',', topics);
            var check = CheckerJob.Run(b, new CheckerJobSpec(preview.Namespace, expected, What: $"Preview {preview}'s connectivity check",
                Rerun: RerunDeploy(preview)));
            if (check.Result is { Passed: false } result)
                throw new VerifyFailedException($"Preview {preview}: the connectivity check failed: {result.Message}\nRerun: {RerunDeploy(preview)}");
            b.Log.Information($"  {rolledOut} workloads rolled out; the connectivity check passed in {preview.Namespace}");
            if (PreviewRoute.Routed(b))
            {
                var health = BackendTargets.Health(b, new BackendTarget(PreviewRoute.TargetGroup(b, slot), Previews.NodePort(slot), preview.Namespace));
                if (health.Outcome != ItemOutcome.Passed)
                    throw new VerifyFailedException($"Preview {preview}: its route has {health.Detail}\nRerun: {RerunDeploy(preview)}");
                b.Log.Information($"  route: {health.Detail}");
            }
        }

        var url = PreviewRoute.Url(b, preview, slot);
        b.Report.Add(TaskNames.DeployPreview, changed ? StepOutcome.Changed : StepOutcome.Unchanged,
            $"preview {preview} in {preview.Namespace} (slot {slot}), expires {annotations[Previews.ExpiresAnnotation]}");
        b.Report.Note($"Preview {preview}: {url}");
        if (b.Settings.StepSummaryFile is { } summary)
            File.AppendAllText(summary, $"### Preview `{preview}`\n\n- URL: {url}\n- namespace `{preview.Namespace}`, images {imageList}\n" +
                                        $"- expires {annotations[Previews.ExpiresAnnotation]} (3 days after the last deploy)\n\n");
    }

    /// <summary>
    /// Removes a preview: its route, its stores (the provisioning Job's drop), then its namespace. Idempotent; finishes an interrupted destroy.
    /// </summary>
    public static void Destroy(BuildContext b)
    {
        var preview = b.Settings.Preview!;
        DeployInfra.Kubeconfig(b);
        var record = List(b).FirstOrDefault(r => r.Name == preview);
        var removed = DestroyOne(b, preview, record);
        b.Report.Add(TaskNames.DestroyPreview, removed ? StepOutcome.Changed : StepOutcome.Unchanged,
            removed ? $"preview {preview} removed" : $"preview {preview}: nothing left to remove");
    }

    private static bool DestroyOne(BuildContext b, PreviewName preview, PreviewRecord? record)
    {
        var context = b.ClusterContext;
        // The route first (nobody reaches a half-removed preview), then the stores: while the namespace exists, a rerun still finds the
        // slot (the Redis database to empty) in its record.
        var routed = PreviewRoute.Remove(b, preview);
        var slot = record?.Slot;
        var dropped = CheckerJob.Run(b, new CheckerJobSpec(b.Names.Namespace,
            Patches: PreviewManifests.ProvisionPatches(preview, PreviewProvisioning.Drop, withRedis: slot is not null),
            SecretManifests: PreviewManifests.ProvisionSecret(b.Names.Namespace, preview, null, slot ?? 0,
                preview.Topics(b.Settings.Environment), b.Settings.Environment.Of<KafkaConfig>().Partitions),
            DeleteAfter: preview.ProvisionSecretName, What: $"Preview {preview}'s stores (drop)", Rerun: RerunDestroy(preview)));
        if (dropped.Result is { Passed: false } failed)
            throw new PreviewRefusedException($"Preview {preview}'s stores could not be removed: {failed.Message}\nRerun: {RerunDestroy(preview)}");
        var changed = routed || dropped.Checks.Any(c => Changed(c.Detail));
        var deleted = b.Kubectl.Run(context, b.Kubectl.ClusterCommand(context, "delete", "namespace", preview.Namespace, "--ignore-not-found",
            "--wait=false"), new ProcessOptions { Timeout = TimeSpan.FromMinutes(2), FailureHint = $"rerun: {RerunDestroy(preview)}" }).StandardOutput;
        foreach (var line in deleted.Split('\n', StringSplitOptions.RemoveEmptyEntries)) b.Log.Information("  kubectl | " + line);
        return changed || deleted.Contains("deleted", StringComparison.Ordinal);
    }

    /// <summary>The Previews target: one line per preview (age, expiry, URL, images, cost per day).</summary>
    public static void Show(BuildContext b)
    {
        var now = b.Now();
        var previews = List(b);
        var cost = Cost.PreviewCost.Of(Cost.PriceTable.Load(Cost.PriceTable.PathFor(b.Settings.RepoRoot, b.Settings.Region)), b.Settings.Environment);
        b.Log.Information($"{previews.Count} preview(s) of {b.Names.Env} (cap {b.Settings.PreviewCap}); each ~${cost.PerDay:0.00}/day " +
                          $"(${cost.PerMonth:0.00}/month: {cost.NodeShare:0.##} of a Spot {cost.NodeType} node, its quota's share):");
        foreach (var p in previews)
        {
            var age = p.Created is { } c ? Backoff(now - c) : "?";
            b.Log.Information($"  {p.Name.Id,-12} {p.Name.Namespace}  owner {p.Owner ?? "?"}  age {age}  expires {Show(p.Expires)}" +
                              (p.ExpiredAt(now) ? " (EXPIRED)" : "") + (p.Terminating ? " (being deleted)" : ""));
            b.Log.Information($"    {PreviewRoute.Url(b, p.Name, p.Slot)}");
            b.Log.Information($"    images {p.Images ?? "?"}");
        }
        b.Report.Add(TaskNames.Previews, StepOutcome.Checked, $"{previews.Count} preview(s); {previews.Count(p => p.ExpiredAt(now))} expired");
    }

    /// <summary>Removes every expired preview, and namespaces labelled as previews that carry no record (an interrupted first deploy).</summary>
    public static void Sweep(BuildContext b)
    {
        var now = b.Now();
        var previews = List(b);
        var doomed = previews.Where(p => p.ExpiredAt(now) || p.Expires is null || p.Terminating).ToList();
        foreach (var p in doomed)
        {
            var why = p.Terminating ? "interrupted destroy" : p.Expires is null ? "no record (orphan)" : $"expired {Show(p.Expires)}";
            b.Log.Information($"Preview {p.Name}: {why}");
            DestroyOne(b, p.Name, p);
        }
        // Databases or topics whose namespace is gone (a deep sleep took the namespaces, or someone deleted one by hand): they go too.
        var orphans = OrphanStores(b, previews);
        foreach (var orphan in orphans)
        {
            b.Log.Information($"Preview {orphan}: database {orphan.Database} or topics {orphan.TopicPrefix}* without a namespace (orphan)");
            DestroyOne(b, orphan, null);
        }
        // Routes of none of the previews above (their namespace deleted by hand, a destroy interrupted after the namespace went).
        var orphanRoutes = PreviewRoute.Orphans(b, previews.Select(p => p.Name).Concat(orphans).ToArray());
        foreach (var orphan in orphanRoutes)
        {
            b.Log.Information($"Preview {orphan}: route {orphan.RoutePattern} without a namespace (orphan)");
            PreviewRoute.Remove(b, orphan);
        }
        var removed = doomed.Select(p => p.Name.Id).Concat(orphans.Select(o => o.Id)).Concat(orphanRoutes.Select(o => o.Id + " (route)")).ToArray();
        b.Report.Add(TaskNames.SweepPreviews, removed.Length > 0 ? StepOutcome.Changed : StepOutcome.Unchanged,
            removed.Length > 0 ? $"removed {removed.Length} preview(s): {string.Join(", ", removed)}"
                : $"{previews.Count} preview(s), none expired, no orphaned database, topics or route");
    }

    /// <summary>The preview databases on RDS and the preview topics on the broker (the checker's list mode) that belong to no preview namespace.</summary>
    private static IReadOnlyList<PreviewName> OrphanStores(BuildContext b, IReadOnlyList<PreviewRecord> previews)
    {
        var config = b.Settings.Environment;
        var listed = CheckerJob.Run(b, new CheckerJobSpec(b.Names.Namespace, Patches: PreviewManifests.ListPatches(),
            SecretManifests: PreviewManifests.ListSecret(b.Names.Namespace, config.KafkaTopics, config.Of<KafkaConfig>().Partitions),
            DeleteAfter: PreviewProvisioning.ListSecretName,
            What: "Preview databases and topics on the shared instances", Rerun: $"./build.sh --target={TaskNames.SweepPreviews}"));
        if (listed.Result is { Passed: false } failed)
            throw new PreviewRefusedException($"Could not list the preview databases and topics: {failed.Message}\n" +
                                              $"Rerun: ./build.sh --target={TaskNames.SweepPreviews}");
        string? Line(string check) => listed.Checks.FirstOrDefault(c => c.Check == check)?.Detail;
        return OrphansOf(b.Names.Env, Line(ConnectivityCheck.Mysql), previews)
            .Concat(TopicOrphansOf(b.Names.Env, Line(ConnectivityCheck.Kafka), config.KafkaTopics, previews)).Distinct().ToArray();
    }

    /// <summary>The previews named by the list mode's line whose namespace is not among <paramref name="previews"/>.</summary>
    internal static IReadOnlyList<PreviewName> OrphansOf(string env, string? line, IReadOnlyList<PreviewRecord> previews)
    {
        if (line is null || !line.StartsWith(PreviewProvisioning.ListedDatabases, StringComparison.Ordinal)) return [];
        var known = previews.Select(p => p.Name).ToHashSet();
        return line[PreviewProvisioning.ListedDatabases.Length..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => PreviewName.FromDatabase(env, d)).OfType<PreviewName>().Where(n => !known.Contains(n)).ToArray();
    }

    /// <summary>
    /// The previews whose topics the list mode's Kafka line names (a preview's prefix and a main topic, exactly) and whose namespace is not
    /// among <paramref name="previews"/>; topics of other shapes (somebody else's) are not a preview's.
    /// </summary>
    internal static IReadOnlyList<PreviewName> TopicOrphansOf(string env, string? line, IReadOnlyList<string> mainTopics,
        IReadOnlyList<PreviewRecord> previews)
    {
        if (line is null || !line.StartsWith(PreviewProvisioning.ListedTopics, StringComparison.Ordinal)) return [];
        var known = previews.Select(p => p.Name).ToHashSet();
        return line[PreviewProvisioning.ListedTopics.Length..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(topic => topic.Split('.', 2))
            .Where(parts => parts.Length == 2 && mainTopics.Contains(parts[1]))
            .Select(parts => PreviewName.FromNamespace(env, $"exchange-{env}-{parts[0]}")).OfType<PreviewName>()
            .Where(n => !known.Contains(n)).Distinct().ToArray();
    }

    /// <summary>The sweep inside FollowSchedule: a failure is a warning (the wake-up itself worked), never the run's failure.</summary>
    public static void SweepQuietly(BuildContext b)
    {
        try { Sweep(b); }
        catch (Exception e) when (e is CommandFailedException or CommandTimeoutException or PreviewRefusedException or CheckerJobException
                                      or InvalidOperationException)
        {
            b.Log.Warning($"The preview sweep did not finish ({e.Message.Split('\n')[0]}); run ./build.sh --target={TaskNames.SweepPreviews}.");
        }
    }

    /// <summary>Whether a provisioning line reports a change (the checker's provisioning mode starts every change with its verb).</summary>
    internal static bool Changed(string detail) =>
        detail.Split("; ").Any(part => ChangeVerbs.Any(v => part.StartsWith(v + " ", StringComparison.Ordinal)
                                                            || part.Contains($": {v} ", StringComparison.Ordinal)));

    private static readonly string[] ChangeVerbs = ["created", "granted", "set", "dropped", "deleted", "removed"];

    private static string Show(DateTimeOffset? time) => time is { } t ? PreviewManifests.Time(t) : "never recorded";

    private static string Backoff(TimeSpan span) => span.TotalDays >= 1 ? $"{span.TotalDays:F1}d" : span.TotalHours >= 1 ? $"{span.TotalHours:F0}h"
        : $"{Math.Max(0, span.TotalMinutes):F0}m";

    private static string Render(BuildContext b, IReadOnlyCollection<ImageOverride> images, PreviewName preview, int slot)
    {
        var layer = Path.Combine(Path.GetTempPath(), $"exchange-layer-{Guid.NewGuid():N}");
        try
        {
            var rendered = b.Kubectl.Render(KustomizeImageLayer.Write(layer, b.Settings.OverlayDir, images,
                new LayerOptions(preview.Namespace, Patches: PreviewManifests.OverlayPatches(slot))));
            // The overlay's Namespace object (renamed by the layer) would overwrite the preview's record: the namespace is ours.
            return string.Concat(ManifestDocuments.Parse(rendered).Where(d => d.Kind != "Namespace").Select(d => "---\n" + d.Text));
        }
        finally
        {
            if (Directory.Exists(layer)) Directory.Delete(layer, recursive: true);
        }
    }

    /// <summary>Applies plain manifests or Secrets (on stdin, masked); true when kubectl created or configured anything.</summary>
    private static bool Apply(BuildContext b, string context, string? text, string? secret, PreviewName preview)
    {
        var output = b.Kubectl.Run(context, b.Kubectl.ApplyCommand(context), new ProcessOptions
        {
            StandardInputText = text,
            StandardInput = secret is null ? null : new Processes.Secret(secret, b.Redactor),
            FailureHint = $"fix the cause above, then rerun: {RerunDeploy(preview)}",
        }).StandardOutput;
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries)) b.Log.Information("  kubectl | " + line);
        return ApplyResult.Parse(output).AnyChanged;
    }
}
