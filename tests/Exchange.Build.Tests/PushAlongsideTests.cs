using System.Text.Json;
using Exchange.Build.Images;
using Exchange.Build.Pipeline;
using Exchange.Build.Pipeline.Tasks;
using Exchange.Build.Processes;
using Exchange.Contracts;

namespace Exchange.Build.Tests;

/// <summary>
/// DeployInfra pushes the images while the stacks deploy when PushImages follows: both at once, and a failure on one side stops the other
/// (its process stopped as an interruption would) and ends the step with that failure.
/// </summary>
public sealed class PushAlongsideTests : IDisposable
{
    private const string Account = "111122223333";
    private const string Registry = "111122223333.dkr.ecr.ap-northeast-2.amazonaws.com";
    private static readonly EnvironmentNames Names = Environments.Dev.Names;
    private readonly TempDir _dir = new();

    /// <summary>
    /// A deployed environment whose stacks are about to be updated (no record of the deployed assembly), images built but not in ECR;
    /// cdk deploy and docker push do what <paramref name="deploy"/> and <paramref name="push"/> say, given the options they ran with.
    /// </summary>
    private sealed class World(Func<CommandLine, ProcessOptions, ProcessResult> deploy, Func<ProcessOptions, ProcessResult> push) : IProcessRunner
    {
        public List<string> Calls { get; } = [];

        private static ProcessResult Ok(object json) => new(0, JsonSerializer.Serialize(json), "", TimeSpan.Zero);

        public ProcessResult Run(CommandLine command, ProcessOptions? options = null)
        {
            lock (Calls) Calls.Add(string.Join(' ', command.Values));
            options ??= new ProcessOptions();
            return command.Values.ToArray() switch
            {
                ["sts", "get-caller-identity", ..] => Ok(new { UserId = "AIDA", Account, Arn = $"arn:aws:iam::{Account}:user/ci" }),
                ["s3api", "get-object", ..] => new ProcessResult(254, "", "An error occurred (NoSuchKey) when calling the GetObject operation", TimeSpan.Zero),
                ["ec2", "describe-instances", ..] => Ok(new
                {
                    Reservations = new[]
                    {
                        new
                        {
                            Instances = new[]
                            {
                                new
                                {
                                    InstanceId = "i-0kafka", State = new { Name = "running" }, // with the declared topics
                                    Tags = new[] { new { Key = Kafka.TopicScript.AppliedTag, Value = Kafka.DeclaredTopics.Of(Environments.Dev).Digest } },
                                },
                            },
                        },
                    },
                }),
                ["eks", "describe-nodegroup", ..] => Ok(new
                {
                    nodegroup = new
                    {
                        scalingConfig = new { minSize = 1, maxSize = 4, desiredSize = 2 },
                        version = Environments.Dev.Of<EksConfig>().KubernetesVersion,
                        releaseVersion = Environments.Dev.Of<EksConfig>().NodeReleaseVersion,
                    },
                }),
                ["eks", "describe-cluster", ..] =>
                    Ok(new { cluster = new { version = Environments.Dev.Of<EksConfig>().KubernetesVersion, status = "ACTIVE" } }),
                ["rds", "describe-db-instances", ..] => Ok(new { DBInstances = new[] { new { DBInstanceStatus = "available" } } }),
                ["ecr", "describe-images", ..] => new ProcessResult(254, "", "An error occurred (ImageNotFoundException) when calling the " +
                                                                             "DescribeImages operation: not found", TimeSpan.Zero),
                ["ecr", "get-login-password", ..] => new ProcessResult(0, "token", "", TimeSpan.Zero),
                ["push", ..] => push(options),
                ["deploy", ..] => deploy(command, options),
                _ => Ok(new { }),
            };
        }
    }

    /// <summary>Waits until the step stops this process (as ProcessRunner does), or gives up after 20 s.</summary>
    private static ProcessResult UntilStopped(ProcessOptions options) =>
        options.Stop.WaitHandle.WaitOne(TimeSpan.FromSeconds(20)) ? throw new ProcessStoppedException("stopped")
            : new ProcessResult(0, "", "", TimeSpan.Zero);

    private static ProcessResult Fails(string what) => throw new CommandFailedException(what, 1, what + " failed", null);

