using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Exchange.Pipeline.Tests;

/// <summary>
/// A real OCI registry (docker-registry, the CNCF distribution) on 127.0.0.1 with basic auth, standing
/// in for ECR: pushes only work after a real `docker login` with the password the fake
/// `aws ecr get-login-password` hands out.
/// </summary>
public sealed class Registry : IDisposable
{
    private readonly Exchange.Fakes.Core.Lifeline _process;
    private readonly HttpClient _http = new();

    public Registry(string root)
    {
        Password = "ecr-" + Guid.NewGuid().ToString("N");
        Port = FreePort();
        var htpasswd = Path.Combine(root, "htpasswd");
        var hashed = Run("htpasswd", "-Bbn", "AWS", Password);
        File.WriteAllText(htpasswd, hashed);
        var config = Path.Combine(root, "registry.yml");
        File.WriteAllText(config, $"""
            version: 0.1
            log: {"{"}level: error{"}"}
            storage:
              filesystem: {"{"}rootdirectory: {Path.Combine(root, "data")}{"}"}
              delete: {"{"}enabled: true{"}"}
            http:
              addr: 127.0.0.1:{Port}
              secret: {Guid.NewGuid():N}
            auth:
              htpasswd: {"{"}realm: exchange-tests, path: {htpasswd}{"}"}
            """);
        // Under a lifeline: the registry ends with the test process even when that is killed before it can dispose of it.
        _process = Exchange.Fakes.Core.Lifeline.Start(new ProcessStartInfo(Which("docker-registry"), ["serve", config])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        });
        _process.Process.OutputDataReceived += (_, _) => { };
        _process.Process.ErrorDataReceived += (_, _) => { };
        _process.Process.BeginOutputReadLine();
        _process.Process.BeginErrorReadLine();
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"AWS:{Password}")));
        WaitUntilUp();
    }

    public int Port { get; }
    public string Host => $"127.0.0.1:{Port}";
    public string Password { get; }

    /// <summary>The tags the registry holds for a repository (empty when it has none).</summary>
    public IReadOnlyList<string> Tags(string repository)
    {
        var response = _http.GetAsync($"http://{Host}/v2/{repository}/tags/list").Result;
        if (response.StatusCode == HttpStatusCode.NotFound) return [];
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(response.Content.ReadAsStringAsync().Result);
        return json.RootElement.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array
            ? tags.EnumerateArray().Select(t => t.GetString()!).ToArray()
            : [];
    }

    private void WaitUntilUp()
    {
        using var anonymous = new HttpClient();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                if (anonymous.GetAsync($"http://{Host}/v2/").Result.StatusCode == HttpStatusCode.Unauthorized) return;
            }
            catch (AggregateException) { }
            Thread.Sleep(100);
        }
        throw new InvalidOperationException($"docker-registry did not start on {Host}.");
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static string Which(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, command)).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"'{command}' is not on PATH. The pipeline tests need docker-registry, htpasswd " +
                                               "(apt-get install docker-registry apache2-utils) and a running Docker engine; .ci/run sets them up.");

    private static string Run(string command, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(Which(command), args) { RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{command} failed with exit code {process.ExitCode}.");
        return output;
    }

    public void Dispose()
    {
        _process.Dispose();
        _http.Dispose();
    }
}
