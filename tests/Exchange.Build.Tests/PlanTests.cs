using Exchange.Build.Logging;
using Exchange.Build.Pipeline;
using Exchange.Build.Pipeline.Tasks;
using Exchange.Build.Processes;
using Exchange.Contracts;

namespace Exchange.Build.Tests;

/// <summary>Plan runs the tasks' own code in the plan world: what it records, what it shows, and what it leaves alone.</summary>
public sealed class PlanTests
{
    private static BuildContext Context(TempDir dir) => Contexts.Build(new RecordingRunner(),
        new Dictionary<string, string> { ["artifacts"] = dir.Combine("artifacts") }, tasks: TaskNames.Plan);

    [Fact]
    public void DeployInfra_replayed_in_the_plan_world_deploys_into_a_scratch_folder_and_shows_the_real_paths()
    {
        using var dir = new TempDir();
        var b = Context(dir);

        var recording = Plan.Record(b, [new Plan.Step(TaskNames.Synth, null, Synth.Run), new Plan.Step(TaskNames.DeployInfra, null, DeployInfra.Deploy)]);

        var deploy = recording.Steps[1].Calls.Single(c => c.Command.Tool == "cdk").Command.RenderSafe();
        Assert.Null(recording.Steps[1].StoppedBecause);
        Assert.StartsWith("cdk deploy", deploy, StringComparison.Ordinal);
        Assert.DoesNotContain(b.Settings.ArtifactsDir, deploy);
        Assert.Contains($"--outputs-file {b.Settings.OutputsFile}.<random>.tmp", recording.Show(deploy));
        // The session's role is looked up (an assumed role, as SSO gives), and nothing lands in the real folders.
        Assert.Contains(recording.Steps[0].Calls, c => c.Command.RenderSafe().StartsWith("aws iam get-role --role-name", StringComparison.Ordinal));
        Assert.Contains(recording.Steps[1].Calls, c => c.Command.RenderSafe().StartsWith("aws s3api put-object", StringComparison.Ordinal));
        Assert.False(Directory.Exists(b.Settings.ArtifactsDir) && Directory.EnumerateFileSystemEntries(b.Settings.ArtifactsDir).Any());
        var share = recording.Steps[1].Calls.Last(c => c.Command.RenderSafe().StartsWith("aws s3api put-object", StringComparison.Ordinal)).Command;
        Assert.Contains("--bucket 'exchange-dev-artifacts-<account>-ap-northeast-2'", recording.Render(share, b.Redactor));
        // The new broker gets the declared topics through SSM, and is marked with what it got.
        var after = recording.Steps[1].Calls.SkipWhile(c => c.Command.Tool != "cdk").Select(c => c.Command.RenderSafe()).ToList();
        Assert.Contains(after, c => c.StartsWith("aws ssm send-command --instance-ids '<Exchange-dev-Kafka.KafkaInstanceId>'", StringComparison.Ordinal)
                                    && c.Contains("rpk topic create", StringComparison.Ordinal));
        Assert.Contains("aws ec2 create-tags --resources '<Exchange-dev-Kafka.KafkaInstanceId>' --tags " +
            $"Key=exchange:kafka-topics,Value={Kafka.DeclaredTopics.Of(Environments.Dev).Digest} --region ap-northeast-2", after);
    }

    [Fact]
    public void A_step_that_fails_in_the_plan_world_says_where_DeployDev_would_stop_and_later_steps_still_show()
    {
        using var dir = new TempDir();
        var b = Context(dir);

        var recording = Plan.Record(b,
        [
            new Plan.Step(TaskNames.BuildImages, "--skip-images", _ => throw new InvalidOperationException("a skipped step does not run")),
            new Plan.Step(TaskNames.Doctor, null, _ => throw new InvalidOperationException("Doctor: 1 of 8 tools missing\n  - docker: not found")),
            new Plan.Step(TaskNames.Synth, null, Synth.Run),
            new Plan.Step(TaskNames.Kubeconfig, null, DeployInfra.Kubeconfig), // before any deploy: no outputs to point kubectl at
        ]);

        Assert.Equal("--skip-images", recording.Steps[0].SkippedBecause);
        Assert.Empty(recording.Steps[0].Calls);
        Assert.StartsWith("Doctor: 1 of 8 tools missing\n", recording.Steps[1].StoppedBecause);
        Assert.Null(recording.Steps[2].StoppedBecause);
        Assert.Contains(recording.Steps[2].Calls, c => c.Command.RenderSafe().StartsWith("cdk synth", StringComparison.Ordinal));
        Assert.StartsWith("Stack 'Exchange-dev-Vpc' does not exist. Deploy it first", recording.Steps[3].StoppedBecause);
    }

