using System.Text.Json;
using Exchange.Build.Logging;
using Exchange.Build.Pipeline;
using Exchange.Build.Pipeline.Tasks;
using Exchange.Build.Processes;
using Exchange.Build.Tools;
using Exchange.Contracts;

namespace Exchange.Build.Tests;

/// <summary>
/// The SSM tunnel to the private EKS API as a run uses it: opened by the first cluster command and only then, on a free port (a taken
/// one retried), closed at the end; and every way it cannot work ends the run with the fix: no plugin, a refused ssm:StartSession, a
/// stopped jump instance, an agent that never comes online.
/// </summary>
public sealed class ClusterTunnelTests : IDisposable
{
    private const string Jump = "i-0jump00000000001";
    private const string Host = "0123456789ABCDEF.gr7.ap-northeast-2.eks.amazonaws.com";
    private const string ClusterArn = "arn:aws:eks:ap-northeast-2:111122223333:cluster/exchange-dev";
    private readonly TempDir _dir = new();
    private readonly MemoryLog _log = new();

    /// <summary>A run of <paramref name="tasks"/> with the stack outputs on disk and (unless not) a Session Manager plugin on PATH.</summary>
    private BuildContext Run(TunnelWorld world, bool plugin = true, Dictionary<string, string>? arguments = null, params string[] tasks)
    {
        var names = Environments.Dev.Names;
        _dir.Write("artifacts/cdk-outputs.json", JsonSerializer.Serialize(new Dictionary<string, Dictionary<string, string>>
        {
            [names.Stack(StackKind.Vpc)] = new() { [Outputs.JumpInstanceId.Key] = Jump },
            [names.Stack(StackKind.Eks)] = new() { [Outputs.EksClusterEndpoint.Key] = "https://" + Host, [Outputs.EksClusterArn.Key] = ClusterArn },
        }));
        if (plugin) _dir.Script("path/session-manager-plugin", "echo 1.2.707.0");
        var args = new Dictionary<string, string>(arguments ?? []) { ["artifacts"] = _dir.Combine("artifacts"), ["account"] = "111122223333" };
        return Contexts.Logged(world, _log, args, new Dictionary<string, string> { ["PATH"] = _dir.Combine("path") },
            tasks.Length == 0 ? [TaskNames.Status] : tasks);
    }

    [Fact]
    public void The_first_cluster_command_opens_the_tunnel_once_and_every_cluster_command_goes_through_it_until_the_run_closes_it()
    {
        var world = new TunnelWorld();
        var b = Run(world);

        Assert.Empty(world.Started); // nothing opens until a step needs the cluster
        var first = b.Kubectl.ClusterCommand(ClusterArn, "get", "nodes");
        var second = b.Kubectl.ClusterCommand(ClusterArn, "get", "pods");
        b.CloseServices();

        var started = Assert.Single(world.Started);
        Assert.Equal(["ssm", "start-session", "--target", Jump, "--document-name", "AWS-StartPortForwardingSessionToRemoteHost", "--parameters",
            $"host={Host},portNumber=443,localPortNumber={world.Ports[0]}", "--region", "ap-northeast-2"], started.Values);
        Assert.Equal(["get", "nodes", "--context", ClusterArn, "--server", $"https://127.0.0.1:{world.Ports[0]}", "--tls-server-name", Host],
            first.Values);
        Assert.Equal(first.Values.Skip(2), second.Values.Skip(2));
        Assert.Contains(world.Calls, c => c == $"ssm terminate-session --session-id dev-1 --region ap-northeast-2 --output json");
        Assert.True(world.Sessions[0].Stopped);
        Assert.Contains($"Opening a tunnel to the EKS API: SSM port forwarding through the jump instance {Jump}", _log.Text);
        Assert.Contains($"kubectl talks to https://127.0.0.1:{world.Ports[0]} (session dev-1)", _log.Text);
        Assert.Contains("Closed the tunnel to the EKS API (session dev-1", _log.Text);
    }

    [Fact]
    public void A_port_taken_before_the_plugin_binds_it_is_retried_with_another_and_a_direct_path_opens_nothing()
    {
        var world = new TunnelWorld(FakeSession.Ends("Cannot perform start session: listen tcp 127.0.0.1:PORT: bind: address already in use", 1));
        var tunnel = Run(world);
        var direct = Run(new TunnelWorld(), arguments: new() { ["eks-public-cidrs"] = "203.0.113.0/24" });

        var command = tunnel.Kubectl.ClusterCommand(ClusterArn, "get", "nodes");
        var plain = direct.Kubectl.ClusterCommand(ClusterArn, "get", "nodes");

        Assert.Equal(2, world.Started.Count);
        Assert.NotEqual(world.Ports[0], world.Ports[1]);
        Assert.Contains($"https://127.0.0.1:{world.Ports[1]}", command.Values);
        Assert.Contains($"Local port {world.Ports[0]} was taken", _log.Text);
        Assert.Equal(["get", "nodes", "--context", ClusterArn], plain.Values);
    }

