using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;

namespace Exchange.Fakes;

/// <summary>
/// A stand-in for AWS's Session Manager plugin, for port-forwarding sessions: the aws CLI starts a session (StartSession), then runs
/// <c>session-manager-plugin RESPONSE REGION StartSession PROFILE PARAMETERS ENDPOINT</c> (awscli's customizations/sessionmanager.py;
/// RESPONSE names the environment variable holding the session for plugins newer than 1.2.497.0). Like the real plugin it REALLY
/// listens on 127.0.0.1:localPortNumber, prints what the real one prints ("Starting session with SessionId: ...", "Port N opened for
/// sessionId ...", "Waiting for connections...", "Connection accepted for session [...]"), and forwards each accepted connection
/// over a data channel of the session's StreamUrl, where the AWS stand-in plays ssmmessages and the instance on the other end
/// (tests/Exchange.AwsStandIn, DataChannels). It ends when the session ends (TerminateSession closes its control channel), on
/// SIGINT/SIGTERM, or when the aws CLI process that started it is gone (it watches its parent, as a killed CLI leaves it behind).
/// </summary>
public static class SessionManagerPlugin
{
    public const string Version = "1.2.707.0";
    public const string Name = "session-manager-plugin";

    [DllImport("libc", SetLastError = true)]
    private static extern int getppid();

    public static int Run(string[] args)
    {
        if (args is ["--version"])
        {
            Console.WriteLine(Version);
            return 0;
        }
        if (args is not [var response, _, "StartSession", _, var parameters, _, ..])
        {
            Console.WriteLine("The Session Manager plugin was installed successfully. Use the AWS CLI to start a session.");
            return 0;
        }
        var session = JsonNode.Parse(Environment.GetEnvironmentVariable(response) is { Length: > 0 } fromEnv ? fromEnv : response)!;
        var (id, token) = (session["SessionId"]!.GetValue<string>(), session["TokenValue"]!.GetValue<string>());
        var stream = new Uri(session["StreamUrl"]!.GetValue<string>());
        var localPort = int.Parse(JsonNode.Parse(parameters)!["Parameters"]!["localPortNumber"]![0]!.GetValue<string>(),
            System.Globalization.CultureInfo.InvariantCulture);
        var parent = getppid();

        Console.WriteLine();
        Console.WriteLine($"Starting session with SessionId: {id}");
        TcpClient control;
        try
        {
            control = Open(stream, id, token, "control");
        }
        catch (Exception e) when (e is SocketException or IOException or InvalidOperationException)
        {
            Console.Error.WriteLine($"Cannot perform start session: {e.Message}");
            return 1;
        }
        var listener = new TcpListener(IPAddress.Loopback, localPort);
        try
        {
            listener.Start();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            Console.Error.WriteLine($"Cannot perform start session: listen tcp 127.0.0.1:{localPort}: bind: address already in use");
            return 1;
        }
        Console.WriteLine($"Port {localPort} opened for sessionId {id}.");
        Console.WriteLine("Waiting for connections...");
        Console.Out.Flush();

        using var done = new ManualResetEventSlim();
        var why = "";
        void End(string reason)
        {
            lock (done)
                if (!done.IsSet)
                {
                    why = reason;
                    done.Set();
                }
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; End("Terminate signal received, exiting."); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; End("Terminate signal received, exiting."); });
        _ = Task.Run(() =>
        {
            try { control.GetStream().ReadByte(); } catch (Exception e) when (e is IOException or ObjectDisposedException) { }
            End($"SessionId: {id} : session terminated.");
        });
        _ = Task.Run(() =>
        {
            while (!done.IsSet && getppid() == parent) Thread.Sleep(100);
            End("The aws CLI that started this session is gone, exiting.");
        });
        _ = Task.Run(() => Accept(listener, stream, id, token));

        done.Wait();
        listener.Stop();
        control.Dispose();
        Console.WriteLine();
        Console.WriteLine(why);
        Console.WriteLine($"Exiting session with sessionId: {id}.");
        Console.Out.Flush();
        return 0;
    }

    private static void Accept(TcpListener listener, Uri stream, string id, string token)
    {
        while (true)
        {
            TcpClient local;
            try { local = listener.AcceptTcpClient(); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException) { return; }
            Console.WriteLine($"Connection accepted for session [{id}]");
            Console.Out.Flush();
            _ = Task.Run(() => Forward(local, stream, id, token));
        }
    }

    /// <summary>One forwarded connection: a data channel of the session, bytes copied both ways until either side closes.</summary>
    private static async Task Forward(TcpClient local, Uri stream, string id, string token)
    {
        using (local)
        {
            TcpClient remote;
            try
            {
                remote = Open(stream, id, token, "data");
            }
            catch (Exception e) when (e is SocketException or IOException or InvalidOperationException)
            {
                Console.WriteLine($"Connection to destination port failed, check SSM Agent logs. ({e.Message})");
                return;
            }
            using (remote)
                await Task.WhenAll(Copy(local, remote), Copy(remote, local));
        }
    }

    /// <summary>Copies until <paramref name="from"/> closes, then closes the sending side of <paramref name="to"/> (so its reader sees the end).</summary>
    private static async Task Copy(TcpClient from, TcpClient to)
    {
        try
        {
            await from.GetStream().CopyToAsync(to.GetStream());
            to.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // the other side went away first
        }
    }

    /// <summary>Opens a channel of the session: its header line, answered OK (else the reason, as an exception).</summary>
    private static TcpClient Open(Uri stream, string id, string token, string kind)
    {
        var client = new TcpClient(stream.Host, stream.Port);
        var channel = client.GetStream();
        channel.Write(Encoding.ASCII.GetBytes($"{id} {token} {kind}\n"));
        var answer = new StringBuilder();
        for (var b = channel.ReadByte(); b is not -1 and not '\n'; b = channel.ReadByte()) answer.Append((char)b);
        if (answer.ToString() == "OK") return client;
        client.Dispose();
        throw new InvalidOperationException(answer.Length > 0 ? answer.ToString()["ERR ".Length..] : "the data channel closed");
    }
}
