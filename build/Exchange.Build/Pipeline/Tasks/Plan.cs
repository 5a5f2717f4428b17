using Exchange.Build.Aws;
using Exchange.Build.Kubernetes;
using Exchange.Build.Logging;
using Exchange.Build.Processes;
using Exchange.Build.Text;
using Exchange.Build.Tools;
using Exchange.Contracts;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>
/// Prints every command DeployDev would run with the current settings, built by the same code that
/// runs them, in the order Cake runs DeployDev's tasks (taken from the task graph, not a list kept
/// here). Values only AWS or the user knows (the account, the cluster ARN, absent source checkouts)
/// show as &lt;placeholders&gt;. Lines starting with # say when or with what input a command runs.
/// </summary>
public static class Plan
{
    public static void Run(BuildContext b, IReadOnlyList<string> deployDevOrder)
    {
        var steps = Ordered(Steps(b), deployDevOrder);
        b.Log.Information($"EKS API endpoint: {EksEndpointAccess.Describe(b.Settings.Environment.Of<EksConfig>().PublicAccessCidrs)}");
        b.Log.Information($"DeployDev would run, in order ({b.Settings.Environment.EnvName}, {b.Settings.Region}):");
        foreach (var (task, commands) in steps)
        {
            b.Log.Information($"  {task}");
            foreach (var command in commands)
                foreach (var line in command.StartsWith('#') ? ShellWrap.Prose(command, "    ", "    #   ") : ShellWrap.Command(command, "    "))
                    b.Log.Information(line);
        }
        b.Report.Add(TaskNames.Plan, StepOutcome.Checked,
            $"{steps.Sum(s => s.Commands.Count(c => !c.StartsWith('#')))} commands in {steps.Count} steps");
    }

    /// <summary>
    /// The steps in DeployDev's order. Every task of that order must have an entry (a task added to
    /// the graph without one fails here, not silently); tasks that only group others have none.
    /// </summary>
    public static IReadOnlyList<(string Task, IReadOnlyList<string> Commands)> Ordered(
        IReadOnlyDictionary<string, IReadOnlyList<string>> steps, IReadOnlyList<string> deployDevOrder)
    {
        var missing = deployDevOrder.Where(t => t != TaskNames.DeployDev && !steps.ContainsKey(t)).ToArray();
        if (missing.Length > 0)
            throw new InvalidOperationException($"Plan does not know what {string.Join(", ", missing)} would run: add it to Plan.Steps.");
        var unused = steps.Keys.Where(k => !deployDevOrder.Contains(k)).ToArray();
        if (unused.Length > 0)
            throw new InvalidOperationException($"Plan describes {string.Join(", ", unused)}, which DeployDev does not run: remove it from Plan.Steps.");
        return deployDevOrder.Where(steps.ContainsKey).Select(t => (t, steps[t])).ToArray();
    }

    /// <summary>What each task DeployDev runs would run, keyed by task (in no particular order).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Steps(BuildContext b)
    {
        var s = b.Settings;
        var tools = new ToolResolver(b.Environment, s.RepoRoot, () => TaskNames.Plan, lenient: true);
        var runner = new ProcessRunner(b.Redactor, new MemoryLog());
        var aws = new AwsCli(runner, tools, b.Redactor, s.Region);
        var cdk = new CdkCli(runner, tools);
        var docker = new DockerCli(runner, tools);
        var kubectl = new KubectlCli(runner, tools);
        var account = s.Account ?? "<account>";
        var registry = $"{account}.dkr.ecr.{s.Region}.amazonaws.com";
        var clusterArn = $"arn:aws:eks:{s.Region}:{account}:cluster/{b.Names.ClusterName}";
        string Show(CommandLine c) => c.RenderSafe(b.Redactor);
        var steps = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);

        steps[TaskNames.Doctor] = ["# versions of " + string.Join(", ", Doctor.Tools.Select(t => ToolResolver.Specs[t].Command)),
            Show(aws.CallerIdentityCommand())];
        var context = new SortedDictionary<string, string>(StringComparer.Ordinal)
            { [ContextKeys.Env] = s.Environment.EnvName, [ContextKeys.Account] = account, [ContextKeys.AdminPrincipalArn] = "<your role ARN>" };
        if (s.EksPublicCidrsOverride is { } cidrs) context[ContextKeys.EksPublicAccessCidrs] = EksEndpointAccess.Format(cidrs);
        steps[TaskNames.Synth] =
        [
            "# without --admin-principal, for an assumed-role session: its role ARN, path included",
            Show(aws.GetRoleCommand("<role of your session>")),
            "# in infra/, unless the cloud assembly is up to date",
            Show(cdk.SynthCommand(s.CdkOutDir, context)),
        ];
        steps[TaskNames.Bootstrap] =
        [
            Show(aws.DescribeStackCommand(DeployInfra.ToolkitStack)),
            $"# only when {DeployInfra.ToolkitStack} is missing:",
            Show(cdk.BootstrapCommand(account, s.Region, s.CdkOutDir)),
        ];
        var bucket = b.Names.Bucket(EnvironmentNames.ArtifactsPurpose, account, s.Region);
        string Share(string file) => Show(aws.PutObjectCommand(bucket, ArtifactStore.Key(file), file));
        string Fetch(string file) => Show(aws.GetObjectCommand(bucket, ArtifactStore.Key(file), file + ".download"));
        steps[TaskNames.DeployInfra] =
        [
            Show(aws.DescribeSecretCommand(b.Names.DbSecretName)),
            $"# while {b.Names.Stack(StackKind.Eks)} does not exist, a control-plane log group an earlier cluster left is deleted:",
            Show(aws.DescribeLogGroupsCommand(b.Names.EksClusterLogGroupName)),
            "# only when it is there:",
            Show(aws.DeleteLogGroupCommand(b.Names.EksClusterLogGroupName)),
            Show(cdk.DeployCommand(s.CdkOutDir, s.OutputsFile, s.CdkConcurrency, s.IsCi)),
            "# shares the outputs and the deploy policy for other machines:",
            Share(s.OutputsFile),
            Share(s.PolicyFile),
        ];