    private BuildContext Run(World world)
    {
        var outputs = Outputs.All.GroupBy(o => Names.Stack(o.Stack)).ToDictionary(g => g.Key, g => g.ToDictionary(o => o.Key, o =>
            ContainerImages.All.FirstOrDefault(i => i.RepositoryUri == o) is { } image ? $"{Registry}/{image.Repository(Names)}"
            : o == Outputs.BackendTargetGroupArn ? BackendAccess.NoLoadBalancer : "value-" + o.Key));
        _dir.Write("cdk-outputs.json", JsonSerializer.Serialize(outputs));
        var manifest = new ImageManifest();
        foreach (var image in ContainerImages.All)
            manifest.Images[image.Name] =
                new ImageRecord { Name = image.Name, SourceDir = "src", Dockerfile = "Dockerfile", Tag = "src-1", TagSource = "test" };
        manifest.Save(_dir.Combine("images.json"));
        var b = Contexts.Build(world, new() { ["account"] = Account, ["artifacts"] = _dir.Path },
            tasks: [TaskNames.BuildImages, TaskNames.DeployInfra, TaskNames.PushImages]);
        b.AssemblyChecked = true;
        b.Report.Add(TaskNames.BuildImages, StepOutcome.Changed, "built"); // BuildImages ran before DeployInfra
        return b;
    }

    [Fact]
    public void The_images_are_pushed_while_cdk_deploy_runs_and_PushImages_then_only_reports_them()
    {
        var pushedDuringDeploy = new ManualResetEventSlim();
        var pushedBeforeTheDeployEnded = false;
        var world = new World(deploy: (command, _) =>
        {
            pushedBeforeTheDeployEnded = pushedDuringDeploy.Wait(TimeSpan.FromSeconds(20));
            var args = command.Values.ToList();
            File.Copy(_dir.Combine("cdk-outputs.json"), args[args.IndexOf("--outputs-file") + 1]);
            return new ProcessResult(0, "", "", TimeSpan.Zero);
        }, push: _ =>
        {
            pushedDuringDeploy.Set();
            return new ProcessResult(0, "src-1: digest: sha256:0123 size: 1", "", TimeSpan.Zero);
        });
        var b = Run(world);

        DeployInfra.Deploy(b);
        Pipeline.Tasks.Images.Push(b);

        Assert.True(pushedBeforeTheDeployEnded, "no image was pushed while cdk deploy ran");
        Assert.Equal(ContainerImages.All.Count, b.EarlyPush?.Count);
        Assert.Contains("(while the stacks deployed)", b.Report.Results.Single(r => r.Task == TaskNames.PushImages).Detail);
        Assert.Equal(ContainerImages.All.Count, world.Calls.Count(c => c.StartsWith("push ", StringComparison.Ordinal))); // not pushed again
    }

    [Fact]
    public void A_failed_push_stops_cdk_deploy_and_ends_the_step_with_the_push_failure()
    {
        ProcessOptions? deployed = null;
        var world = new World(deploy: (_, options) => UntilStopped(deployed = options), push: _ => Fails("docker push"));
        var b = Run(world);

        var error = Assert.Throws<CommandFailedException>(() => DeployInfra.Deploy(b));

        Assert.Contains("docker push failed", error.Message);
        Assert.True(deployed?.Stop.IsCancellationRequested, "cdk deploy was not stopped");
        Assert.DoesNotContain(world.Calls, c => c.Contains(Operations.DeployedAssembly.TagKey + ",Value=", StringComparison.Ordinal)
                                                && !c.Contains(Operations.DeployedAssembly.Changing, StringComparison.Ordinal));
    }

    [Fact]
    public void A_failed_deploy_stops_the_push_under_way_and_ends_the_step_with_cdks_failure()
    {
        ProcessOptions? pushing = null;
        var started = new ManualResetEventSlim();
        var world = new World(deploy: (_, _) =>
        {
            started.Wait(TimeSpan.FromSeconds(20)); // the push is under way
            return Fails("cdk deploy");
        }, push: options =>
        {
            pushing = options;
            started.Set();
            return UntilStopped(options);
        });
        var b = Run(world);

        var error = Assert.Throws<CommandFailedException>(() => DeployInfra.Deploy(b));

        Assert.Contains("cdk deploy failed", error.Message);
        Assert.True(pushing?.Stop.IsCancellationRequested, "the push was not stopped");
        Assert.Null(b.EarlyPush);
    }

    public void Dispose() => _dir.Dispose();
}
