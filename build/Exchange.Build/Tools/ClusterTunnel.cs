using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Exchange.Build.Aws;
using Exchange.Build.Logging;
using Exchange.Build.Operations;
using Exchange.Build.Processes;
using Exchange.Build.Settings;

namespace Exchange.Build.Tools;

/// <summary>How the pipeline's kubectl reaches the cluster's API: the arguments every cluster command gets, and what to say when it fails.</summary>
public interface IClusterRoute
{
    /// <summary>
    /// Added to every cluster command: opens the tunnel the first time it is needed, after <paramref name="beforeOpening"/> (the
    /// kubeconfig context check: nothing is opened for a command that will not run).
    /// </summary>
    IReadOnlyList<string> ServerArguments(Action? beforeOpening = null);

    /// <summary>What to do when kubectl could not reach the API this way.</summary>
    string UnreachableHint { get; }
}

/// <summary>Where the tunnel goes: through which instance, to which API endpoint host (port 443).</summary>
public sealed record TunnelTarget(string Instance, string EndpointHost)
{
    /// <summary>The host of an endpoint URL (https://HOST), or the value itself when it is none (a placeholder).</summary>
    public static string HostOf(string endpoint) => endpoint.StartsWith("https://", StringComparison.Ordinal) ? endpoint[8..].Split('/')[0] : endpoint;
}

/// <summary>The tunnel path could not work: what is wrong and what to do (an expected stop, not a bug).</summary>
public sealed class ClusterPathException(string message) : Exception(message);

