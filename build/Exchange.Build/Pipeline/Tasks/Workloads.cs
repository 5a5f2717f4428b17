using System.Text.Json;
using Exchange.Build.Aws;
using Exchange.Build.Images;
using Exchange.Build.Kubernetes;
using Exchange.Build.Processes;
using Exchange.Build.Verification;
using Exchange.Contracts;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>Secrets, ApplyK8s and Verify: what runs on the cluster.</summary>
public static class Workloads
{
    public static string AppliedManifestFile(BuildContext b) => Path.Combine(b.Settings.ArtifactsDir, "applied-manifests.yaml");

    public static void Secrets(BuildContext b)
    {
        // Every key of every secret from its source in the Contracts value table.
        var resolver = ClusterValueResolver.For(b);
        var values = KubernetesSecrets.All.ToDictionary(d => d, d => resolver.Resolve(d.Values));

        // The namespace object comes from the overlay itself, so this apply and ApplyK8s's agree on it.
        var ns = ManifestDocuments.Parse(b.Kubectl.Render(b.Settings.OverlayDir)).FirstOrDefault(d => d.Kind == "Namespace")
                 ?? throw new InvalidOperationException($"The overlay {b.Settings.OverlayDir} defines no Namespace.");
        var stream = new Secret(ns.Text + SecretManifests.Build(b.Names.Namespace, values), b.Redactor);
        var result = Apply(b, new ProcessOptions { StandardInput = stream }, "Secrets");
        b.Report.Add(TaskNames.Secrets, result.AnyChanged ? StepOutcome.Changed : StepOutcome.Unchanged, result.Describe());
    }

    /// <summary>
    /// The pushed references of <paramref name="images"/> from artifacts/&lt;env&gt;/images.json, each checked to be in ECR
    /// (a tag that was built but never pushed would only show up as ImagePullBackOff minutes later).
    /// </summary>
    public static ImageOverride[] PushedImages(BuildContext b, IEnumerable<ContainerImage> images)
    {
        b.Artifacts.Fetch(b.Settings.ImagesFile); // pushed from another machine: its images.json is in the artifacts bucket
        var manifest = ImageManifest.Load(b.Settings.ImagesFile);
        return images.Select(w =>
        {
            if (manifest.Images.GetValueOrDefault(w.Name) is not { Repository: { } repository } record)
                throw new InvalidOperationException($"No pushed image for '{w.Name}' in {b.Settings.ImagesFile}. Run --target=PushImages " +
                                                    "(with --exclusive after BuildImages; nothing is rebuilt or pushed when unchanged).");
            if (!b.Aws.ImageTagExists(DeploymentOutputs.RepositoryNameOf(repository), record.Tag))
                throw new InvalidOperationException($"{record.RemoteReference} is not in ECR. Run --target=PushImages first.");
            return new ImageOverride(record.Name, repository, record.Tag);
        }).ToArray();
    }

    public static void ApplyK8s(BuildContext b)
    {
        var images = PushedImages(b, ContainerImages.Workloads);
        // The overlay with the pushed images, and the ConfigMap of the value table's non-secret entries.
        var configMap = EnvironmentConfigMap.Definition;
        var rendered = RenderWithImages(b, images)
                       + SecretManifests.ConfigMap(b.Names.Namespace, configMap, ClusterValueResolver.For(b).Resolve(configMap.Values));
        Directory.CreateDirectory(b.Settings.ArtifactsDir);
        Files.AtomicFile.WriteAllText(AppliedManifestFile(b), rendered); // no secrets: those are applied by the Secrets task only
        foreach (var image in images) b.Log.Information($"  image {image.Name} -> {image.Reference}");
        var result = Apply(b, new ProcessOptions { StandardInputText = rendered }, "ApplyK8s");
        b.Report.Add(TaskNames.ApplyK8s, result.AnyChanged ? StepOutcome.Changed : StepOutcome.Unchanged, result.Describe());
        BackendTargets.Announce(b); // the summary's last lines: the backend's URL and who may call it
    }

    /// <summary>The overlay rendered with these images, through a throw-away kustomize layer.</summary>
    public static string RenderWithImages(BuildContext b, IReadOnlyCollection<ImageOverride> images)
    {
        var layer = Path.Combine(Path.GetTempPath(), $"exchange-layer-{Guid.NewGuid():N}");
        try
        {
            return b.Kubectl.Render(KustomizeImageLayer.Write(layer, b.Settings.OverlayDir, images));
        }
        finally
        {
            if (Directory.Exists(layer))
            {
                Directory.Delete(layer, recursive: true);
                b.NoteCleanup("removed the temporary kustomize layer");
            }
        }
    }