    [Fact]
    public void A_missing_plugin_a_refused_session_and_a_stopped_jump_instance_each_stop_with_the_fix()
    {
        var noPlugin = Assert.Throws<ToolNotFoundException>(() => Run(new TunnelWorld(), plugin: false).Kubectl.ClusterCommand(ClusterArn, "get", "nodes"));
        var refused = Assert.Throws<Aws.AwsCallException>(() => Run(new TunnelWorld(FakeSession.Ends(
            "\nAn error occurred (AccessDeniedException) when calling the StartSession operation: User: arn:aws:sts::111122223333:assumed-role/dev/s " +
            $"is not authorized to perform: ssm:StartSession on resource: arn:aws:ec2:ap-northeast-2:111122223333:instance/{Jump}\n")))
            .Kubectl.ClusterCommand(ClusterArn, "get", "nodes"));
        var stoppedWorld = new TunnelWorld(TargetNotConnected()) { InstanceState = "stopped" };
        var stopped = Assert.Throws<ClusterPathException>(() => Run(stoppedWorld).Kubectl.ClusterCommand(ClusterArn, "get", "nodes"));

        Assert.Contains("brew install --cask session-manager-plugin", noPlugin.Message);
        Assert.Contains("session-manager-plugin.deb", noPlugin.Message);
        Assert.Contains("IAM action: ssm:StartSession", refused.Message);
        Assert.Contains($"jump instance {Jump} with the SSM document AWS-StartPortForwardingSessionToRemoteHost", refused.Message);
        Assert.Contains($"aws ec2 start-instances --instance-ids {Jump} --region ap-northeast-2", stopped.Message);
        Assert.Single(stoppedWorld.Started); // stopped: not waited for, not tried again
    }

    [Fact]
    public void A_running_jump_instance_whose_agent_is_not_online_yet_is_waited_for_then_the_session_is_tried_again()
    {
        var world = new TunnelWorld(TargetNotConnected()) { InstanceState = "running", PingStatuses = new(["ConnectionLost", "Online"]) };
        var b = Run(world, arguments: new() { ["wait-timeout"] = "2s" });

        var command = b.Kubectl.ClusterCommand(ClusterArn, "get", "nodes");

        Assert.Equal(2, world.Started.Count);
        Assert.Contains($"https://127.0.0.1:{world.Ports[1]}", command.Values);
        Assert.Contains($"the SSM agent on {Jump} to come online: Online", _log.Text);
    }

    [Fact]
    public void An_agent_that_never_comes_online_ends_with_the_reboot_that_restarts_it()
    {
        var world = new TunnelWorld(TargetNotConnected()) { InstanceState = "running", PingStatuses = new(["ConnectionLost"]) };
        var b = Run(world, arguments: new() { ["wait-timeout"] = "1s" });

        var error = Assert.Throws<ClusterPathException>(() => b.Kubectl.ClusterCommand(ClusterArn, "get", "nodes"));

        Assert.Contains($"aws ec2 reboot-instances --instance-ids {Jump} --region ap-northeast-2", error.Message);
        Assert.Contains("AmazonSSMManagedInstanceCore", error.Message);
    }

    [Fact]
    public void Kubectl_refused_by_EKS_or_timing_out_stops_with_the_access_list_or_the_path_to_use()
    {
        var world = new TunnelWorld
        {
            Answer = c => c.Values.Contains("nodes")
                ? new ProcessResult(1, "", "error: You must be logged in to the server (Unauthorized)\n", TimeSpan.Zero)
                : new ProcessResult(1, "", "Unable to connect to the server: dial tcp 10.0.33.12:443: i/o timeout\n", TimeSpan.Zero),
        };
        var b = Run(world, arguments: new() { ["eks-public-cidrs"] = "198.51.100.0/24" });
        world.CurrentContext = ClusterArn;

        var unauthorized = Assert.Throws<ClusterAccessException>(() =>
            b.Kubectl.Run(ClusterArn, b.Kubectl.ClusterCommand(ClusterArn, "get", "nodes"), new ProcessOptions { AllowFailure = true }));
        var unreachable = Assert.Throws<ClusterUnreachableException>(() => b.Kubectl.Run(ClusterArn, b.Kubectl.ClusterCommand(ClusterArn, "get", "pods")));

        Assert.Contains("EksConfig.AdminPrincipals", unauthorized.Message);
        Assert.Contains("dial tcp 10.0.33.12:443: i/o timeout", unreachable.Message);
        Assert.Contains("admits only 198.51.100.0/24", unreachable.Message);
        Assert.Contains("--cluster-access=tunnel", unreachable.Message);
    }

