using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Exchange.AwsStandIn;

/// <summary>An SSM session: who started it, on which instance, forwarding to which host and port, and the connections it carries.</summary>
public sealed class SessionRecord
{
    public required string Id { get; init; }
    public required string Token { get; init; }
    public required string Instance { get; init; }
    public required string Document { get; init; }
    public required string Host { get; init; }
    public required int Port { get; init; }
    public required string Caller { get; init; }
    public bool Terminated { get; set; }
    /// <summary>The plugin's open channels (control and data); TerminateSession closes them, as the service does.</summary>
    public List<TcpClient> Channels { get; } = [];
}

/// <summary>
/// Session Manager for port forwarding (<c>AWS-StartPortForwardingSessionToRemoteHost</c>): StartSession on an instance whose SSM
/// agent is online (running, and its instance profile's role has AmazonSSMManagedInstanceCore), TerminateSession, and
/// DescribeInstanceInformation (which instances the agent reports from). The session's StreamUrl points at the stand-in's data
/// channels (<see cref="DataChannels"/>), where the Session Manager plugin stand-in connects as the real one connects to ssmmessages.
/// </summary>
public static class SessionManager
{
    public const string PortForwardingDocument = "AWS-StartPortForwardingSessionToRemoteHost";
    public const string SsmCorePolicy = "AmazonSSMManagedInstanceCore";

    /// <summary>Whether the instance's SSM agent is registered (its role has the SSM policy) and online (the instance runs).</summary>
    public static (bool Registered, bool Online) Agent(Cloud c, string instanceId)
    {
        if (c.Instances.GetValueOrDefault(instanceId) is not { } instance) return (false, false);
        var profile = instance["IamInstanceProfile"]?["Arn"]?.GetValue<string>().Split('/').Last();
        var registered = profile is not null && c.InstanceProfiles.GetValueOrDefault(profile) is { } roles
                         && roles.Any(r => c.RolePolicies.GetValueOrDefault(r)?.Any(p => p.EndsWith("/" + SsmCorePolicy, StringComparison.Ordinal)) == true);
        return (registered, registered && instance["State"]!["Name"]!.GetValue<string>() == "running" && instance["Settles"] is null);
    }

    public static JsonObject Start(Cloud c, AwsRequest r)
    {
        var target = r.Json["Target"]!.GetValue<string>();
        var document = r.Json["DocumentName"]?.GetValue<string>() ?? "SSM-SessionManagerRunShell";
        if (document != PortForwardingDocument)
            throw new AwsError("InvalidDocument", $"The aws stand-in only forwards ports ({PortForwardingDocument}), not {document}.");
        if (!Agent(c, target).Online) throw new AwsError("TargetNotConnected", $"{target} is not connected.");
        string Parameter(string name) => r.Json["Parameters"]?[name]?.AsArray().SingleOrDefault()?.GetValue<string>()
            ?? throw new AwsError("InvalidParameters", $"The document {document} needs the parameter {name}.");
        var host = Parameter("host");
        var port = int.Parse(Parameter("portNumber"), System.Globalization.CultureInfo.InvariantCulture);
        _ = Parameter("localPortNumber");
        var user = r.Caller.Arn.Split('/').Last();
        var id = $"{user}-{Guid.NewGuid():N}"[..(user.Length + 18)];
        var token = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
        c.Sessions[id] = new SessionRecord { Id = id, Token = token, Instance = target, Document = document, Host = host, Port = port, Caller = r.Caller.Arn };
        return new JsonObject
        {
            ["SessionId"] = id, ["TokenValue"] = token,
            ["StreamUrl"] = $"ws://{c.DataChannelEndpoint}/v1/data-channel/{id}?role=publish_subscribe",
        };
    }

    public static JsonObject Terminate(Cloud c, AwsRequest r)
    {
        var id = r.Json["SessionId"]!.GetValue<string>();
        if (c.Sessions.GetValueOrDefault(id) is { } session) End(session);
        return new JsonObject { ["SessionId"] = id };
    }

    /// <summary>Ends the session: its channels close, so the plugin on the other end exits.</summary>
    public static void End(SessionRecord session)
    {
        session.Terminated = true;
        foreach (var channel in session.Channels) channel.Dispose();
        session.Channels.Clear();
    }

