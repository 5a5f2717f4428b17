using System.Text.Json;
using Exchange.Build.Images;
using Exchange.Build.Processes;
using Exchange.Build.Text;
using Exchange.Contracts;

namespace Exchange.Build.Verification;

public enum ItemOutcome { Passed, Failed, NotChecked }

/// <summary>One checklist item's verdict and what it saw.</summary>
public sealed record ItemResult(ItemOutcome Outcome, string Detail)
{
    public static ItemResult Passed(string detail) => new(ItemOutcome.Passed, detail);
    public static ItemResult Failed(string detail) => new(ItemOutcome.Failed, detail);
    public static ItemResult NotChecked(string detail) => new(ItemOutcome.NotChecked, detail);
}

/// <summary>An item of the checklist: its name as the summary shows it, and how Verify decides it.</summary>
public sealed record ChecklistItem(string Name, Func<VerifyRun, ItemResult> Check);

/// <summary>
/// The design document's post-deploy checklist (section 10), as code: Verify decides each item, prints one line per item with
/// its result, records them (artifacts/&lt;env&gt;/verify.json, which Status shows) and fails on the first that did not pass.
/// </summary>
public static class Checklist
{
    /// <summary>The items, in the document's order. A new item is one line here; its check gets what Verify saw (<see cref="VerifyRun"/>).</summary>
    public static IReadOnlyList<ChecklistItem> Items { get; } =
    [
        new("kubectl reaches the cluster", ClusterAnswers),
        new("the nodes are Ready", NodesReady),
        new("the RDS connection works", r => Connectivity(r, ConnectivityCheck.Mysql)),
        new("the Redis connection works", r => Connectivity(r, ConnectivityCheck.Redis)),
        new("the Kafka topics exist", r => Connectivity(r, ConnectivityCheck.Kafka)),
        new("the images in ECR are what the pods run", PodsRunPushedDigests),
        new("the pods are Running", PodsRunning),
        new("the backend's load balancer has a healthy target", Pipeline.Tasks.BackendTargets.Health),
    ];

    /// <summary>
    /// Every item decided; an item whose check throws has failed with that message. An interruption still ends the run, and so does
    /// AWS refusing the role a call (or missing credentials): that says nothing about the environment, and the step's error names the
    /// IAM action with what to do, as everywhere else.
    /// </summary>
    public static IReadOnlyList<(ChecklistItem Item, ItemResult Result)> Evaluate(VerifyRun run, IReadOnlyList<ChecklistItem>? items = null) =>
        (items ?? Items).Select(item =>
        {
            try { return (item, item.Check(run)); }
            catch (Exception e) when (e is not (OperationCanceledException or Aws.AwsCredentialsException)
                                      && e is not Aws.AwsCallException { Failure.Kind: Aws.AwsFailureKind.Permission })
            {
                return (item, ItemResult.Failed($"could not check: {e.Message.Split('\n')[0]}"));
            }
        }).ToArray();

    /// <summary>One line per item (wrapped at 120 columns): its result, its name, what was seen.</summary>
    public static IEnumerable<string> Lines(IEnumerable<(ChecklistItem Item, ItemResult Result)> results) =>
        results.SelectMany(r => ShellWrap.Prose($"{r.Item.Name}: {r.Result.Detail}", $"  {Word(r.Result.Outcome),-11} ", new string(' ', 14)));

    public static string Word(ItemOutcome outcome) => outcome switch
    {
        ItemOutcome.Passed => "ok",
        ItemOutcome.Failed => "FAILED",
        _ => "not checked",
    };

    private static ItemResult ClusterAnswers(VerifyRun run)
    {
        _ = run.Nodes; // throws with kubectl's own message when the API server does not answer
        return ItemResult.Passed($"the API server of {run.Build.Names.ClusterName} answered `kubectl get nodes` (context {run.Build.ClusterContext})");
    }

    private static ItemResult NodesReady(VerifyRun run)
    {
        var nodes = run.Nodes.GetProperty("items").EnumerateArray().Select(n => (
            Name: n.GetProperty("metadata").GetProperty("name").GetString() ?? "?",
            Ready: Condition(n, "Ready"))).ToArray();
        var notReady = nodes.Where(n => n.Ready?.Status != "True").ToArray();
        if (nodes.Length == 0) return ItemResult.Failed("the cluster has no nodes (a paused node group? ./build.sh --target=Resume)");
        return notReady.Length == 0
            ? ItemResult.Passed($"{nodes.Length} of {nodes.Length} Ready")
            : ItemResult.Failed($"{nodes.Length - notReady.Length} of {nodes.Length} Ready; " +
                                string.Join(", ", notReady.Select(n => $"{n.Name} {(n.Ready?.Reason ?? "not reporting")}")));
    }

    private static ItemResult Connectivity(VerifyRun run, string check) => run.Checker?.Of(check) is { } line
        ? line.Passed ? ItemResult.Passed($"{line.Detail} ({line.Milliseconds} ms, from inside the cluster)") : ItemResult.Failed(line.Detail)
        : ItemResult.NotChecked(run.NoCheckerBecause ?? $"the connectivity check printed no {check} line");

