using Exchange.Build.Aws;
using Exchange.Build.Images;
using Exchange.Build.Logging;
using Exchange.Build.Processes;
using Exchange.Build.Tools;
using Exchange.Contracts;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>BuildImages and PushImages: the engine (Dockerfile.shard) and the backend, tagged from their sources.</summary>
public static class Images
{
    /// <summary>The two images: kustomize name, source dir, Dockerfile, and the stack output with its repository.</summary>
    public static IReadOnlyList<(string Name, string Dir, string Dockerfile, StackOutput Repository)> Workloads(BuildContext b) =>
    [
        (WorkloadImages.MatchingEngine, b.Settings.EngineDir, b.Settings.EngineDockerfile, Outputs.MatchingEngineRepoUri),
        (WorkloadImages.Backend, b.Settings.BackendDir, b.Settings.BackendDockerfile, Outputs.BackendRepoUri),
    ];

    public static void Build(BuildContext b)
    {
        var manifest = ImageManifest.Load(b.Settings.ImagesFile);
        var platform = Platform(b);
        var records = Workloads(b).Select(w => Describe(b, w.Name, w.Dir, w.Dockerfile, manifest)).ToArray();
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
        b.Artifacts.Fetch(b.Settings.ImagesFile); // a rerun on another machine: what was built and pushed there
        var manifest = ImageManifest.Load(b.Settings.ImagesFile);
        var workloads = Workloads(b);
        var missing = workloads.Where(w => !manifest.Images.ContainsKey(w.Name)).Select(w => w.Name).ToArray();
        if (missing.Length > 0)
            throw new InvalidOperationException($"{b.Settings.ImagesFile} has no build of {string.Join(", ", missing)}. Run --target=BuildImages first.");

        var pushed = new List<string>();
        using var login = RegistryLogin.Open(b, workloads.Select(w => DeploymentOutputs.RegistryOf(b.Outputs[w.Repository])).Distinct());
        foreach (var (name, _, _, repositoryOutput) in workloads)
        {
            var record = manifest.Images[name] with { Repository = b.Outputs[repositoryOutput] };
            var remote = record.RemoteReference!;
            if (b.Aws.ImageTagExists(DeploymentOutputs.RepositoryNameOf(record.Repository), record.Tag))
            {
                b.Log.Information($"{remote} is already in the registry; not pushing it again.");
            }
            else
            {
                if (!b.Docker.LocalImageExists(record.LocalReference))
                    throw new InvalidOperationException($"{record.LocalReference} is not in the local Docker engine. Run --target=BuildImages first.");
                b.Docker.Run(b.Docker.TagCommand(record.LocalReference, remote));
                var output = b.Log.Timed($"Pushing {remote}", () => b.Docker.Run(b.Docker.PushCommand(remote), login.Options with
                {
                    OnOutputLine = line => b.Log.Verbose($"  push | {line}"),
                    FailureHint = "check that the repository exists (DeployInfra) and that the login above succeeded",
                })).StandardOutput;
                record = record with { Digest = DockerCli.DigestFromPushOutput(output) };
                b.Log.Information($"Pushed {remote}{(record.Digest is null ? "" : $" ({record.Digest})")}");
                pushed.Add(remote);
            }
            manifest.Images[name] = record;
        }
        manifest.Save(b.Settings.ImagesFile);
        b.Artifacts.Share(b.Settings.ImagesFile);
        b.Report.Add(TaskNames.PushImages, pushed.Count == 0 ? StepOutcome.Unchanged : StepOutcome.Changed,
            pushed.Count == 0 ? "all images already in the registry" : $"pushed {string.Join(", ", pushed)}");
    }
}