    public static JsonObject DescribeInstanceInformation(Cloud c, AwsRequest r)
    {
        var wanted = (r.Json["Filters"]?.AsArray() ?? []).Where(f => f!["Key"]!.GetValue<string>() == "InstanceIds")
            .SelectMany(f => f!["Values"]!.AsArray().Select(v => v!.GetValue<string>())).ToHashSet();
        var list = new JsonArray();
        foreach (var (id, instance) in c.Instances.Where(i => wanted.Count == 0 || wanted.Contains(i.Key)))
        {
            var (registered, online) = Agent(c, id);
            if (!registered) continue; // an agent without credentials never registers
            list.Add(new JsonObject
            {
                ["InstanceId"] = id, ["PingStatus"] = online ? "Online" : "ConnectionLost", ["LastPingDateTime"] = Cloud.Time(DateTimeOffset.UtcNow),
                ["AgentVersion"] = "3.3.1345.0", ["IsLatestVersion"] = true, ["PlatformType"] = "Linux", ["PlatformName"] = "Amazon Linux",
                ["PlatformVersion"] = "2023", ["ResourceType"] = "EC2Instance", ["IPAddress"] = instance["PrivateIpAddress"]!.DeepClone(),
                ["ComputerName"] = $"ip-{instance["PrivateIpAddress"]!.GetValue<string>().Replace('.', '-')}.{c.Region}.compute.internal",
            });
        }
        return new JsonObject { ["InstanceInformationList"] = list };
    }
}

/// <summary>
/// The stand-in's ssmmessages: a TCP listener on 127.0.0.1 where the Session Manager plugin (stand-in) opens a session's channels.
/// A channel starts with one line, <c>SESSION-ID TOKEN control|data</c>, answered <c>OK</c> or <c>ERR reason</c>. The control channel
/// stays open until the session ends (TerminateSession closes it). A data channel is one forwarded TCP connection, arriving where
/// the session forwards to as seen from the instance: the private endpoint of an EKS cluster is served by <see cref="ClusterApi"/>
/// from inside the VPC; anything else is refused.
/// </summary>
public sealed class DataChannels : IDisposable
{
    private readonly Cloud _cloud;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();

    public DataChannels(Cloud cloud)
    {
        _cloud = cloud;
        _listener.Start();
        Endpoint = $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _ = Task.Run(Accept);
    }

    public string Endpoint { get; }

    private async Task Accept()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { return; }
            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(TcpClient client)
    {
        try
        {
            var stream = client.GetStream();
            var header = (await ReadLine(stream, TimeSpan.FromSeconds(10)))?.Split(' ');
            SessionRecord? session;
            string? refusal;
            lock (_cloud)
            {
                session = header is [var id, _, _] ? _cloud.Sessions.GetValueOrDefault(id) : null;
                refusal = header is not [_, var token, "control" or "data"] ? "bad channel header"
                    : session is null || session.Token != token ? "unknown session or token"
                    : session.Terminated ? $"session {session.Id} was terminated"
                    : header[2] == "data" && ClusterApi.ClusterAt(_cloud, session.Host) is null
                        ? $"dial tcp {session.Host}:{session.Port}: connect: connection refused"
                        : null;
                if (refusal is null) session!.Channels.Add(client);
            }
            await Write(stream, refusal is null ? "OK\n" : $"ERR {refusal}\n");
            if (refusal is not null)
            {
                client.Dispose();
                return;
            }
            if (header![2] == "control") return; // held open until the session ends
            var request = await ClusterApi.ReadRequest(stream);
            if (request is not null)
            {
                (int Status, JsonObject Body) answer;
                lock (_cloud) answer = ClusterApi.Answer(_cloud, session!.Host, request.Value.Path, request.Value.Authorization, fromVpc: true);
                await Write(stream, ClusterApi.Http(answer.Status, answer.Body));
            }
            lock (_cloud) session!.Channels.Remove(client);
            client.Dispose();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            client.Dispose();
        }
    }

    private static async Task Write(Stream stream, string text)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text));
        await stream.FlushAsync();
    }

    internal static async Task<string?> ReadLine(Stream stream, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var line = new StringBuilder();
        var one = new byte[1];
        while (await stream.ReadAsync(one, deadline.Token) == 1)
        {
            if (one[0] == '\n') return line.ToString().TrimEnd('\r');
            line.Append((char)one[0]);
            if (line.Length > 8192) return null;
        }
        return null;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_cloud)
            foreach (var session in _cloud.Sessions.Values) SessionManager.End(session);
    }
}

/// <summary>
/// What an EKS cluster's API endpoint answers the kubectl stand-in (tests/Exchange.Fakes): which cluster it is, and what the caller
/// (the bearer token: the access key its credentials carry, as `aws eks get-token` would sign it) may do there, from the cluster's
/// access entries. Reached from inside the VPC through an SSM data channel, or over the internet (the stand-in's own port, with the
/// endpoint as Host) only when the cluster's public endpoint admits <see cref="Cloud.ClientPublicAddress"/>; otherwise the connection
/// times out, as a private endpoint's private addresses do from outside the VPC.
/// </summary>
public static class ClusterApi
{
    public const string WhoAmIPath = "/_standin/kube/whoami";

