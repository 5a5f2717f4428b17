using System.Diagnostics;
using System.Text.Json;

namespace Exchange.Pipeline.Tests;

/// <summary>Ctrl-C (SIGINT) in the middle of a step: children stop, temporary credentials go, artefacts stay whole, and the run says how to resume.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class InterruptionTests : IDisposable
{
    private static PipelineWorld world => PipelineWorld.Shared;
    private readonly PipelineRun _run = new(world);

    private static bool Alive(int pid) => Directory.Exists($"/proc/{pid}") &&
                                          !File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2].Equals("Z", StringComparison.Ordinal);

    private void AssertArtifactsWhole()
    {
        if (!Directory.Exists(_run.Artifacts)) return;
        var files = Directory.GetFiles(_run.Artifacts, "*", SearchOption.AllDirectories);
        Assert.DoesNotContain(files, f => f.EndsWith(".tmp", StringComparison.Ordinal));
        foreach (var json in files.Where(f => f.EndsWith(".json", StringComparison.Ordinal))) JsonDocument.Parse(File.ReadAllText(json)).Dispose();
    }

    [Fact]
    public void SIGINT_during_the_image_push_stops_it_removes_the_docker_login_and_says_how_to_resume()
    {
        // A docker whose push hangs (the real docker does everything else), recording the login folder and its pid.
        var marks = Path.Combine(_run.Root, "marks");
        Directory.CreateDirectory(marks);
        var docker = Path.Combine(_run.Root, "slow-docker");
        File.WriteAllText(docker, $"""
            #!/bin/sh
            if [ "$1" = push ]; then echo "$DOCKER_CONFIG" > {marks}/docker-config; echo $$ > {marks}/push.pid; exec sleep 300; fi
            exec docker "$@"
            """.Replace("            ", ""));
        File.SetUnixFileMode(docker, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _run.Env["DOCKER_PATH"] = docker;
        using var build = _run.Start(["--target=DeployDev"]);
        var pidFile = Path.Combine(marks, "push.pid");
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(8);
        while (!File.Exists(pidFile) || File.ReadAllText(pidFile).Trim().Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the push never started:\n" + build.Output);
            Thread.Sleep(200);
        }
        var pushPid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var loginDir = File.ReadAllText(Path.Combine(marks, "docker-config")).Trim();
        Assert.True(Directory.Exists(loginDir), "the temporary docker login should exist while pushing");
        var clock = Stopwatch.StartNew();

        build.Signal("INT");
        var result = build.WaitForExit(TimeSpan.FromMinutes(2));

        Assert.Equal(130, result.ExitCode); // 128 + SIGINT, as a shell reports an interrupted command
        // The push would hang for 300 s: stopping well before that is the behaviour (generous for a busy machine).
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"took {clock.Elapsed} to stop");
        Assert.False(Alive(pushPid), "the docker push child is still running");
        Assert.False(Directory.Exists(loginDir), $"the temporary docker login {loginDir} was left behind");
        // A first DeployDev pushes inside DeployInfra, beside cdk deploy (both stopped): DeployInfra is the step to resume.
        Assert.Contains("SIGINT received during DeployInfra", result.Text);
        Assert.Contains("Resume with: ./build.sh --target=DeployInfra --exclusive (with the same options), then --target=DeployDev", result.Text);
        Assert.DoesNotContain(_run.Calls, c => c.CommandLine.StartsWith("kubectl apply", StringComparison.Ordinal));
        AssertArtifactsWhole();
    }

    [Fact]
    public void SIGINT_during_a_wait_ends_the_wait_at_once_and_says_how_to_resume()
    {
        _run.Deployed();
        _run.Faults.Stall("eks:UpdateNodegroupConfig"); // the wait for 0 nodes never ends
        using var build = _run.Start(["--target=Pause", "--wait-timeout=20m"]);
        build.WaitForOutput("to scale to 0: desired", TimeSpan.FromMinutes(3));
        var clock = Stopwatch.StartNew();

        build.Signal("INT");
        var result = build.WaitForExit(TimeSpan.FromMinutes(2));

        Assert.Equal(130, result.ExitCode); // 128 + SIGINT, as a shell reports an interrupted command
        // The wait polls every 30 s up to 20 min: stopping well before the next poll or two is the behaviour.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed} to stop");
        Assert.Contains("SIGINT received during Pause", result.Text);
        Assert.Contains("Resume with: ./build.sh --target=Pause --exclusive", result.Text);
        Assert.DoesNotContain("Paused.", result.Output);
        Assert.False(File.Exists(Path.Combine(_run.Artifacts, "pause.json")), "an interrupted pause must not record itself as done");
        AssertArtifactsWhole();
    }

    [Fact]
    public void SIGINT_while_the_tunnel_is_open_closes_it_terminates_its_session_and_leaves_no_plugin_running()
    {
        _run.Deployed();
        lock (_run.Cloud)
            foreach (var nodegroup in _run.Cloud.Nodegroups.Values) nodegroup["scalingConfig"]!["desiredSize"] = 0; // asleep
        _run.Faults.Stall("eks:UpdateNodegroupConfig"); // Resume's nodes never come: it waits on kubectl, through the tunnel
        using var build = _run.Start(["--target=Resume", "--wait-timeout=20m"]);
        build.WaitForOutput("Ready node(s): 0 of 2 Ready", TimeSpan.FromMinutes(3));
        Assert.NotEmpty(DeployDevTests.PluginProcesses(_run));

        build.Signal("INT");
        var result = build.WaitForExit(TimeSpan.FromMinutes(1));

        Assert.Equal(130, result.ExitCode);
        Assert.Contains("Closed the tunnel to the EKS API (session ", result.Text);
        Assert.Matches(@"Interrupted \(SIGINT\) during Resume: .*closed the tunnel to the EKS API \(session \S+\)", result.Text);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DeployDevTests.PluginProcesses(_run).Length > 0 && DateTime.UtcNow < deadline) Thread.Sleep(100);
        Assert.Empty(DeployDevTests.PluginProcesses(_run));
        lock (_run.Cloud) Assert.All(_run.Cloud.Sessions.Values, s => Assert.True(s.Terminated, $"session {s.Id} was left open"));
    }

    [Fact]
    public void The_Tunnel_target_holds_a_tunnel_a_persons_kubectl_can_use_and_Ctrl_C_ends_it_normally()
    {
        _run.Deployed();
        using var build = _run.Start(["--target=Tunnel"]);
        build.WaitForOutput("Holding it until Ctrl-C", TimeSpan.FromMinutes(3));
        // The command is printed to paste into a shell: within the width, continued with " \" where it wraps.
        var pasted = System.Text.RegularExpressions.Regex.Replace(build.Output, @" \\\n +", " ");
        var command = System.Text.RegularExpressions.Regex.Match(pasted, @"  kubectl (--context \S+ --server \S+ --tls-server-name \S+) get pods")
            .Groups[1].Value.Split(' ');

        var start = new ProcessStartInfo(_run.Toolbox.KubectlPath, [.. command, "get", "nodes"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
            Environment = { ["KUBECONFIG"] = _run.Kubeconfig, ["HOME"] = _run.Home },
        };
        foreach (var (key, value) in _run.StandIn.ClientEnvironment) start.Environment[key] = value; // the person's own credentials
        using var kubectl = Process.Start(start)!;
        var nodes = kubectl.StandardOutput.ReadToEnd() + kubectl.StandardError.ReadToEnd();
        kubectl.WaitForExit();
        build.Signal("INT");
        var result = build.WaitForExit(TimeSpan.FromMinutes(1));

        Assert.True(kubectl.ExitCode == 0, nodes);
        Assert.Contains("Ready", nodes);
        Assert.Equal(0, result.ExitCode); // Ctrl-C is how it ends
        Assert.Contains("Closed the tunnel to the EKS API", result.Text);
        Assert.DoesNotContain("Resume with:", result.Text);
    }

    public void Dispose() => _run.Dispose();
}
