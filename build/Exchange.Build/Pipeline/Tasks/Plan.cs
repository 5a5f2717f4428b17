using Exchange.Build.Aws;
using Exchange.Build.Kubernetes;
using Exchange.Build.Logging;
using Exchange.Build.Processes;
using Exchange.Build.Tools;
using Exchange.Contracts;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>
/// Prints every command DeployDev would run with the current settings, built by the same code that
/// runs them. Values only AWS knows (the account, repository URIs, the cluster ARN) show as &lt;placeholders&gt;.
/// </summary>
public static class Plan
{
    public static void Run(BuildContext b)
    {
        var steps = Steps(b).ToArray();
        b.Log.Information($"EKS API endpoint: {EksEndpointAccess.Describe(b.Settings.Environment.EksPublicAccessCidrs)}");
        b.Log.Information($"DeployDev would run, in order ({b.Settings.Environment.EnvName}, {b.Settings.Region}):");
        foreach (var (task, commands) in steps)
        {
            b.Log.Information($"  {task}");
            foreach (var command in commands) b.Log.Information($"    {command}");
        }
        b.Report.Add(TaskNames.Plan, StepOutcome.Checked, $"{steps.Sum(s => s.Commands.Count)} commands in {steps.Length} steps");
    }

    public static IEnumerable<(string Task, IReadOnlyList<string> Commands)> Steps(BuildContext b)
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

        yield return (TaskNames.Doctor, [Show(aws.CallerIdentityCommand()), "(versions of dotnet, node, npm, cdk, aws, docker, kubectl)"]);
        var context = new SortedDictionary<string, string>(StringComparer.Ordinal) { [ContextKeys.Env] = s.Environment.EnvName, [ContextKeys.Account] = account, [ContextKeys.AdminPrincipalArn] = "<your role ARN>" };
        if (s.EksPublicCidrsOverride is { } cidrs) context[ContextKeys.EksPublicAccessCidrs] = EksEndpointAccess.Format(cidrs);
        yield return (TaskNames.Synth,
        [
            $"(without --admin-principal, for an assumed-role session: its role ARN, path included) {Show(aws.GetRoleCommand("<role of your session>"))}",
            $"(in infra/) {Show(cdk.SynthCommand(s.CdkOutDir, context))}",
        ]);
        yield return (TaskNames.Bootstrap, [Show(aws.DescribeStackCommand(Infrastructure.ToolkitStack)), $"(only when missing) {Show(cdk.BootstrapCommand(account, s.Region, s.CdkOutDir))}"]);
        yield return (TaskNames.DeployInfra, [Show(aws.DescribeSecretCommand(b.Names.DbSecretName)), Show(cdk.DeployCommand(s.CdkOutDir, s.OutputsFile, s.CdkConcurrency, s.IsCi))]);

        var images = Images.Workloads(b).Select(w => (w.Name, w.Dir, w.Dockerfile,
            Tag: s.ImageTag ?? (Directory.Exists(w.Dir) ? b.Tagger.Derive(w.Dir, w.Dockerfile).Tag : "<tag from the sources>"),
            Repository: $"{registry}/{(w.Name == WorkloadImages.MatchingEngine ? b.Names.MatchingEngineRepository : b.Names.BackendRepository)}")).ToArray();
        yield return (TaskNames.BuildImages, images.Select(i => Show(docker.BuildCommand(i.Dir, i.Dockerfile, $"{i.Name}:{i.Tag}", Images.Platform(b), new Dictionary<string, string>()))).ToArray());
        yield return (TaskNames.PushImages,
        [
            $"{Show(aws.EcrLoginPasswordCommand())} | {Show(docker.LoginCommand(registry))}",
            .. images.SelectMany(i => new[]
            {
                $"(skip when present) {Show(aws.DescribeImageCommand(DeploymentOutputs.RepositoryNameOf(i.Repository), i.Tag))}",
                Show(docker.TagCommand($"{i.Name}:{i.Tag}", $"{i.Repository}:{i.Tag}")),
                Show(docker.PushCommand($"{i.Repository}:{i.Tag}")),
            }),
        ]);
        yield return (TaskNames.Kubeconfig, [Show(aws.UpdateKubeconfigCommand(b.Names.ClusterName))]);
        yield return (TaskNames.Secrets,
        [
            Show(aws.GetSecretValueCommand(b.Names.DbSecretName)),
            $"{Show(kubectl.ApplyCommand(clusterArn))}   <- stdin: Namespace {b.Names.Namespace}, Secrets {string.Join(", ", KubernetesSecrets.All.Select(d => d.Name))}",
        ]);
        yield return (TaskNames.ApplyK8s,
        [
            $"{Show(kubectl.KustomizeCommand("<temp layer over " + Path.GetRelativePath(s.RepoRoot, s.OverlayDir) + " with images " + string.Join(", ", images.Select(i => $"{i.Name}={i.Repository}:{i.Tag}")) + ">"))}",
            $"{Show(kubectl.ApplyCommand(clusterArn))}   <- stdin: the rendered overlay",
        ]);
        var workloads = File.Exists(Path.Combine(s.OverlayDir, "kustomization.yaml"))
            ? ManifestDocuments.Workloads(ManifestDocuments.Parse(b.Kubectl.Render(s.OverlayDir))).ToArray()
            : [];
        yield return (TaskNames.Verify, workloads.Select(w => Show(kubectl.RolloutStatusCommand(clusterArn, w.Resource, w.Namespace ?? b.Names.Namespace, s.VerifyTimeout))).ToArray());
    }
}
