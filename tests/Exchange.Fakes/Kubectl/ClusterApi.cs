using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Exchange.Fakes.Core;

namespace Exchange.Fakes.Kubectl;

/// <summary>
/// How a kubectl call reaches a cluster's API server, and what the network and EKS say to it. The AWS stand-in serves each cluster's
/// API (GET /_standin/kube/whoami: which cluster, and the caller's access from its access entries; the bearer token is the access key
/// of the credentials in kubectl's environment, as `aws eks get-token` would sign with them):
/// <list type="bullet">
/// <item>a server on 127.0.0.1 (an SSM port-forwarding tunnel, `--server https://127.0.0.1:PORT --tls-server-name ENDPOINT-HOST`) is
/// really connected to: nothing listening is "connection refused", a tunnel forwards to the private endpoint inside the VPC;</item>
/// <item>the cluster's endpoint itself is reached over the internet only when its public endpoint admits this machine; otherwise, after
/// a short wait, "dial tcp PRIVATE-IP:443: i/o timeout", as a private endpoint's addresses time out from outside the VPC.</item>
/// </list>
/// No access entry: "You must be logged in to the server (Unauthorized)".
/// </summary>
internal static class ClusterApi
{
    public const string WhoAmIPath = "/_standin/kube/whoami";

    /// <summary>How long the stand-in waits before an unreachable endpoint times out (the real dial timeout is 30 s).</summary>
    public static readonly TimeSpan DialTimeout = TimeSpan.FromSeconds(1);

    public static (ClusterState Cluster, JsonObject WhoAmI) WhoAmI(string server, string? tlsServerName, IReadOnlyList<ClusterState> clusters)
    {
        var uri = new Uri(server is "" ? "http://localhost:8080" : server);
        var token = FakeEnv.Get("AWS_ACCESS_KEY_ID") ?? "";
        int status;
        JsonObject body;
        if (uri.Host is "127.0.0.1" or "localhost" && server is not "")
        {
            var host = tlsServerName ?? throw new KubectlException(
                "Unable to connect to the server: tls: failed to verify certificate: x509: certificate is valid for kubernetes, kubernetes.default, " +
                $"kubernetes.default.svc, kubernetes.default.svc.cluster.local, not {uri.Host}");
            (status, body) = ThroughTunnel(uri, host, token);
        }
        else
        {
            if (clusters.FirstOrDefault(c => c.Endpoint == server) is null)
                throw new KubectlException($"Unable to connect to the server: dial tcp: lookup {uri.Host} on 127.0.0.53:53: no such host");
            (status, body) = FromInternet(uri.Host, token);
        }
        if (status == 504)
        {
            Thread.Sleep(DialTimeout);
            throw new KubectlException($"Unable to connect to the server: {body["error"]?.GetValue<string>()}");
        }
        if (status == 401) throw new KubectlException("error: You must be logged in to the server (Unauthorized)");
        if (status != 200) throw new KubectlException($"Unable to connect to the server: {body["error"]?.GetValue<string>() ?? $"HTTP {status}"}");
        var name = body["cluster"]!.GetValue<string>();
        return (clusters.Single(c => c.Name == name), body);
    }

    /// <summary>A real TCP connection to the tunnel's local port, one HTTP request through it.</summary>
    private static (int, JsonObject) ThroughTunnel(Uri local, string host, string token)
    {
        using var client = new TcpClient();
        try
        {
            client.Connect("127.0.0.1", local.Port);
        }
        catch (SocketException)
        {
            throw new KubectlException($"The connection to the server 127.0.0.1:{local.Port} was refused - did you specify the right host or port?");
        }
        client.ReceiveTimeout = 30_000;
        var stream = client.GetStream();
        stream.Write(Encoding.ASCII.GetBytes($"GET {WhoAmIPath} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"));
        var response = new StreamReader(stream).ReadToEnd();
        var parts = response.Split("\r\n\r\n", 2);
        if (parts.Length < 2 || parts[0].Split(' ') is not [_, var code, ..])
            throw new KubectlException($"Unable to connect to the server: EOF (the tunnel on 127.0.0.1:{local.Port} closed the connection)");
        return (int.Parse(code, System.Globalization.CultureInfo.InvariantCulture), JsonNode.Parse(parts[1])!.AsObject());
    }

    /// <summary>The public endpoint: the AWS stand-in's own port, with the endpoint's name as Host.</summary>
    private static (int, JsonObject) FromInternet(string host, string token)
    {
        var endpoint = FakeEnv.Get("AWS_ENDPOINT_URL") ?? throw new FakeSetupException("AWS_ENDPOINT_URL is not set: the clusters live in the AWS stand-in.");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, endpoint.TrimEnd('/') + WhoAmIPath);
        request.Headers.Host = host;
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        using var response = http.Send(request);
        return ((int)response.StatusCode, JsonNode.Parse(new StreamReader(response.Content.ReadAsStream()).ReadToEnd())!.AsObject());
    }
}