    [Fact]
    public void Before_a_deploy_the_way_to_the_cluster_is_checked_with_the_session_the_kubectl_steps_then_use_and_a_refusal_stops_before_cdk()
    {
        var world = new TunnelWorld { Deployed = true };
        var refusing = new TunnelWorld(FakeSession.Ends(
            "\nAn error occurred (AccessDeniedException) when calling the StartSession operation: User: x is not authorized to perform: ssm:StartSession\n"))
        {
            Deployed = true,
        };
        var deploy = Run(world, tasks: [TaskNames.DeployInfra, TaskNames.Secrets]);
        deploy.AssemblyChecked = true;

        DeployInfra.Deploy(deploy);
        var kubectl = deploy.Kubectl.ClusterCommand(ClusterArn, "get", "nodes");
        deploy.CloseServices();
        var refused = Run(refusing, tasks: [TaskNames.DeployInfra, TaskNames.Secrets]);
        refused.AssemblyChecked = true;
        Assert.Throws<Aws.AwsCallException>(() => DeployInfra.Deploy(refused));

        // One session per run: the one that checked the way before cdk deploy carries the kubectl steps, and is closed when the run ends.
        var order = new[] { "ssm start-session", "deploy --app", "ssm terminate-session" }
            .Select(p => world.Calls.FindIndex(c => c.StartsWith(p, StringComparison.Ordinal))).ToArray();
        Assert.True(order.All(i => i >= 0) && order.SequenceEqual(order.Order()), string.Join("\n", world.Calls));
        Assert.Single(world.Started);
        Assert.Equal(["--server", $"https://127.0.0.1:{world.Ports[0]}", "--tls-server-name", Host], kubectl.Values.Skip(4));
        Assert.True(world.Sessions[0].Stopped);
        Assert.Contains("The tunnel through " + Jump + " works", _log.Text);
        Assert.DoesNotContain(refusing.Calls, c => c.StartsWith("deploy", StringComparison.Ordinal));
    }

    private static Func<int, FakeSession> TargetNotConnected() =>
        FakeSession.Ends($"\nAn error occurred (TargetNotConnected) when calling the StartSession operation: {Jump} is not connected.\n");

    public void Dispose() => _dir.Dispose();
}

/// <summary>A Session Manager plugin run: listening until stopped, or ended at once with an error.</summary>
public sealed class FakeSession(IReadOnlyList<string> output, int? exit) : IRunningProcess
{
    public bool Stopped { get; private set; }
    public bool HasExited => exit is not null || Stopped;
    public int? ExitCode => exit ?? (Stopped ? 0 : null);
    public IReadOnlyList<string> Output => output;
    public bool WaitForExit(TimeSpan timeout) => HasExited;
    public void Stop() => Stopped = true;
    public void Dispose() { }

    public static FakeSession Listening(int port, string id) =>
        new(["", $"Starting session with SessionId: {id}", $"Port {port} opened for sessionId {id}.", "Waiting for connections..."], null);

    public static Func<int, FakeSession> Ends(string output, int exit = 255) => port => new(output.Replace("PORT", port.ToString()).Split('\n'), exit);
}

/// <summary>
/// The aws CLI and kubectl as the tunnel meets them: start-session runs the next scripted plugin (then listening ones), describe calls
/// answer from the fields, everything else from <see cref="Answer"/>; every call is recorded.
/// </summary>
public sealed class TunnelWorld(params Func<int, FakeSession>[] first) : IProcessRunner
{
    private readonly Queue<Func<int, FakeSession>> _next = new(first);
    public List<string> Calls { get; } = [];
    public List<CommandLine> Started { get; } = [];
    public List<int> Ports { get; } = [];
    public List<FakeSession> Sessions { get; } = [];
    public string? InstanceState { get; init; }
    public Queue<string> PingStatuses { get; init; } = new(["Online"]);
    public bool Deployed { get; init; }
    public string? CurrentContext { get; set; } = "arn:aws:eks:ap-northeast-2:111122223333:cluster/exchange-dev";
    public Func<CommandLine, ProcessResult>? Answer { get; init; }

    private static ProcessResult Ok(object json) => new(0, JsonSerializer.Serialize(json), "", TimeSpan.Zero);

