using System.Diagnostics;
using Exchange.Build.Pipeline;

namespace Exchange.Build.Tests;

/// <summary>The Test target's sandbox: what the tests leave running is found by its marker and stopped; the temporary folder goes.</summary>
public sealed class TestSandboxTests
{
    private static Process Sleep(IReadOnlyDictionary<string, string?>? environment)
    {
        var start = new ProcessStartInfo("sleep", ["300"]) { UseShellExecute = false };
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>()) start.Environment[key] = value;
        return Process.Start(start)!;
    }

    [Fact]
    public void A_process_that_is_on_its_way_out_gets_its_grace_and_is_not_called_a_leftover()
    {
        using var parent = new TempDir();
        using var sandbox = TestSandbox.Create(parent.Path);
        var start = new ProcessStartInfo("sleep", ["1"]) { UseShellExecute = false };
        foreach (var (key, value) in sandbox.Environment) start.Environment[key] = value;
        using var exiting = Process.Start(start)!;

        Assert.Empty(sandbox.StopLeftoverProcesses(TimeSpan.FromSeconds(10)));
        Assert.True(exiting.HasExited);
    }

    [Fact]
    public void A_process_the_tests_left_running_is_stopped_and_named_and_other_processes_are_left_alone()
    {
        using var parent = new TempDir();
        using var sandbox = TestSandbox.Create(parent.Path);
        using var leftover = Sleep(sandbox.Environment);
        using var bystander = Sleep(null);
        try
        {
            var stopped = sandbox.StopLeftoverProcesses(TimeSpan.FromMilliseconds(300));

            Assert.Equal([$"{leftover.Id} sleep 300"], stopped);
            Assert.True(leftover.WaitForExit(5000), "the leftover process is still running");
            Assert.False(bystander.HasExited, "a process without the sandbox's marker was stopped");
            Assert.Empty(sandbox.StopLeftoverProcesses(TimeSpan.Zero)); // nothing left the second time
        }
        finally
        {
            foreach (var p in new[] { leftover, bystander }.Where(p => !p.HasExited)) p.Kill();
        }
    }

    [Fact]
    public void The_tests_get_a_private_temporary_folder_which_is_removed_with_whatever_they_left_in_it()
    {
        using var parent = new TempDir();
        var sandbox = TestSandbox.Create(parent.Path);
        Assert.Equal(sandbox.TempDir, sandbox.Environment["TMPDIR"]);
        Assert.StartsWith(parent.Path, sandbox.TempDir, StringComparison.Ordinal);
        Directory.CreateDirectory(Path.Combine(sandbox.TempDir, "exchange-run-abc", "deep"));
        File.WriteAllText(Path.Combine(sandbox.TempDir, "stray.sock"), "");

        Assert.Equal(["exchange-run-abc", "stray.sock"], sandbox.LeftoverTempEntries());
        sandbox.Dispose();

        Assert.False(Directory.Exists(sandbox.TempDir));
        Assert.Empty(sandbox.LeftoverTempEntries());
    }
}

public sealed class TestTimingsTests
{
    [Fact]
    public void The_slowest_tests_come_from_the_trx_report_longest_first_with_short_names()
    {
        var path = Path.Combine(Path.GetTempPath(), $"timings-{Guid.NewGuid():N}.trx");
        try
        {
            File.WriteAllText(path, """
                <?xml version="1.0" encoding="utf-8"?>
                <TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010"><Results>
                <UnitTestResult testName="Exchange.Pipeline.Tests.DeployDevTests.Fast" duration="00:00:02.5000000" />
                <UnitTestResult testName="Exchange.Pipeline.Tests.PreviewTests.Slow(x: 1)" duration="00:03:30.0000000" />
                <UnitTestResult testName="Exchange.Pipeline.Tests.StatusTests.Middle" duration="00:00:40.0000000" />
                </Results></TestRun>
                """);
            var slowest = Exchange.Build.Pipeline.Tasks.TestTimings.Slowest(path, 2);
            Assert.Equal(["PreviewTests.Slow", "StatusTests.Middle"], slowest.Select(t => t.Test));
            Assert.Equal(["  slowest tests:", "    3 min 30 s   PreviewTests.Slow", "    40.0 s       StatusTests.Middle"],
                Exchange.Build.Pipeline.Tasks.TestTimings.Lines(slowest));
            Assert.Empty(Exchange.Build.Pipeline.Tasks.TestTimings.Slowest(path + ".missing", 2));
        }
        finally { File.Delete(path); }
    }
}
