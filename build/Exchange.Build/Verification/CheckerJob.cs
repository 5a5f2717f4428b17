using System.Security.Cryptography;
using System.Text.Json;
using Exchange.Build.Kubernetes;
using Exchange.Build.Operations;
using Exchange.Build.Pipeline.Tasks;
using Exchange.Build.Processes;
using Exchange.Contracts;

namespace Exchange.Build.Verification;

/// <summary>A Job's state as <c>kubectl get job -o json</c> shows it: finished (Complete or Failed, and why) or still going.</summary>
public sealed record JobState(bool Complete, bool Failed, int Active, int Ready, string? Reason, string? Message)
{
    public bool Finished => Complete || Failed;

    public override string ToString() => Complete ? "complete"
        : Failed ? $"failed ({Reason}{(Message is null ? "" : $": {Message}")})"
        : Active == 0 ? "created, no pod yet"
        : Ready > 0 ? "running" : "pod starting (image pull, scheduling)";

    public static JobState Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var status = document.RootElement.TryGetProperty("status", out var s) ? s : default;
        int Count(string name) => status.ValueKind == JsonValueKind.Object && status.TryGetProperty(name, out var n) && n.TryGetInt32(out var v) ? v : 0;
        JsonElement? Condition(string type) => status.ValueKind == JsonValueKind.Object && status.TryGetProperty("conditions", out var c)
            ? c.EnumerateArray().Where(x => x.GetProperty("type").GetString() == type && x.GetProperty("status").GetString() == "True")
                .Select(x => (JsonElement?)x).FirstOrDefault()
            : null;
        var failed = Condition("Failed");
        return new JobState(Condition("Complete") is not null, failed is not null, Count("active"), Count("ready"),
            failed?.TryGetProperty("reason", out var r) == true ? r.GetString() : null,
            failed?.TryGetProperty("message", out var m) == true ? m.GetString() : null);
    }
}

/// <summary>
/// The connectivity check as a Job in the environment's namespace (k8s/checker, src/Exchange.Checker): a leftover of an earlier
/// run is deleted, the Job is applied under a name of its own with the pushed image and the ConfigMap of what it expects,
/// waited for with progress, its output shown, and deleted again whatever happened (a failed check, a timeout, Ctrl-C).
/// </summary>
public static partial class CheckerJob
{
    /// <summary>Every run's Job carries this label value, so leftovers are found by it.</summary>
    public static string Selector => $"app.kubernetes.io/name={ConnectivityCheck.ImageName}";

    /// <summary>What the check printed, or why it printed nothing useful (<see cref="CheckerJobException"/>).</summary>
    public static CheckReport Run(BuildContext b) => Run(b, new CheckerJobSpec(b.Names.Namespace));