    /// <summary>
    /// The stacks' outputs: the jump instance, the cluster's endpoint (a deploy keeps it), no backend load balancer (not what these tests are
    /// about), "value" for the rest.
    /// </summary>
    private static string Value(StackOutput output) =>
        output == Outputs.JumpInstanceId ? "i-0jump00000000001" : output == Outputs.BackendTargetGroupArn ? BackendAccess.NoLoadBalancer
        : output == Outputs.EksClusterEndpoint ? "https://0123456789ABCDEF.gr7.ap-northeast-2.eks.amazonaws.com" : "value";

    public ProcessResult Run(CommandLine command, ProcessOptions? options = null)
    {
        Calls.Add(string.Join(' ', command.Values));
        return command.Values.ToArray() switch
        {
            ["sts", "get-caller-identity", ..] => Ok(new { Account = "111122223333", Arn = "arn:aws:sts::111122223333:assumed-role/dev/s", UserId = "AROA:s" }),
            ["iam", "get-role", _, var role, ..] => Ok(new { Role = new { RoleName = role, Arn = $"arn:aws:iam::111122223333:role/{role}" } }),
            ["ssm", "terminate-session", _, var id, ..] => Ok(new { SessionId = id }),
            ["ec2", "describe-instances", ..] =>
                Ok(new { Reservations = new[] { new { Instances = new[] { new { State = new { Name = InstanceState } } } } } }),
            ["ssm", "describe-instance-information", ..] => Ok(new
            {
                InstanceInformationList = new[] { new { PingStatus = PingStatuses.Count > 1 ? PingStatuses.Dequeue() : PingStatuses.Peek() } },
            }),
            ["cloudformation", "describe-stacks", _, var stack, ..] when Deployed => Ok(new
            {
                Stacks = new[] { new { StackName = stack, StackStatus = "CREATE_COMPLETE", Outputs = Outputs.Of(Enum.Parse<StackKind>(stack.Split('-')[2]))
                    .Select(o => new { OutputKey = o.Key, OutputValue = Value(o) }) } },
            }),
            ["cloudformation", "describe-stacks", ..] => new ProcessResult(255, "", "An error occurred (ValidationError) when calling the DescribeStacks " +
                                                                           "operation: Stack with id X does not exist", TimeSpan.Zero),
            ["rds", "describe-db-instances", ..] => Ok(new { DBInstances = new[] { new { DBInstanceStatus = "available" } } }),
            ["eks", "describe-nodegroup", ..] => Ok(new { nodegroup = new { scalingConfig = new { minSize = 1, maxSize = 4, desiredSize = 2 } } }),
            ["logs", "describe-log-groups", ..] => Ok(new { logGroups = Array.Empty<object>() }),
            // The broker, asked for its topics after the deploy: an empty one that creates what it is asked for.
            ["ssm", "send-command", ..] => Ok(new { Command = new { CommandId = "c-1" } }),
            ["ssm", "get-command-invocation", ..] => Ok(new
            {
                Status = "Success", StandardErrorContent = "",
                StandardOutputContent = string.Concat(Kafka.DeclaredTopics.Of(Environments.Dev).Topics.Select(t => $"created {t.Name} 3 1\n")),
            }),
            ["secretsmanager", "describe-secret", ..] => new ProcessResult(255, "", "An error occurred (ResourceNotFoundException) when calling " +
                "the DescribeSecret operation: Secrets Manager can't find the specified secret.", TimeSpan.Zero),
            ["config", "current-context"] => new ProcessResult(CurrentContext is null ? 1 : 0, CurrentContext ?? "", "", TimeSpan.Zero),
            ["deploy", ..] => Deploy(command),
            _ => Answer?.Invoke(command) ?? Ok(new { }),
        };
    }

    private static ProcessResult Deploy(CommandLine command)
    {
        var args = command.Values.ToList();
        var names = Environments.Dev.Names;
        File.WriteAllText(args[args.IndexOf("--outputs-file") + 1], JsonSerializer.Serialize(Outputs.All.GroupBy(o => names.Stack(o.Stack))
            .ToDictionary(g => g.Key, g => g.ToDictionary(o => o.Key, Value))));
        return new ProcessResult(0, "", "", TimeSpan.Zero);
    }

    public IRunningProcess Start(CommandLine command, ProcessOptions? options = null)
    {
        Calls.Add(string.Join(' ', command.Values));
        Started.Add(command);
        var port = int.Parse(command.Values.Single(v => v.Contains("localPortNumber=")).Split("localPortNumber=")[1],
            System.Globalization.CultureInfo.InvariantCulture);
        Ports.Add(port);
        var session = _next.Count > 0 ? _next.Dequeue()(port) : FakeSession.Listening(port, $"dev-{Sessions.Count(s => s.ExitCode is null or 0) + 1}");
        Sessions.Add(session);
        return session;
    }
}