    [Fact]
    public void A_command_the_plan_world_has_no_answer_for_names_itself_instead_of_passing_unseen()
    {
        using var dir = new TempDir();
        var b = Context(dir);

        var recording = Plan.Record(b, [new Plan.Step(TaskNames.Doctor, null, p => p.Aws.Run(p.Aws.DescribeInstanceCommand("i-0123")))]);

        Assert.Contains("Plan has no placeholder answer for `aws ec2 describe-instances`", recording.Steps[0].StoppedBecause);
    }

    [Fact]
    public void What_a_command_gets_on_stdin_is_shown_by_kind_and_name_never_by_value()
    {
        var redactor = new Redactor();
        var world = new PlanWorld(new RecordingRunner(), () => "Secrets", Environments.Dev.Names, PlanWorld.PlaceholderAccount, "ap-northeast-2", 2);
        var manifests = new Secret("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-credentials\nstringData:\n  password: hunter2-plan\n", redactor);

        world.Run(new CommandLine("kubectl", "/bin/sh").Add("apply", "-f", "-"), new ProcessOptions { StandardInput = manifests });
        world.Run(new CommandLine("docker", "/bin/sh").Add("login", "--password-stdin", "registry"),
            new ProcessOptions { StandardInput = new Secret("hunter2-token", redactor) });

        Assert.Equal(["Secret db-credentials", "a secret"], world.Calls.Select(c => c.Stdin));
        Assert.DoesNotContain(world.Calls, c => c.Stdin!.Contains("hunter2", StringComparison.Ordinal));
    }

    /// <summary>DeployDev's steps after Doctor, as the task graph runs them (the pipeline PlanTests hold Plan to the graph itself).</summary>
    private static readonly Plan.Step[] DeployDev =
    [
        new(TaskNames.BuildImages, null, Pipeline.Tasks.Images.Build), new(TaskNames.Synth, null, Synth.Run),
        new(TaskNames.Bootstrap, null, DeployInfra.Bootstrap),
        new(TaskNames.DeployInfra, null, DeployInfra.Deploy), new(TaskNames.PushImages, null, Pipeline.Tasks.Images.Push),
        new(TaskNames.Kubeconfig, null, DeployInfra.Kubeconfig), new(TaskNames.Secrets, null, Workloads.Secrets),
        new(TaskNames.ApplyK8s, null, Workloads.ApplyK8s), new(TaskNames.Verify, null, Workloads.Verify),
    ];

    [Fact]
    public void Any_IAM_action_DeployDev_needs_when_refused_ends_the_step_that_first_needs_it_at_that_call_and_names_the_action()
    {
        using var dir = new TempDir();
        // kubectl kustomize really runs in the plan world: a stand-in prints the overlay (rendered once, by the real kubectl).
        var rendered = dir.Write("rendered.yaml", Render());
        var kubectl = dir.Write("kubectl", $"#!/bin/sh\ncat '{rendered}'\n");
        File.SetUnixFileMode(kubectl, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var b = Contexts.Build(new RecordingRunner(), new Dictionary<string, string> { ["artifacts"] = dir.Combine("artifacts"), ["image-tag"] = "t1" },
            new Dictionary<string, string> { ["KUBECTL_PATH"] = kubectl }, TaskNames.Plan);

        var baseline = Plan.Record(b, DeployDev);
        Assert.All(baseline.Steps, s => Assert.True(s.StoppedBecause is null, $"{s.Task}: {s.StoppedBecause}"));
        var firstNeeded = baseline.Steps.SelectMany(s => s.Calls.Where(c => c.Command.Tool == "aws")
                .SelectMany(c => c.Command.Permissions!.Select(g => (s.Task, g.Action))))
            .DistinctBy(x => x.Action).ToList();
        Assert.True(firstNeeded.Count >= 10, string.Join(", ", firstNeeded));

        foreach (var (task, action) in firstNeeded)
        {
            var recording = Plan.Record(b, DeployDev, world => new Refusing(world, action));

            var step = recording.Steps.Single(s => s.Task == task);
            // "IAM action: X" in the message of a refused call; the SSO role lookup has its own words, which name iam:GetRole too.
            Assert.True(step.StoppedBecause?.Contains(action == "iam:GetRole" ? action : $"IAM action: {action}", StringComparison.Ordinal) == true,
                $"{action} refused in {task}: {step.StoppedBecause ?? "the step went on"}");
            Assert.Contains(action, step.Calls[^1].Command.Permissions!.Select(g => g.Action)); // nothing after the refused call
            Assert.All(recording.Steps.TakeWhile(s => s.Task != task), s => Assert.Null(s.StoppedBecause));
        }
    }

    private static string Render()
    {
        using var kubectl = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("kubectl",
            ["kustomize", Path.Combine(Contexts.RepoRoot, "k8s", "overlays", "aws-dev")]) { RedirectStandardOutput = true })!;
        var yaml = kubectl.StandardOutput.ReadToEnd();
        kubectl.WaitForExit();
        Assert.Equal(0, kubectl.ExitCode);
        return yaml;
    }

