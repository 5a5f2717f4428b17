using Exchange.Build.Pipeline;
using Exchange.Build.Pipeline.Tasks;

namespace Exchange.Build.Tests;

/// <summary>Doctor's table and what it says still works; what an interrupted run says it cleaned up and how to go on.</summary>
public sealed class DoctorTests
{
    [Fact]
    public void Doctor_keeps_the_EKS_row_in_its_table_and_says_what_still_works_without_a_docker_engine()
    {
        var runner = new RecordingRunner(c => new LocalReads(dockerEngine: false).Run(c));
        var (b, log) = Contexts.Logged(runner, environment: new() { ["PATH"] = Contexts.PathWithPlugin }, tasks: TaskNames.Doctor);

        var error = Assert.Throws<InvalidOperationException>(() => Doctor.Run(b));

        var lines = log.Entries.Select(e => e.Message).ToArray();
        var table = lines.TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal) || l.StartsWith("  tool", StringComparison.Ordinal)).ToArray();
        Assert.Matches(@"^  docker +no engine +28\.2\.2 +client installed", Assert.Single(table, l => l.StartsWith("  docker", StringComparison.Ordinal)));
        Assert.Single(table, l => l.StartsWith("  eks api ", StringComparison.Ordinal)); // in the table, not after it
        var works = Assert.Single(lines, l => l.StartsWith("Still works without docker's engine:", StringComparison.Ordinal));
        Assert.Contains(TaskNames.Default, works);
        Assert.DoesNotContain(TaskNames.BuildImages, works);
        Assert.DoesNotContain(TaskNames.DeployDev, works);
        Assert.StartsWith("1 of 9 tools missing or not working: docker (no engine).", error.Message);
    }

    [Fact]
    public void What_still_works_without_a_tool_follows_the_tools_each_target_and_its_dependencies_run()
    {
        var withoutKubectl = Doctor.StillWorks(new HashSet<Tools.ToolKind> { Tools.ToolKind.Kubectl });

        Assert.Contains(TaskNames.Synth, withoutKubectl);
        Assert.Contains(TaskNames.Cost, withoutKubectl);
        Assert.DoesNotContain(TaskNames.Render, withoutKubectl);
        Assert.DoesNotContain(TaskNames.Default, withoutKubectl); // Default renders
        Assert.DoesNotContain(TaskNames.Doctor, withoutKubectl); // Doctor always runs: it is the one that says so
    }

    [Fact]
    public void An_interrupted_read_only_target_reports_only_the_cleanup_that_happened_and_no_exclusive_rerun()
    {
        var plan = Contexts.Build(new RecordingRunner(), tasks: TaskNames.Plan);
        plan.BeginTask(TaskNames.Plan);
        plan.Interrupt(System.Runtime.InteropServices.PosixSignal.SIGINT);
        var fixtures = Path.Combine(Contexts.RepoRoot, "tests", "fixtures");
        var build = Contexts.Build(new RecordingRunner(), new()
        {
            ["engine-dir"] = Path.Combine(fixtures, "future-engine"), ["backend-dir"] = Path.Combine(fixtures, "future-backend"),
        }, tasks: TaskNames.BuildImages);
        build.NoteCleanup("stopped `docker build`"); // before the interruption: not a cleanup it caused
        build.BeginTask(TaskNames.BuildImages);
        build.Interrupt(System.Runtime.InteropServices.PosixSignal.SIGINT);
        build.NoteCleanup("removed the temporary docker login");

        var planSummary = string.Join("\n", plan.InterruptionSummary(TaskNames.Plan));
        var buildSummary = string.Join("\n", build.InterruptionSummary(TaskNames.DeployDev));

        Assert.Contains("nothing needed cleaning up", planSummary);
        Assert.DoesNotContain("docker login", planSummary);
        Assert.DoesNotContain("--exclusive", planSummary);
        Assert.Contains("run ./build.sh --target=Plan again", planSummary);
        Assert.Contains("during BuildImages: removed the temporary docker login;", buildSummary);
        Assert.DoesNotContain("docker build", buildSummary);
        Assert.Contains("Resume with: ./build.sh --target=BuildImages --exclusive (with the same options), then --target=DeployDev.", buildSummary);
    }
}
