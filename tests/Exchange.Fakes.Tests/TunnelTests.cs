using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Exchange.AwsStandIn;

namespace Exchange.Fakes.Tests;

/// <summary>
/// The network as kubectl meets it: a private endpoint does not answer from here, a real SSM port-forwarding tunnel (the real aws CLI,
/// the Session Manager plugin stand-in listening on 127.0.0.1) reaches it, and EKS lets in only callers with an access entry.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class TunnelTests : IDisposable
{
    private const string Jump = "i-0jumpjumpjump0001";
    private readonly Sandbox sandbox = new(privateEndpoint: true);

    public TunnelTests()
    {
        // The jump instance: running, its instance profile's role has the SSM policy, so its agent is online.
        lock (sandbox.Cloud)
        {
            sandbox.Cloud.Instances[Jump] = new JsonObject
            {
                ["InstanceId"] = Jump, ["InstanceType"] = "t4g.nano", ["State"] = Services.InstanceState("running"), ["PrivateIpAddress"] = "10.0.0.9",
                ["IamInstanceProfile"] = new JsonObject { ["Arn"] = $"arn:aws:iam::{sandbox.Cloud.Account}:instance-profile/jump", ["Id"] = "AIPAJUMP" },
            };
            sandbox.Cloud.InstanceProfiles["jump"] = ["jump-role"];
            sandbox.Cloud.RolePolicies["jump-role"] = ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"];
        }
        sandbox.Env["PATH"] = sandbox.Toolbox.PluginDir + ":" + Environment.GetEnvironmentVariable("PATH");
    }

    private string EndpointHost => new Uri(sandbox.Cloud.Clusters[Sandbox.Cluster]["endpoint"]!.GetValue<string>()).Host;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private string[] Through(int port, params string[] args) => [.. args, "--server", $"https://127.0.0.1:{port}", "--tls-server-name", EndpointHost];

    [Fact]
    public void A_private_endpoint_times_out_from_here_and_answers_through_a_real_ssm_tunnel_until_the_session_ends()
    {
        sandbox.UseCluster();
        var port = FreePort();

        var direct = sandbox.Kubectl(["get", "nodes"]);
        var noTunnel = sandbox.Kubectl(Through(port, "get", "nodes"));
        using var tunnel = Tunnel(port);
        tunnel.WaitFor("Waiting for connections...");
        var through = sandbox.Kubectl(Through(port, "get", "nodes"));
        var withoutServerName = sandbox.Kubectl(["get", "nodes", "--server", $"https://127.0.0.1:{port}"]);
        var session = sandbox.Cloud.Sessions.Keys.Single();
        Sandbox.Ok(sandbox.Aws("ssm", "terminate-session", "--session-id", session));
        var ended = tunnel.WaitForExit();
        var afterwards = sandbox.Kubectl(Through(port, "get", "nodes"));

        Assert.Equal(1, direct.Exit);
        Assert.Matches(@"^Unable to connect to the server: dial tcp 10\.0\.\d+\.\d+:443: i/o timeout\n$", direct.Stderr);
        Assert.Contains($"The connection to the server 127.0.0.1:{port} was refused", noTunnel.Stderr);
        Assert.True(through.Exit == 0, through.Stderr);
        Assert.Contains("Ready", through.Stdout);
        Assert.Contains("x509: certificate is valid for kubernetes", withoutServerName.Stderr);
        Assert.Contains($"Starting session with SessionId: {session}", ended.Output);
        Assert.Contains($"Port {port} opened for sessionId {session}.", ended.Output);
        Assert.Contains($"Connection accepted for session [{session}]", ended.Output);
        Assert.Contains($"Exiting session with sessionId: {session}.", ended.Output);
        Assert.Equal(0, ended.Exit);
        Assert.Contains("was refused", afterwards.Stderr);
    }

    [Fact]
    public void The_plugin_ends_when_the_aws_cli_that_started_it_is_killed()
    {
        var port = FreePort();
        using var tunnel = Tunnel(port);
        tunnel.WaitFor("Waiting for connections...");
        var plugin = PluginProcesses(port).Single();

        tunnel.KillAwsOnly();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (PluginProcesses(port).Contains(plugin) && DateTime.UtcNow < deadline) Thread.Sleep(100);
        Assert.DoesNotContain(plugin, PluginProcesses(port));
    }

    [Fact]
    public void A_taken_local_port_ends_the_plugin_with_the_bind_error_so_the_caller_can_take_another()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        using var tunnel = Tunnel(port);
        var ended = tunnel.WaitForExit();

        Assert.NotEqual(0, ended.Exit);
        Assert.Contains($"listen tcp 127.0.0.1:{port}: bind: address already in use", ended.Output);
    }

    [Fact]
    public void A_caller_without_an_access_entry_is_unauthorized_and_a_viewer_may_look_but_not_change()
    {
        var port = FreePort();
        sandbox.UseCluster();
        using var tunnel = Tunnel(port);
        tunnel.WaitFor("Waiting for connections...");
        sandbox.Cloud.AddIdentity("STANDIN-STRANGER", sandbox.Cloud.Account, $"arn:aws:iam::{sandbox.Cloud.Account}:user/stranger");
        sandbox.Cloud.AddIdentity("STANDIN-AUDITOR", sandbox.Cloud.Account, $"arn:aws:iam::{sandbox.Cloud.Account}:user/auditor");
        ClusterAccess.Create(sandbox.Cloud, Sandbox.Cluster, $"arn:aws:iam::{sandbox.Cloud.Account}:user/auditor", "STANDARD",
            [("arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", "cluster")]);

        sandbox.Env["AWS_ACCESS_KEY_ID"] = "STANDIN-STRANGER";
        var stranger = sandbox.Kubectl(Through(port, "get", "pods", "-A"));
        sandbox.Env["AWS_ACCESS_KEY_ID"] = "STANDIN-AUDITOR";
        var looks = sandbox.Kubectl(Through(port, "get", "nodes"));
        var changes = sandbox.Kubectl(Through(port, "apply", "-f", "-"), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: exchange-dev\n");

        Assert.Equal("error: You must be logged in to the server (Unauthorized)\n", stranger.Stderr);
        Assert.True(looks.Exit == 0, looks.Stderr);
        Assert.NotEqual(0, changes.Exit);
        Assert.Contains("Error from server (Forbidden): User \"arn:aws:iam::111122223333:user/auditor\" cannot apply", changes.Stderr);
    }

    /// <summary>The pids of the plugin stand-ins listening on <paramref name="port"/> (their arguments name it).</summary>
    private static int[] PluginProcesses(int port) => Directory.GetDirectories("/proc").Select(Path.GetFileName)
        .Where(p => p!.All(char.IsAsciiDigit)).Select(p => int.Parse(p!, System.Globalization.CultureInfo.InvariantCulture))
        .Where(pid =>
        {
            try
            {
                var cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
                return cmdline.Contains(SessionManagerPlugin.Name, StringComparison.Ordinal) && cmdline.Contains($"[\"{port}\"]", StringComparison.Ordinal)
                       && !File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2].Equals("Z", StringComparison.Ordinal);
            }
            catch (IOException) { return false; }
        }).ToArray();

    private RunningTunnel Tunnel(int port)
    {
        var start = new ProcessStartInfo(Path.Combine(sandbox.Toolbox.BinDir, "aws"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, WorkingDirectory = sandbox.Root,
        };
        foreach (var arg in new[]
                 {
                     "ssm", "start-session", "--target", Jump, "--document-name", "AWS-StartPortForwardingSessionToRemoteHost",
                     "--parameters", $"host={EndpointHost},portNumber=443,localPortNumber={port}",
                 })
            start.ArgumentList.Add(arg);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("AWS_") || k.StartsWith("FAKE_")).ToList()) start.Environment.Remove(key);
        foreach (var (key, value) in sandbox.StandIn.ClientEnvironment) start.Environment[key] = value;
        start.Environment["HOME"] = sandbox.Root;
        start.Environment["PATH"] = sandbox.Env["PATH"];
        return new RunningTunnel(Process.Start(start)!);
    }

    private sealed class RunningTunnel : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        public RunningTunnel(Process process)
        {
            _process = process;
            process.StandardInput.Close();
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        private string Output { get { lock (_output) return _output.ToString(); } }

        public void WaitFor(string line)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!Output.Contains(line, StringComparison.Ordinal))
            {
                if (_process.HasExited || DateTime.UtcNow > deadline) Assert.Fail($"The tunnel never printed '{line}':\n{Output}");
                Thread.Sleep(50);
            }
        }

        public Result WaitForExit()
        {
            Assert.True(_process.WaitForExit(TimeSpan.FromSeconds(30)), "the aws CLI did not end:\n" + Output);
            _process.WaitForExit();
            return new Result(_process.ExitCode, Output, "");
        }

        /// <summary>Kills the aws CLI process alone (SIGKILL), as a killed caller leaves the plugin it started behind.</summary>
        public void KillAwsOnly() => _process.Kill(entireProcessTree: false);

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }
    }

    public void Dispose() => sandbox.Dispose();
}