    /// <summary>AWS refusing one IAM action, worded as AWS words it; everything else as the plan world answers.</summary>
    private sealed class Refusing(IProcessRunner world, string action) : IProcessRunner
    {
        public ProcessResult Run(CommandLine command, ProcessOptions? options = null)
        {
            var answer = world.Run(command, options);
            return command.Tool == "aws" && (command.Permissions ?? []).Any(g => g.Action == action)
                ? new ProcessResult(255, "", $"\nAn error occurred (AccessDenied) when calling the {action.Split(':')[1]} operation: User: " +
                    $"arn:aws:sts::{PlanWorld.PlaceholderAccount}:assumed-role/dev/s is not authorized to perform: {action} on resource: *\n", TimeSpan.Zero)
                : answer;
        }

        public IRunningProcess Start(CommandLine command, ProcessOptions? options = null)
        {
            var running = world.Start(command, options);
            if (command.Tool != "aws" || !(command.Permissions ?? []).Any(g => g.Action == action)) return running;
            running.Stop(); // the aws CLI ends at once: AWS refused the session before the plugin ran
            return new Refused(action);
        }

        private sealed class Refused(string action) : IRunningProcess
        {
            public bool HasExited => true;
            public int? ExitCode => 255;
            public IReadOnlyList<string> Output => [$"An error occurred (AccessDeniedException) when calling the {action.Split(':')[1]} operation: User: " +
                $"arn:aws:sts::{PlanWorld.PlaceholderAccount}:assumed-role/dev/s is not authorized to perform: {action} on resource: *"];
            public bool WaitForExit(TimeSpan timeout) => true;
            public void Stop() { }
            public void Dispose() { }
        }
    }

    private static readonly string Engine = System.IO.Path.Combine(Contexts.RepoRoot, "tests", "fixtures", "future-engine");
    private static readonly string Backend = System.IO.Path.Combine(Contexts.RepoRoot, "tests", "fixtures", "future-backend");

    /// <summary>This machine's PATH (node, dotnet, git, ...), and any more variables.</summary>
    private static Dictionary<string, string> WithPath(params (string Name, string Value)[] more)
    {
        var env = new Dictionary<string, string> { ["PATH"] = Contexts.PathWithPlugin };
        foreach (var (name, value) in more) env[name] = value;
        return env;
    }

    private static Plan.Verdict Judge(BuildContext b, bool dockerEngine = true)
    {
        var recording = Plan.Record(b, Plan.DeployDevSteps(b.Settings), world => world, new LocalReads(dockerEngine));
        return Plan.Judge(b, recording);
    }