    /// <summary>
    /// The checker's Job as <paramref name="spec"/> says: Verify's (the defaults), a preview's check in its namespace, or the
    /// provisioning Job that creates or drops a preview's stores (its Secret applied on stdin with the Job, deleted after it).
    /// </summary>
    public static CheckReport Run(BuildContext b, CheckerJobSpec spec)
    {
        var context = b.ClusterContext;
        var ns = spec.Namespace;
        var image = Workloads.PushedImages(b, [ContainerImages.Checker]).Single();

        // A Job an interrupted or killed run left behind: gone before this one starts.
        var leftovers = b.Kubectl.Run(context, b.Kubectl.ClusterCommand(context, "delete", "job", "--selector", Selector, "--namespace", ns,
            "--ignore-not-found"), new ProcessOptions { Timeout = TimeSpan.FromMinutes(2) }).StandardOutput;
        foreach (var line in leftovers.Split('\n', StringSplitOptions.RemoveEmptyEntries)) b.Log.Information($"  leftover of an earlier run: {line}");

        // A name of its own (the time and a random part): never one a leftover of an earlier run still has.
        var suffix = $"-{b.Clock.UtcNow:yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2))}";
        var name = ConnectivityCheck.ImageName + suffix;
        var expected = CheckerConfigMap.Definition;
        var manifests = Render(b, image, suffix, ns, spec.Patches)
                        + SecretManifests.ConfigMap(ns, expected, spec.Expected ?? ClusterValueResolver.For(b).Resolve(expected.Values));
        b.Log.Information($"{spec.What}: Job {name} ({image.Reference}) in {ns}");
        try
        {
            var applied = b.Kubectl.Run(context, b.Kubectl.ApplyCommand(context), new ProcessOptions
            {
                StandardInputText = spec.SecretManifests.Length == 0 ? manifests : null,
                StandardInput = spec.SecretManifests.Length == 0 ? null : new Processes.Secret(manifests + spec.SecretManifests, b.Redactor),
                FailureHint = $"fix the cause above, then rerun: {spec.Rerun}",
            }).StandardOutput;
            foreach (var line in applied.Split('\n', StringSplitOptions.RemoveEmptyEntries)) b.Log.Information("  kubectl | " + line);

            var get = b.Kubectl.ClusterCommand(context, "get", "job", name, "--namespace", ns, "-o", "json");
            var wait = b.Waits.For($"the connectivity check Job {name} to finish", () =>
            {
                var result = b.Kubectl.Run(context, get, new ProcessOptions { AllowFailure = true, Timeout = TimeSpan.FromMinutes(1) });
                return result.Succeeded ? JobState.Parse(result.StandardOutput) : null;
            }, s => s?.Finished == true, s => s?.ToString() ?? "the cluster did not answer", b.Settings.VerifyTimeout, get.RenderSafe(),
                Settings.ArgumentNames.VerifyTimeout);

            // The checker never prints a secret; the password is masked all the same, as for every pod log Verify shows.
            MaskDatabasePassword(b);
            var logs = b.Kubectl.Run(context, b.Kubectl.ClusterCommand(context, "logs", $"job/{name}", "--namespace", ns),
                new ProcessOptions { AllowFailure = true, Timeout = TimeSpan.FromMinutes(1) });
            var output = b.Redactor.Redact(logs.StandardOutput);
            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries)) b.Log.Information("  checker | " + line);
            var report = CheckReport.Parse(output);