    /// <summary>Each workload image is in ECR under its pushed tag, and every pod of it runs exactly that digest.</summary>
    private static ItemResult PodsRunPushedDigests(VerifyRun run)
    {
        var b = run.Build;
        var manifest = ImageManifest.Load(b.Settings.ImagesFile);
        var containers = run.WorkloadPods.SelectMany(p => p.GetProperty("status").TryGetProperty("containerStatuses", out var s)
            ? s.EnumerateArray().Select(c => (Pod: Name(p), Image: c.GetProperty("image").GetString() ?? "",
                Id: c.TryGetProperty("imageID", out var id) ? id.GetString() ?? "" : ""))
            : []).ToArray();
        var seen = new List<string>();
        foreach (var image in ContainerImages.Workloads)
        {
            if (manifest.Images.GetValueOrDefault(image.Name) is not { RemoteReference: { } reference, Repository: { } repository } record)
                return ItemResult.Failed($"{b.Settings.ImagesFile} names no pushed {image.Name} (--target=PushImages)");
            var digest = b.Aws.ImageDigest(Aws.DeploymentOutputs.RepositoryNameOf(repository), record.Tag);
            if (digest is null) return ItemResult.Failed($"{reference} is not in ECR (--target=PushImages)");
            if (record.Digest is { } pushed && pushed != digest)
                return ItemResult.Failed($"ECR holds {Short(digest)} for {reference}, but {Short(pushed)} was pushed");
            var running = containers.Where(c => c.Image == reference).ToArray();
            if (running.Length == 0)
                return ItemResult.Failed($"no pod runs {reference} (pods run: {string.Join(", ", containers.Select(c => c.Image).Distinct())})");
            if (running.FirstOrDefault(c => !c.Id.EndsWith("@" + digest, StringComparison.Ordinal)) is { Pod: not null } other)
                return ItemResult.Failed($"pod {other.Pod} runs {(other.Id.Length == 0 ? "an image not pulled yet" : other.Id)}, not {Short(digest)} " +
                                         $"that ECR holds for {reference}");
            seen.Add($"{image.Name}:{record.Tag} {Short(digest)} in {running.Length} pod(s)");
        }
        var strangers = containers.Where(c => !manifest.Images.Values.Any(r => r.RemoteReference == c.Image)).ToArray();
        return strangers.Length > 0
            ? ItemResult.Failed($"pod {strangers[0].Pod} runs {strangers[0].Image}, which this pipeline did not push")
            : ItemResult.Passed(string.Join("; ", seen));
    }

    private static ItemResult PodsRunning(VerifyRun run)
    {
        var pods = run.WorkloadPods.Select(p => (Name: Name(p), Phase: p.GetProperty("status").TryGetProperty("phase", out var ph) ? ph.GetString() : null,
            Ready: Condition(p, "Ready")?.Status == "True")).ToArray();
        var notRunning = pods.Where(p => p.Phase != "Running" || !p.Ready).ToArray();
        if (pods.Length == 0) return ItemResult.Failed($"no pods in {run.Build.Names.Namespace} (--target=ApplyK8s)");
        return notRunning.Length == 0
            ? ItemResult.Passed($"{pods.Length} of {pods.Length} Running and Ready in {run.Build.Names.Namespace}")
            : ItemResult.Failed($"{pods.Length - notRunning.Length} of {pods.Length} Running and Ready; " +
                                string.Join(", ", notRunning.Select(p => $"{p.Name} {p.Phase}{(p.Ready ? "" : ", not Ready")}")));
    }

    private static string Name(JsonElement item) => item.GetProperty("metadata").GetProperty("name").GetString() ?? "?";

    private static (string? Status, string? Reason)? Condition(JsonElement item, string type) =>
        item.TryGetProperty("status", out var status) && status.TryGetProperty("conditions", out var conditions)
            ? conditions.EnumerateArray().Where(c => c.GetProperty("type").GetString() == type)
                .Select(c => ((string? Status, string? Reason)?)(c.GetProperty("status").GetString(),
                    c.TryGetProperty("reason", out var r) ? r.GetString() : null)).FirstOrDefault()
            : null;

    private static string Short(string digest) => digest.Length > 19 ? digest[..19] + "…" : digest;
}

/// <summary>
/// What Verify saw, gathered once for all items: the connectivity check's report (or why there is none), and the cluster's
/// nodes and pods (asked on first use; a cluster that does not answer fails the items that need it, with kubectl's message).
/// </summary>
public sealed class VerifyRun(BuildContext b)
{
    private JsonDocument? _nodes;
    private JsonDocument? _pods;

    public BuildContext Build { get; } = b;
    public CheckReport? Checker { get; set; }
    /// <summary>Why there is no <see cref="Checker"/> report (the rollouts failed first, the Job never finished).</summary>
    public string? NoCheckerBecause { get; set; }

    /// <summary><c>kubectl get nodes -o json</c>.</summary>
    public JsonElement Nodes => (_nodes ??= Query("get", "nodes", "-o", "json")).RootElement;

    /// <summary>The namespace's pods, less those of Jobs (the connectivity check's own pod) and those on their way out.</summary>
    public IEnumerable<JsonElement> WorkloadPods =>
        (_pods ??= Query("get", "pods", "--namespace", Build.Names.Namespace, "-o", "json")).RootElement.GetProperty("items").EnumerateArray()
        .Where(p => !p.GetProperty("metadata").TryGetProperty("deletionTimestamp", out _)
                    && !(p.GetProperty("metadata").TryGetProperty("ownerReferences", out var owners)
                         && owners.EnumerateArray().Any(o => o.GetProperty("kind").GetString() == "Job")));

    private JsonDocument Query(params string[] args)
    {
        var context = Build.ClusterContext;
        var result = Build.Kubectl.Run(context, Build.Kubectl.ClusterCommand(context, args),
            new ProcessOptions { AllowFailure = true, Timeout = TimeSpan.FromMinutes(1) });
        return result.Succeeded ? JsonDocument.Parse(result.StandardOutput)
            : throw new InvalidOperationException($"kubectl {string.Join(' ', args)}: {ProcessRunner.Tail(Build.Redactor.Redact(result.StandardError), 1)}");
    }
}