    [Fact]
    public void Plan_lists_the_image_push_inside_DeployInfra_marked_as_running_beside_the_cdk_deploy_of_the_other_stacks()
    {
        using var dir = new TempDir();
        var b = Contexts.Build(new RecordingRunner(), new()
        {
            ["artifacts"] = dir.Combine("artifacts"), ["engine-dir"] = Engine, ["backend-dir"] = Backend, ["account"] = "111122223333",
        }, WithPath(), TaskNames.Plan);

        var recording = Plan.Record(b, Plan.DeployDevSteps(b.Settings), world => world, new LocalReads());

        var deploy = recording.Steps.Single(s => s.Task == TaskNames.DeployInfra).Calls;
        string Line(PlannedCall c) => c.Command.RenderSafe();
        var ahead = deploy.ToList().FindIndex(c => Line(c).StartsWith("cdk deploy", StringComparison.Ordinal));
        var all = deploy.ToList().FindIndex(c => Line(c).StartsWith("cdk deploy", StringComparison.Ordinal) && Line(c).Contains("--all"));
        var pushes = deploy.Select((c, i) => (c, i)).Where(x => Line(x.c).StartsWith("docker push", StringComparison.Ordinal)).ToArray();
        Assert.Contains("Exchange-dev-Ecr --exclusively", Line(deploy[ahead])); // the repositories first
        Assert.Equal(ContainerImages.All.Count, pushes.Length);
        Assert.All(pushes, p => Assert.InRange(p.i, ahead + 1, all - 1)); // started before the rest of the deploy, ...
        Assert.All(pushes, p => Assert.NotNull(p.c.Alongside)); // ... marked as running beside it
        Assert.Null(deploy[all].Alongside);
        Assert.DoesNotContain(recording.Steps.Single(s => s.Task == TaskNames.PushImages).Calls,
            c => Line(c).StartsWith("docker push", StringComparison.Ordinal)); // not pushed twice
    }

    [Fact]
    public void Without_checkouts_or_an_account_the_verdict_puts_the_settings_first_and_names_both_checkouts_and_the_account()
    {
        using var dir = new TempDir();
        var b = Contexts.Build(new RecordingRunner(), new()
        {
            ["artifacts"] = dir.Combine("artifacts"), ["engine-dir"] = dir.Combine("no-engine"), ["backend-dir"] = dir.Combine("no-backend"),
        }, WithPath(), TaskNames.Plan);

        var verdict = Judge(b, dockerEngine: false);

        var first = verdict.FirstStop!;
        Assert.Null(first.Task); // before its first step: the settings DeployDev checks before Doctor
        Assert.Contains(first.Because, r => r.Contains(dir.Combine("no-engine"), StringComparison.Ordinal));
        Assert.Contains(first.Because, r => r.Contains(dir.Combine("no-backend"), StringComparison.Ordinal));
        Assert.Contains(first.Because, r => r.StartsWith("No AWS account is configured", StringComparison.Ordinal));
        var doctor = Assert.Single(verdict.Stops, s => s.Task == TaskNames.Doctor);
        Assert.Contains("docker (no engine)", doctor.Because[0]);
        Assert.Contains(TaskNames.Default, verdict.Works);
        Assert.Contains(verdict.NotHereList, n => n.Target.Contains(TaskNames.Test, StringComparison.Ordinal) && n.Because.Contains("Docker engine"));
        var lines = verdict.Lines().ToArray();
        Assert.All(lines, l => Assert.True(l.Length <= 120, l));
        Assert.Contains(lines, l => l.Contains("DeployDev would stop before its first step, on the settings (3", StringComparison.Ordinal));
    }

    [Fact]
    public void A_tool_override_that_points_nowhere_stops_DeployDev_before_Doctor_and_Doctor_would_name_the_tool_next()
    {
        using var dir = new TempDir();
        var b = Contexts.Build(new RecordingRunner(), new()
        {
            ["artifacts"] = dir.Combine("artifacts"), ["engine-dir"] = Engine, ["backend-dir"] = Backend, ["account"] = "111122223333",
        }, WithPath(("KUBECTL_PATH", "/nonexistent/kubectl")), TaskNames.Plan);

        var verdict = Judge(b);

        Assert.Null(verdict.FirstStop!.Task);
        Assert.Contains("KUBECTL_PATH is set to '/nonexistent/kubectl'", Assert.Single(verdict.FirstStop.Because));
        Assert.Contains("kubectl (missing)", verdict.Stops.Single(s => s.Task == TaskNames.Doctor).Because[0]);
    }

    [Fact]
    public void With_the_checkouts_the_tools_and_an_account_nothing_Plan_can_see_stops_DeployDev()
    {
        using var dir = new TempDir();
        var b = Contexts.Build(new RecordingRunner(), new()
        {
            ["artifacts"] = dir.Combine("artifacts"), ["engine-dir"] = Engine, ["backend-dir"] = Backend, ["account"] = "111122223333",
        }, WithPath(), TaskNames.Plan);

        var verdict = Judge(b);

        Assert.True(verdict.Stops.Count == 0, string.Join("\n", verdict.Lines()));
        Assert.Contains(verdict.Lines(), l => l.Contains("nothing Plan can see would stop it", StringComparison.Ordinal));
        Assert.Contains(TaskNames.Permissions, verdict.Works); // the account is given
    }
}