/// <summary>
/// The way to the cluster's API for one run. <see cref="ClusterPath.Direct"/>: kubectl uses the kubeconfig's server (the public
/// endpoint, for the configured CIDRs). <see cref="ClusterPath.Tunnel"/>: an SSM port-forwarding session
/// (<c>aws ssm start-session --document-name AWS-StartPortForwardingSessionToRemoteHost</c>, which runs the Session Manager plugin)
/// through the VPC stack's jump instance to the private endpoint, opened when a step first needs the cluster, on a free local
/// port (a port taken between choosing and binding is retried with another), and closed when the run ends (also when it is
/// interrupted); kubectl then gets <c>--server https://127.0.0.1:PORT --tls-server-name ENDPOINT-HOST</c>, which override the
/// kubeconfig's server without editing it. <see cref="Check"/> opens and closes one to prove the way works before a deploy.
/// </summary>
public sealed partial class ClusterTunnel(
    ClusterPath path, IReadOnlyList<string> publicCidrs, AwsCli aws, AwsCli cleanup, IProcessRunner runner, ToolResolver tools, IBuildLog log,
    Waiter waits, IClock clock, CancellationToken interrupted, Func<TunnelTarget> target, TimeSpan agentTimeout) : IClusterRoute, IDisposable
{
    public const int ApiPort = 443;
    public const string ReadyLine = "Waiting for connections...";
    /// <summary>How long the aws CLI and the plugin may take to listen (they take a second or two).</summary>
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);
    private const int Attempts = 3;

    private Session? _session;
    private readonly Lock _gate = new();

    private sealed record Session(IRunningProcess Process, string? Id, int Port, TunnelTarget Target)
    {
        /// <summary>kubectl has gone through it (false for a session kept from <see cref="Check"/> until its first kubectl call).</summary>
        public bool Used { get; set; }

        /// <summary>A process that ends without closing the tunnel (an exception past Teardown) takes the plugin with it.</summary>
        public void OnExit(object? sender, EventArgs e)
        {
            try { Process.Stop(); } catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception) { }
        }
    }

    public ClusterPath Path => path;

    /// <summary>A tunnel is open and its plugin still runs.</summary>
    public bool IsOpen { get { lock (_gate) return _session is { Process.HasExited: false }; } }

    /// <summary>What the run's interruption summary may say: the tunnels this run closed (none when it never opened one).</summary>
    public IReadOnlyList<string> Closed => _closed;
    private readonly List<string> _closed = [];

    public string UnreachableHint => path == ClusterPath.Tunnel
        ? "the SSM tunnel to the private endpoint is open, yet the API did not answer through it: check the cluster security group's 443 rule from " +
          "the jump instance (the Eks stack adds it; run DeployInfra), then rerun"
        : $"--{ArgumentNames.ClusterAccess}=direct reaches the public endpoint, which admits only {string.Join(", ", publicCidrs)}: your address " +
          $"must be in one of them (--{ArgumentNames.EksPublicCidrs}), or use the tunnel (--{ArgumentNames.ClusterAccess}=tunnel)";

    public IReadOnlyList<string> ServerArguments(Action? beforeOpening = null)
    {
        if (path == ClusterPath.Direct) return [];
        lock (_gate)
        {
            if (_session is null or { Used: false }) beforeOpening?.Invoke();
            if (_session is { Process.HasExited: true } ended)
            {
                // A session kept from the check before a deploy may have gone idle while the deploy ran (Session Manager ends idle ones).
                if (ended.Used) log.Warning($"The tunnel to the EKS API (session {ended.Id}) ended: {LastLines(ended.Process)}. Opening a new one.");
                else log.Information($"The session kept from the check before the deploy (session {ended.Id}) has ended (idle); opening a new one.");
                CloseSession();
            }
            var where = target();
            if (_session is { } kept && kept.Target != where)
            {
                log.Information($"The session kept from the check goes to {kept.Target.EndpointHost}, and the cluster's endpoint is " +
                                $"{where.EndpointHost} now: opening one to it.");
                CloseSession();
            }
            if (_session is { Used: false } checkedSession)
                log.Information($"kubectl talks to https://127.0.0.1:{checkedSession.Port} through the session that checked the way before the deploy " +
                                $"(session {checkedSession.Id}).");
            var session = _session ??= Open(where, probe: false);
            session.Used = true;
            return ["--server", $"https://127.0.0.1:{session.Port}", "--tls-server-name", session.Target.EndpointHost];
        }
    }

    /// <summary>
    /// Proves the tunnel works before a long step (a deploy): the plugin is there, the jump instance runs, its agent is online, and
    /// ssm:StartSession is allowed: opens a session. Fails with what to do. With <paramref name="keep"/> (the cluster's endpoint is
    /// known, so the session already goes where the kubectl steps will) the session stays open for them: one session per run, closed
    /// when the run ends. Without it (no cluster yet: the session goes to a placeholder host) it is terminated at once.
    /// </summary>
    public void Check(TunnelTarget where, bool keep = false)
    {
        if (path == ClusterPath.Direct) return;
        lock (_gate)
        {
            if (_session is { Process.HasExited: false } open && open.Target == where) return; // already proven by this run
            log.Information($"Checking the way to the EKS API before deploying: an SSM session through the jump instance {where.Instance} ...");
            CloseSession();
            var session = Open(where, probe: true);
            if (keep)
            {
                _session = session;
                log.Information($"The tunnel through {where.Instance} works (session {session.Id}, 127.0.0.1:{session.Port}); it stays open for " +
                                "the kubectl steps.");
                return;
            }
            Close(session, strict: true);
            log.Information($"The tunnel through {where.Instance} works (session {session.Id} started and terminated).");
        }
    }

    /// <summary>Closes the tunnel when one is open: terminates the session (even when the run was interrupted) and stops the plugin.</summary>
    public void Close()
    {
        lock (_gate) CloseSession();
    }

    public void Dispose() => Close();

    private void CloseSession()
    {
        if (_session is not { } session) return;
        _session = null;
        Close(session, strict: false);
        log.Information($"Closed the tunnel to the EKS API (session {session.Id}, 127.0.0.1:{session.Port}).");
        _closed.Add($"closed the tunnel to the EKS API (session {session.Id})");
    }

    /// <summary>
    /// Terminates the session and stops the plugin. <paramref name="strict"/> (a check before a deploy): a refused ssm:TerminateSession
    /// ends the step, as every refusal does; at the end of a run it is a warning (the session times out by itself).
    /// </summary>
    private void Close(Session session, bool strict)
    {
        AppDomain.CurrentDomain.ProcessExit -= session.OnExit;
        try
        {
            if (session.Id is { } id)
                try
                {
                    cleanup.Run(cleanup.TerminateSessionCommand(id), new ProcessOptions { Timeout = TimeSpan.FromSeconds(30) });
                }
                catch (Exception e) when (e is CommandFailedException or AwsCredentialsException or TimeoutException
                                          && !(strict && e is AwsCallException { Failure.Kind: AwsFailureKind.Permission }))
                {
                    log.Warning($"Could not terminate SSM session {id} ({e.Message.Split('\n')[0]}); it ends by itself after Session Manager's " +
                                "idle timeout (20 minutes by default).");
                }
        }
        finally
        {
            if (!session.Process.WaitForExit(TimeSpan.FromSeconds(5))) session.Process.Stop();
            session.Process.Dispose();
        }
    }

    private Session Open(TunnelTarget where, bool probe)
    {
        tools.Resolve(ToolKind.SessionManagerPlugin); // the aws CLI runs it; a missing one fails here, with how to install it
        var waitedForAgent = false;
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            if (!probe)
                log.Information($"Opening a tunnel to the EKS API: SSM port forwarding through the jump instance {where.Instance} to " +
                                $"{where.EndpointHost}:{ApiPort}, on 127.0.0.1:{port} ...");
            var command = aws.StartSessionCommand(where.Instance, where.EndpointHost, ApiPort, port);
            var watch = Stopwatch.StartNew();
            var process = runner.Start(command, new ProcessOptions
            {
                OnOutputLine = line => log.Verbose("  session-manager-plugin | " + line),
                OnErrorLine = line => log.Verbose("  aws | " + line),
            });
            var state = AwaitReady(process, where);
            if (state == Readiness.Ready)
            {
                var session = new Session(process, SessionId(process), port, where);
                AppDomain.CurrentDomain.ProcessExit += session.OnExit;
                if (!probe)
                    log.Information($"Tunnel ready in {Progress.Seconds(watch.Elapsed)}: kubectl talks to https://127.0.0.1:{port} " +
                                    $"(session {session.Id}).");
                return session;
            }
            var output = string.Join("\n", process.Output);
            var exit = process.ExitCode ?? -1;
            process.Dispose();
            if (state == Readiness.TimedOut)
                throw new ClusterPathException($"The SSM tunnel through {where.Instance} did not start listening within {ReadyTimeout.TotalSeconds:F0} s. " +
                    $"Its last output: {Tail(output)}. Check that `aws ssm start-session` works for you (the command above), then rerun.");
            if (PortTaken().IsMatch(output) && attempt < Attempts)
            {
                log.Warning($"Local port {port} was taken before the tunnel could listen on it (another run?); trying another port.");
                continue;
            }
            var failure = AwsFailure.Classify(exit, output);
            if (failure.IsTransient && attempt < Attempts)
            {
                log.Warning($"  aws | {failure} - retrying (attempt {attempt + 1} of {Attempts})");
                Sleep(TimeSpan.FromSeconds(2 * attempt));
                continue;
            }
            if (failure.Code == "TargetNotConnected" && !waitedForAgent)
            {
                WhyNotConnected(where.Instance);
                waitedForAgent = true;
                continue;
            }
            throw aws.Failure(command, exit, output,
                $"the tunnel to the EKS API goes through the jump instance {where.Instance} with the SSM document {AwsCli.PortForwardingDocument}: " +
                "the deploy policy (./build.sh --target=Permissions) allows ssm:StartSession on exactly those; or reach the cluster directly " +
                $"(--{ArgumentNames.ClusterAccess}=direct with --{ArgumentNames.EksPublicCidrs})");
        }
    }

    private enum Readiness { Ready, Exited, TimedOut }

    /// <summary>Waits until the plugin listens (its "Waiting for connections..." line), the aws CLI exits, or the time is up.</summary>
    private Readiness AwaitReady(IRunningProcess process, TunnelTarget where)
    {
        var watch = Stopwatch.StartNew();
        var nextProgress = TimeSpan.FromSeconds(10);
        while (true)
        {
            if (process.Output.Contains(ReadyLine)) return Readiness.Ready;
            if (process.HasExited)
            {
                process.WaitForExit(TimeSpan.FromSeconds(5)); // the last lines
                return process.Output.Contains(ReadyLine) ? Readiness.Ready : Readiness.Exited;
            }
            if (watch.Elapsed >= ReadyTimeout)
            {
                process.Stop();
                return Readiness.TimedOut;
            }
            if (watch.Elapsed >= nextProgress)
            {
                log.Information($"waiting for the SSM tunnel through {where.Instance} to listen: {LastLines(process)} " +
                                $"({Backoff.Format(watch.Elapsed)} of {Backoff.Format(ReadyTimeout)})");
                nextProgress += TimeSpan.FromSeconds(10);
            }
            try
            {
                Sleep(TimeSpan.FromMilliseconds(50));
            }
            catch (OperationCanceledException)
            {
                process.Dispose();
                throw new RunInterruptedException("aws ssm start-session");
            }
        }
    }

    /// <summary>
    /// StartSession said TargetNotConnected: a stopped instance ends the run with how to start it; a running one whose agent has not come
    /// online yet (a new instance, a role that just got its SSM policy) is waited for, then the session is tried again.
    /// </summary>
    private void WhyNotConnected(string instance)
    {
        var state = aws.InstanceState(instance);
        if (state is null)
            throw new ClusterPathException($"The jump instance {instance} (the Vpc stack's JumpInstanceId output) does not exist. Run " +
                                           "./build.sh --target=DeployInfra to recreate it, then rerun.");
        if (state is "stopped" or "stopping" or "shutting-down" or "terminated")
            throw new ClusterPathException($"The jump instance {instance} is {state}: the tunnel to the private EKS API goes through it (and, as the " +
                $"NAT instance, so does the private subnets' way out). Start it: aws ec2 start-instances --instance-ids {instance} --region {aws.Region} " +
                "(then rerun; Pause never stops it).");
        var result = waits.For($"the SSM agent on {instance} to come online", () => aws.AgentPingStatus(instance), s => s == "Online",
            s => s ?? "not registered with Systems Manager", agentTimeout, aws.InstanceInformationCommand(instance).RenderSafe());
        if (!result.Done)
            throw new ClusterPathException($"The SSM agent on the jump instance {instance} ({state}) is {result.LastState}, so no tunnel can go through it. " +
                "Its role needs AmazonSSMManagedInstanceCore (DeployInfra gives it) and it needs a way out to Systems Manager; an agent started before " +
                $"its role had the policy comes online after a restart: aws ec2 reboot-instances --instance-ids {instance} --region {aws.Region}, then rerun.");
    }

    private void Sleep(TimeSpan duration) => clock.Sleep(duration, interrupted);

    private static string? SessionId(IRunningProcess process) =>
        process.Output.Select(l => StartingSession().Match(l)).FirstOrDefault(m => m.Success)?.Groups[1].Value;

    private static string LastLines(IRunningProcess process) => Tail(string.Join("\n", process.Output));

    private static string Tail(string output) => ProcessRunner.Tail(output, 3).Replace("\n", " | ") is { Length: > 0 } tail ? tail : "(nothing)";

    /// <summary>A free port on 127.0.0.1 for this run (the plugin binds it a moment later; a port taken meanwhile is retried).</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"Starting session with SessionId: (\S+)")] private static partial Regex StartingSession();
    [GeneratedRegex(@"address already in use|bind: address", RegexOptions.IgnoreCase)] private static partial Regex PortTaken();
}