        var images = Images.Workloads(b).Select(w =>
        {
            var known = Directory.Exists(w.Dir);
            var placeholder = w.Name == WorkloadImages.MatchingEngine ? "<engine-dir>" : "<backend-dir>";
            return (w.Name,
                Dir: known ? w.Dir : placeholder,
                Dockerfile: known ? w.Dockerfile : $"{placeholder}/{Path.GetFileName(w.Dockerfile)}",
                Tag: s.ImageTag ?? (known ? b.Tagger.Derive(w.Dir, w.Dockerfile).Tag : "<tag>"),
                Repository: $"{registry}/{(w.Name == WorkloadImages.MatchingEngine ? b.Names.MatchingEngineRepository : b.Names.BackendRepository)}");
        }).ToArray();
        steps[TaskNames.BuildImages] =
        [
            .. images.Any(i => i.Tag == "<tag>") ? ["# <tag> is derived from the sources (git commit and tree hash)"] : Array.Empty<string>(),
            "# an image already built for the nodes' platform is not built again; a build for another platform is refused:",
            .. images.Select(i => Show(docker.ImagePlatformCommand($"{i.Name}:{i.Tag}"))),
            .. images.Select(i => Show(docker.BuildCommand(i.Dir, i.Dockerfile, $"{i.Name}:{i.Tag}", Images.Platform(b), new Dictionary<string, string>()))),
        ];
        steps[TaskNames.PushImages] =
        [
            $"# only when {Path.GetFileName(s.ImagesFile)} is missing here (pushed from another machine):",
            Fetch(s.ImagesFile),
            $"{Show(aws.EcrLoginPasswordCommand())} | {Show(docker.LoginCommand(registry))}",
            .. images.SelectMany(i => new[]
            {
                "# skip the tag and push when this describes the tag:",
                Show(aws.DescribeImageCommand(DeploymentOutputs.RepositoryNameOf(i.Repository), i.Tag)),
                Show(docker.TagCommand($"{i.Name}:{i.Tag}", $"{i.Repository}:{i.Tag}")),
                Show(docker.PushCommand($"{i.Repository}:{i.Tag}")),
            }),
            Share(s.ImagesFile),
        ];
        steps[TaskNames.Kubeconfig] =
        [
            Show(kubectl.CurrentContextCommand()),
            Show(aws.UpdateKubeconfigCommand(b.Names.ClusterName)),
            $"# the context must now be {clusterArn}:",
            Show(kubectl.CurrentContextCommand()),
        ];
        steps[TaskNames.Secrets] =
        [
            .. ClusterValueResolver.SecretsRead(KubernetesSecrets.All.SelectMany(d => d.Values), b.Names).Select(n => Show(aws.GetSecretValueCommand(n))),
            $"# on stdin: Namespace {b.Names.Namespace}, Secrets {string.Join(", ", KubernetesSecrets.All.Select(d => d.Name))}",
            Show(kubectl.ApplyCommand(clusterArn)),
        ];
        var overlay = Path.GetRelativePath(s.RepoRoot, s.OverlayDir);
        steps[TaskNames.ApplyK8s] =
        [
            $"# a temporary layer over {overlay} sets the images: " + string.Join(", ", images.Select(i => $"{i.Name}={i.Repository}:{i.Tag}")),
            Show(kubectl.KustomizeCommand($"<layer over {overlay}>")),
            $"# on stdin: the rendered layer and ConfigMap {EnvironmentConfigMap.Definition.Name} ({string.Join(", ", EnvironmentConfigMap.Definition.Keys)})",
            Show(kubectl.ApplyCommand(clusterArn)),
        ];
        var workloads = File.Exists(Path.Combine(s.OverlayDir, "kustomization.yaml"))
            ? ManifestDocuments.Workloads(ManifestDocuments.Parse(b.Kubectl.Render(s.OverlayDir))).ToArray()
            : [];
        steps[TaskNames.Verify] = workloads.Select(w
            => Show(kubectl.RolloutStatusCommand(clusterArn, w.Resource, w.Namespace ?? b.Names.Namespace, s.VerifyTimeout))).ToArray();
        return steps;
    }
}
