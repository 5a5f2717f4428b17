using Exchange.Build.Aws;
using Exchange.Build.Images;
using Exchange.Build.Logging;
using Exchange.Build.Processes;
using Exchange.Build.Tools;
using Exchange.Contracts;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>
/// BuildImages and PushImages: every image of <see cref="ContainerImages"/> (the engine from Dockerfile.shard, the backend, the
/// connectivity checker), tagged from their sources.
/// </summary>
public static class Images
{
    /// <summary>Every image with the build context and Dockerfile it is built from.</summary>
    public static IReadOnlyList<(ContainerImage Image, string Dir, string Dockerfile)> All(BuildContext b) =>
        ContainerImages.All.Select(i => Source(b, i)).ToArray();

    private static (ContainerImage, string, string) Source(BuildContext b, ContainerImage image) =>
        image == ContainerImages.MatchingEngine ? (image, b.Settings.EngineDir, b.Settings.EngineDockerfile)
        : image == ContainerImages.Backend ? (image, b.Settings.BackendDir, b.Settings.BackendDockerfile)
        : image == ContainerImages.Checker ? (image, b.Settings.CheckerDir, b.Settings.CheckerDockerfile)
        : throw new InvalidOperationException($"Image '{image.Name}' has no build context: add its folder and Dockerfile to Images.Source " +
                                              "(and an option to PipelineSettings).");

    public static void Build(BuildContext b)
    {
        var manifest = ImageManifest.Load(b.Settings.ImagesFile);
        var platform = Platform(b);
        var records = All(b).Select(w => Describe(b, w.Image.Name, w.Dir, w.Dockerfile, manifest)).ToArray();
        var toBuild = records.Where(r => b.Docker.ImagePlatform(r.LocalReference) != platform).ToArray();
        foreach (var r in records.Except(toBuild))
            b.Log.Information($"{r.LocalReference} already built for {platform} ({r.TagSource}); not building again.");

        // Both builds at once: the engine and the backend share nothing, and each mostly waits on I/O.
        Parallel.ForEach(toBuild, new ParallelOptions { MaxDegreeOfParallelism = 2 }, r =>
        {
            var labels = new Dictionary<string, string>
            {
                ["org.opencontainers.image.version"] = r.Tag,
                ["org.opencontainers.image.title"] = r.Name,
            };
            b.Log.Timed($"Building {r.LocalReference} for {platform} from {r.SourceDir} ({Path.GetFileName(r.Dockerfile)}, tag from {r.TagSource})", () =>
            b.Docker.Run(b.Docker.BuildCommand(r.SourceDir, r.Dockerfile, r.LocalReference, platform, labels), new ProcessOptions
            {
                OnOutputLine = line => b.Log.Verbose($"  {r.Name} | {line}"),
                OnErrorLine = line => b.Log.Verbose($"  {r.Name} | {line}"),
                FailureHint = $"fix the build of {r.Dockerfile}; try `docker build --platform {platform} -f {r.Dockerfile} {r.SourceDir}` by hand",
            }));
        });
        // A builder that ignores --platform (the classic builder on FROM scratch) would push images every pod
        // fails to start ("exec format error"): refuse them here.
        foreach (var r in toBuild)
            if (b.Docker.ImagePlatform(r.LocalReference) is { } got && got != platform)
                throw new InvalidOperationException($"{r.LocalReference} came out {got}, but the nodes " +
                                                    $"({string.Join(", ", b.Settings.Environment.Of<EksConfig>().NodeInstanceTypes)}) " +
                                                    $"run {platform}. Build with BuildKit (install docker-buildx; for RUN steps of another CPU also QEMU: " +
                                                    "docker run --privileged --rm tonistiigi/binfmt --install all), then rerun --target=BuildImages.");

        // A new tag has not been pushed anywhere yet: keep the pushed reference only for an unchanged tag.
        foreach (var r in records)
            manifest.Images[r.Name] = manifest.Images.GetValueOrDefault(r.Name) is { } earlier && earlier.Tag == r.Tag
                ? r with { Repository = earlier.Repository, Digest = earlier.Digest }
                : r;
        manifest.Save(b.Settings.ImagesFile);
        b.Report.Add(TaskNames.BuildImages, toBuild.Length == 0 ? StepOutcome.Unchanged : StepOutcome.Changed,
            toBuild.Length == 0 ? $"{records.Length} images already built" : $"built {string.Join(", ", toBuild.Select(r => r.LocalReference))}");
    }

