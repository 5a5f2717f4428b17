using System.Net;
using System.Net.Sockets;

namespace Exchange.Checker;

/// <summary>
/// A TCP connection to a data store before its client library talks to it: the network's own verdict (no answer, refused,
/// no such host), so every check explains a network failure the same way, whatever its client library makes of it.
/// </summary>
internal static class Reach
{
    public static async Task<IPEndPoint> TcpAsync(string host, int port, TimeSpan timeout, string hostVariable, string portVariable)
    {
        IPAddress[] addresses;
        using (var dns = new CancellationTokenSource(timeout))
        {
            try
            {
                addresses = IPAddress.TryParse(host, out var literal)
                    ? [literal]
                    : await Dns.GetHostAddressesAsync(host, AddressFamily.InterNetwork, dns.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                throw new CheckFailure($"cannot resolve {host} ({(e is OperationCanceledException ? $"no DNS answer within {Seconds(timeout)}" : e.Message)})",
                    LikelyCause.Unresolvable(hostVariable));
            }
        }
        if (addresses.Length == 0) throw new CheckFailure($"{host} has no IPv4 address", LikelyCause.Unresolvable(hostVariable));

        var endpoint = new IPEndPoint(addresses[0], port);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var connect = new CancellationTokenSource(timeout);
        try
        {
            await socket.ConnectAsync(endpoint, connect.Token);
            return endpoint;
        }
        catch (OperationCanceledException)
        {
            throw new CheckFailure($"no answer from {host}:{port} ({endpoint.Address}) within {Seconds(timeout)}", LikelyCause.Blocked(port));
        }
        catch (SocketException e)
        {
            throw Classify(e, host, port, portVariable);
        }
    }

    /// <summary>What a socket error at connect time most likely means.</summary>
    public static CheckFailure Classify(SocketException e, string host, int port, string portVariable) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => new($"{host}:{port} refused the connection", LikelyCause.Refused(portVariable)),
        SocketError.TimedOut => new($"no answer from {host}:{port} (the connection timed out)", LikelyCause.Blocked(port)),
        SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.NetworkDown =>
            new($"no route to {host}:{port} ({e.SocketErrorCode})", LikelyCause.Blocked(port)),
        _ => new($"cannot connect to {host}:{port}: {e.Message} ({e.SocketErrorCode})", LikelyCause.Blocked(port)),
    };

    public static string Seconds(TimeSpan span) => $"{span.TotalSeconds:0.#} s";
}