            if (!wait.Done)
            {
                Diagnose(b, context, ns, name);
                throw new CheckerJobException($"The connectivity check Job {name} did not finish within " +
                    $"{Backoff.Format(b.Settings.VerifyTimeout)} (--{Settings.ArgumentNames.VerifyTimeout}); it was {wait.LastState}. Its pod and " +
                    "events are above (an image that cannot be pulled, a missing secret or ConfigMap, no node with room). Rerun: " +
                    spec.Rerun);
            }
            if (report.Result is null)
            {
                Diagnose(b, context, ns, name);
                throw new CheckerJobException($"The connectivity check Job {name} {wait.LastState} without printing a result " +
                    $"({(logs.Succeeded ? "its log is above" : "no log: " + ProcessRunner.Tail(b.Redactor.Redact(logs.StandardError), 2))}). " +
                    $"Its pod and events are above. Rerun: {spec.Rerun}");
            }
            return report;
        }
        finally
        {
            Delete(b, context, ns, name);
            if (spec.DeleteAfter is { } secret) DeleteSecret(b, context, ns, secret);
        }
    }

    /// <summary>The Job through the image layer: the environment's namespace, this run's name suffix, the pushed image.</summary>
    public static string Render(BuildContext b, ImageOverride image, string suffix, string? ns = null, IReadOnlyList<LayerPatch>? patches = null)
    {
        var layer = Path.Combine(Path.GetTempPath(), $"exchange-layer-{Guid.NewGuid():N}");
        try
        {
            return b.Kubectl.Render(KustomizeImageLayer.Write(layer, b.Settings.CheckerJobDir, [image],
                new LayerOptions(ns ?? b.Names.Namespace, suffix, patches)));
        }
        finally
        {
            if (Directory.Exists(layer)) Directory.Delete(layer, recursive: true);
        }
    }

    /// <summary>Deletes the Job and its pod; runs after an interruption too (a Ctrl-C stops the wait, not the cleanup).</summary>
    private static void Delete(BuildContext b, string context, string ns, string name)
    {
        var command = b.Kubectl.ClusterCommand(context, "delete", "job", name, "--namespace", ns, "--ignore-not-found", "--wait=false");
        try
        {
            var result = b.CleanupRunner.Run(command, new ProcessOptions { AllowFailure = true, Timeout = TimeSpan.FromSeconds(60) });
            if (result.Succeeded) b.Log.Information($"  deleted Job {name}");
            else b.Log.Warning($"Could not delete Job {name} ({ProcessRunner.Tail(result.StandardError, 1)}): `{command.RenderSafe(b.Redactor)}` " +
                               "deletes it; Kubernetes removes it an hour after it finished (ttlSecondsAfterFinished), and the next Verify does too.");
        }
        catch (Exception e) when (e is CommandFailedException or CommandTimeoutException)
        {
            b.Log.Warning($"Could not delete Job {name} ({e.Message.Split('\n')[0]}); the next Verify deletes it.");
        }
    }

    /// <summary>The provisioning Secret, gone whatever happened (it names the preview user's password).</summary>
    private static void DeleteSecret(BuildContext b, string context, string ns, string name)
    {
        var command = b.Kubectl.ClusterCommand(context, "delete", "secret", name, "--namespace", ns, "--ignore-not-found");
        try
        {
            var result = b.CleanupRunner.Run(command, new ProcessOptions { AllowFailure = true, Timeout = TimeSpan.FromSeconds(60) });
            if (result.Succeeded) b.Log.Information($"  deleted Secret {name}");
            else b.Log.Warning($"Could not delete Secret {name} in {ns}: `{command.RenderSafe(b.Redactor)}` deletes it.");
        }
        catch (Exception e) when (e is CommandFailedException or CommandTimeoutException)
        {
            b.Log.Warning($"Could not delete Secret {name} in {ns} ({e.Message.Split('\n')[0]}); the next DeployPreview or DestroyPreview does.");
        }
    }

    private static void MaskDatabasePassword(BuildContext b)
    {
        try { b.Aws.GetSecretString(b.Names.DbSecretName); }
        catch (Exception e) when (e is CommandFailedException or InvalidOperationException)
        {
            b.Log.Verbose("Could not read the DB secret to mask it: " + e.Message);
        }
    }

    /// <summary>The Job's pod and the namespace's recent events: why a Job did not run.</summary>
    private static void Diagnose(BuildContext b, string context, string ns, string name)
    {
        foreach (var command in new[]
                 {
                     b.Kubectl.ClusterCommand(context, "get", "pods", "--namespace", ns, "--selector", $"job-name={name}", "-o", "wide"),
                     b.Kubectl.ClusterCommand(context, "get", "events", "--namespace", ns, "--sort-by=.lastTimestamp"),
                 })
        {
            var result = b.Runner.Run(command, new ProcessOptions { AllowFailure = true, Timeout = TimeSpan.FromSeconds(60) });
            b.Log.Error($"$ {command.RenderSafe(b.Redactor)}");
            foreach (var line in (result.StandardOutput + result.StandardError).Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(20))
                b.Log.Error("  " + line);
        }
    }

    /// <summary>A Job name of one run: the image name, the time and a random part (Plan shows it as &lt;run&gt;).</summary>
    [System.Text.RegularExpressions.GeneratedRegex(ConnectivityCheck.ImageName + @"-[0-9]{8}-[0-9]{6}-[0-9a-f]{4}\b")]
    public static partial System.Text.RegularExpressions.Regex RunName();
}

/// <summary>
/// One run of the checker's Job: where (<paramref name="Namespace"/>), what it expects (<paramref name="Expected"/>: the checker
/// ConfigMap's values, default the environment's), how the Job is changed (<paramref name="Patches"/>), Secrets applied with it on
/// stdin (<paramref name="SecretManifests"/>) and the one to delete after it (<paramref name="DeleteAfter"/>), what the log calls it and
/// the command that reruns it.
/// </summary>
public sealed record CheckerJobSpec(string Namespace, IReadOnlyDictionary<string, string>? Expected = null, IReadOnlyList<LayerPatch>? Patches = null,
    string SecretManifests = "", string? DeleteAfter = null, string What = "Connectivity check",
    string Rerun = "./build.sh --target=Verify --exclusive");

/// <summary>The connectivity check Job did not produce a verdict (it never ran, or ended without its result line).</summary>
public sealed class CheckerJobException(string message) : Exception(message);