    /// <summary>The cluster whose endpoint has this host name (DNS names compare without case).</summary>
    public static JsonObject? ClusterAt(Cloud c, string host) =>
        c.Clusters.Values.FirstOrDefault(cl => Uri.TryCreate(cl["endpoint"]?.GetValue<string>(), UriKind.Absolute, out var uri)
                                               && string.Equals(uri.Host, host, StringComparison.OrdinalIgnoreCase));

    /// <summary>The address the endpoint's name resolves to inside the VPC (a private endpoint's name resolves there from anywhere).</summary>
    public static string PrivateAddress(Cloud c, string cluster) =>
        $"10.0.{Convert.ToInt32(c.Hex(2, cluster, "endpoint"), 16) % 200 + 10}.{Convert.ToInt32(c.Hex(2, cluster, "eni"), 16) % 250 + 4}";

    public static (int Status, JsonObject Body) Answer(Cloud c, string host, string path, string? authorization, bool fromVpc)
    {
        if (ClusterAt(c, host) is not { } cluster)
            return (502, new JsonObject { ["error"] = $"dial tcp: lookup {host}: no such host" });
        var name = cluster["name"]!.GetValue<string>();
        if (!fromVpc && !PublicFor(c, cluster))
            return (504, new JsonObject { ["error"] = $"dial tcp {PrivateAddress(c, name)}:443: i/o timeout" });
        if (path != WhoAmIPath) return (404, new JsonObject { ["error"] = $"the cluster stand-in serves only {WhoAmIPath}" });
        var key = authorization is ['B', 'e', 'a', 'r', 'e', 'r', ' ', .. var token] ? token.Trim() : null;
        var caller = key is null ? null : c.Caller(key);
        var (principal, access) = caller is null ? (null, null) : ClusterAccess.Of(c, name, caller);
        if (access is null)
            return (401, new JsonObject { ["kind"] = "Status", ["message"] = "Unauthorized", ["caller"] = caller?.Arn, ["principal"] = principal });
        return (200, new JsonObject
        {
            ["cluster"] = name, ["arn"] = cluster["arn"]!.DeepClone(), ["caller"] = caller!.Arn, ["principal"] = principal, ["access"] = access,
        });
    }

    /// <summary>Whether the public endpoint admits this machine (its public address in one of the endpoint's CIDRs).</summary>
    public static bool PublicFor(Cloud c, JsonObject cluster)
    {
        var vpc = cluster["resourcesVpcConfig"];
        if (vpc?["endpointPublicAccess"]?.GetValue<bool>() != true) return false;
        var cidrs = vpc["publicAccessCidrs"]?.AsArray().Select(x => x!.GetValue<string>()) ?? ["0.0.0.0/0"];
        return cidrs.Any(cidr => Contains(cidr, c.ClientPublicAddress));
    }

    private static bool Contains(string cidr, string address)
    {
        var parts = cidr.Split('/');
        static uint Bits(string ip) =>
            ip.Split('.').Aggregate(0u, (n, octet) => (n << 8) | uint.Parse(octet, System.Globalization.CultureInfo.InvariantCulture));
        var prefix = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
        return (Bits(parts[0]) & mask) == (Bits(address) & mask);
    }

    /// <summary>One HTTP/1.1 request without a body: its path and Authorization header (null when the peer sent none).</summary>
    public static async Task<(string Path, string? Authorization)?> ReadRequest(Stream stream)
    {
        var first = await DataChannels.ReadLine(stream, TimeSpan.FromSeconds(30));
        if (first?.Split(' ') is not [_, var path, _]) return null;
        string? authorization = null;
        while (await DataChannels.ReadLine(stream, TimeSpan.FromSeconds(30)) is { Length: > 0 } line)
            if (line.StartsWith("Authorization:", StringComparison.OrdinalIgnoreCase)) authorization = line["Authorization:".Length..].Trim();
        return (path, authorization);
    }

    public static string Http(int status, JsonObject body)
    {
        var json = body.ToJsonString();
        return $"HTTP/1.1 {status} {(status == 200 ? "OK" : "Error")}\r\nContent-Type: application/json\r\n" +
               $"Content-Length: {Encoding.UTF8.GetByteCount(json)}\r\n" +
               $"Connection: close\r\n\r\n{json}";
    }
}