    private static ApplyResult Apply(BuildContext b, ProcessOptions input, string what)
    {
        var context = b.ClusterContext;
        var output = b.Kubectl.Run(context, b.Kubectl.ApplyCommand(context), input with
        {
            FailureHint = $"fix the cause above, then rerun just this step: ./build.sh --target={what} --exclusive",
        }).StandardOutput;
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries)) b.Log.Information("  kubectl | " + line);
        return ApplyResult.Parse(output);
    }

    /// <summary>
    /// The Verify target: the rollouts, then the connectivity check Job (<see cref="CheckerJob"/>), then the design document's
    /// checklist (<see cref="Checklist"/>), one line per item; the result is recorded for Status. Fails on the first item that did
    /// not pass, with the connectivity check's own message when that is what failed.
    /// </summary>
    public static void Verify(BuildContext b)
    {
        var run = new VerifyRun(b);
        Exception? stopped = null;
        var rolledOut = -1;
        try
        {
            rolledOut = WaitForRollouts(b);
            run.Checker = CheckerJob.Run(b);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            stopped = e;
            run.NoCheckerBecause = rolledOut < 0 ? "not run: the rollouts did not finish" : "the connectivity check gave no verdict (why: below)";
        }

        var results = Checklist.Evaluate(run);
        b.Log.Information("Checklist (the design document's post-deploy checks):");
        foreach (var line in Checklist.Lines(results)) b.Log.Information(line);
        var failed = results.Where(r => r.Result.Outcome != ItemOutcome.Passed).ToArray();
        var checker = run.Checker?.Result is { Passed: false } result ? $"The connectivity check failed: {result.Message}" : null;
        var failure = stopped?.Message ?? checker
            ?? (failed.Length > 0 ? $"Verify: {failed[0].Item.Name}: {failed[0].Result.Detail}" : null);
        var record = VerifyRecord.From(b.Clock.UtcNow, results, failure);
        record.Save(b.Settings.VerifyFile);
        b.Artifacts.Share(b.Settings.VerifyFile, VerifyRecord.Verdict);

        if (stopped is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(stopped).Throw();
        if (failure is not null)
            throw new VerifyFailedException($"{failure}\n{failed.Length} of {results.Count} checklist items did not pass (the lines above). " +
                                            "Fix the cause, then rerun: ./build.sh --target=Verify --exclusive");
        b.Report.Add(TaskNames.Verify, StepOutcome.Checked, $"{rolledOut} workloads rolled out; all {results.Count} checklist items passed");
    }

    /// <summary>Waits for every StatefulSet and Deployment to roll out (Verify, Resume); on failure shows pods, events and logs.</summary>
    public static int WaitForRollouts(BuildContext b)
    {
        // The workloads' names do not depend on the images: without this machine's last apply, render the overlay.
        var file = AppliedManifestFile(b);
        return WaitForRollouts(b, File.Exists(file) ? File.ReadAllText(file) : b.Kubectl.Render(b.Settings.OverlayDir));
    }

    /// <summary>Waits for the StatefulSets and Deployments of <paramref name="manifests"/> (a preview's, say) to roll out.</summary>
    public static int WaitForRollouts(BuildContext b, string manifests, string rerun = "./build.sh --target=Verify --exclusive")
    {
        var workloads = ManifestDocuments.Workloads(ManifestDocuments.Parse(manifests)).ToArray();
        var context = b.ClusterContext;
        var deadline = DateTime.UtcNow + b.Settings.VerifyTimeout;
        foreach (var workload in workloads)
        {
            var ns = workload.Namespace ?? b.Names.Namespace;
            var remaining = deadline - DateTime.UtcNow;
            if (remaining < TimeSpan.FromSeconds(1)) remaining = TimeSpan.FromSeconds(1);
            var result = b.Kubectl.Run(context, b.Kubectl.RolloutStatusCommand(context, workload.Resource, ns, remaining),
                new ProcessOptions { AllowFailure = true, Timeout = remaining + TimeSpan.FromSeconds(30) });
            if (!result.Succeeded)
            {
                Diagnose(b, context, ns, workload);
                throw new InvalidOperationException(
                    $"{workload.Resource} did not roll out within {b.Settings.VerifyTimeout.TotalSeconds:F0}s: " +
                        $"{ProcessRunner.Tail(result.StandardError, 3)}\n" +
                    $"The pods, events and logs above show why. Fix it and rerun: {rerun}");
            }
            b.Log.Information($"  {workload.Resource}: {result.StandardOutput.Trim().Split('\n').Last()}");
        }
        return workloads.Length;
    }

    /// <summary>What a person needs to see when a rollout fails: pods, recent events, the last log lines.</summary>
    private static void Diagnose(BuildContext b, string context, string ns, ManifestDocument workload)
    {
        // Apps sometimes log their configuration: make sure the database password is masked in what follows.
        try { b.Aws.GetSecretString(b.Names.DbSecretName); }
        catch (Exception e) when (e is CommandFailedException or InvalidOperationException)
        {
            b.Log.Verbose("Could not read the DB secret to mask it: " + e.Message);
        }
        var commands = new[]
        {
            b.Kubectl.ClusterCommand(context, "get", "pods", "--namespace", ns, "-o", "wide"),
            b.Kubectl.ClusterCommand(context, "get", "events", "--namespace", ns, "--sort-by=.lastTimestamp"),
            b.Kubectl.ClusterCommand(context, "logs", workload.Resource, "--namespace", ns, "--all-containers", "--tail=40"),
        };
        foreach (var command in commands)
        {
            var result = b.Runner.Run(command, new ProcessOptions { AllowFailure = true, Timeout = TimeSpan.FromSeconds(60) });
            b.Log.Error($"$ {command.RenderSafe(b.Redactor)}");
            foreach (var line in (result.StandardOutput + result.StandardError).Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(40))
                b.Log.Error("  " + line);
        }
    }
}