    /// <summary>The platform the nodes run, from their instance types (the definition the CDK app picks the AMI type from).</summary>
    public static string Platform(BuildContext b) => b.Settings.Environment.Of<EksConfig>().NodeArchitecture.ImagePlatform();

    private static ImageRecord Describe(BuildContext b, string name, string dir, string dockerfile, ImageManifest manifest)
    {
        var tag = b.Settings.ImageTag is { } fixedTag
            ? new DerivedTag(fixedTag, "--image-tag")
            : b.Tagger.Derive(dir, dockerfile);
        return new ImageRecord { Name = name, SourceDir = dir, Dockerfile = dockerfile, Tag = tag.Tag, TagSource = tag.Source };
    }

    public static void Push(BuildContext b)
    {
        var early = b.EarlyPush; // DeployInfra pushed them while the stacks deployed
        var pushed = early ?? PushAll(b, o => b.Outputs[o], default);
        b.Artifacts.Share(b.Settings.ImagesFile);
        b.Report.Add(TaskNames.PushImages, pushed.Count == 0 ? StepOutcome.Unchanged : StepOutcome.Changed,
            (pushed.Count == 0 ? "all images already in the registry" : $"pushed {string.Join(", ", pushed)}") +
            (early is null ? "" : " (while the stacks deployed)"));
    }

    /// <summary>
    /// Pushes the images ECR lacks to the repositories <paramref name="output"/> names (DeployInfra passes those of the Ecr stack it just
    /// deployed, before the outputs file is written) and records them in images.json; returns what it pushed. <paramref name="stop"/>
    /// stops a push under way (the deploy beside it failed).
    /// </summary>
    public static IReadOnlyList<string> PushAll(BuildContext b, Func<StackOutput, string> output, CancellationToken stop)
    {
        b.Artifacts.Fetch(b.Settings.ImagesFile); // a rerun on another machine: what was built and pushed there
        var manifest = ImageManifest.Load(b.Settings.ImagesFile);
        var images = All(b);
        var missing = images.Where(w => !manifest.Images.ContainsKey(w.Image.Name)).Select(w => w.Image.Name).ToArray();
        if (missing.Length > 0)
            throw new InvalidOperationException($"{b.Settings.ImagesFile} has no build of {string.Join(", ", missing)}. Run --target=BuildImages first.");

        var pushed = new List<string>();
        // What ECR holds already is asked first: a run with nothing to push never logs in.
        var records = images.Select(w => manifest.Images[w.Image.Name] with { Repository = output(w.Image.RepositoryUri) }).ToArray();
        var toPush = records.Where(r => !b.Aws.ImageTagExists(DeploymentOutputs.RepositoryNameOf(r.Repository!), r.Tag)).ToArray();
        foreach (var record in records.Except(toPush))
        {
            b.Log.Information($"{record.RemoteReference} is already in the registry; not pushing it again.");
            manifest.Images[record.Name] = record;
        }
        if (toPush.Length > 0)
        {
            using var login = RegistryLogin.Open(b, toPush.Select(r => DeploymentOutputs.RegistryOf(r.Repository!)).Distinct());
            foreach (var unpushed in toPush)
            {
                if (stop.IsCancellationRequested) throw new ProcessStoppedException($"docker push {unpushed.RemoteReference}");
                var record = unpushed;
                var remote = record.RemoteReference!;
                if (!b.Docker.LocalImageExists(record.LocalReference))
                    throw new InvalidOperationException($"{record.LocalReference} is not in the local Docker engine. Run --target=BuildImages first.");
                b.Docker.Run(b.Docker.TagCommand(record.LocalReference, remote));
                var said = b.Log.Timed($"Pushing {remote}", () => b.Docker.Run(b.Docker.PushCommand(remote), login.Options with
                {
                    OnOutputLine = line => b.Log.Verbose($"  push | {line}"),
                    FailureHint = "check that the repository exists (DeployInfra) and that the login above succeeded",
                    Stop = stop,
                })).StandardOutput;
                record = record with { Digest = DockerCli.DigestFromPushOutput(said) };
                b.Log.Information($"Pushed {remote}{(record.Digest is null ? "" : $" ({record.Digest})")}");
                pushed.Add(remote);
                manifest.Images[record.Name] = record;
            }
        }
        manifest.Save(b.Settings.ImagesFile);
        return pushed;
    }
}
