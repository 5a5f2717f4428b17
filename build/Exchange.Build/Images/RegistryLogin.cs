using Exchange.Build.Processes;

namespace Exchange.Build.Images;

/// <summary>
/// An ECR login that never touches disk: `aws ecr get-login-password` goes straight into
/// `docker login --password-stdin`, and docker keeps the resulting credential in a private
/// DOCKER_CONFIG folder in memory (/dev/shm) that is deleted when the pushes are done,
/// instead of ~/.docker/config.json.
/// </summary>
public sealed class RegistryLogin : IDisposable
{
    private readonly string _configDir;
    private readonly Action<string>? _removed;

    private RegistryLogin(string configDir, Action<string>? removed = null)
    {
        _configDir = configDir;
        _removed = removed;
        // An interrupted run unwinds through the caller's `using`; this is the backstop for a hard exit.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Dispose();
        Options = new ProcessOptions { Environment = new Dictionary<string, string?> { ["DOCKER_CONFIG"] = configDir } };
    }

    /// <summary>Options that make docker use this login (merge with `with { ... }`).</summary>
    public ProcessOptions Options { get; }

    public static RegistryLogin Open(BuildContext b, IEnumerable<string> registries)
    {
        var inMemory = Directory.Exists("/dev/shm");
        var dir = Path.Combine(inMemory ? "/dev/shm" : Path.GetTempPath(), $"exchange-docker-{Guid.NewGuid():N}");
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(dir);
        else Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (!inMemory && UserCredentialStore(b) is { } store)
        {
            // No /dev/shm (macOS, Windows): let docker keep the token in the OS keychain, as it does for the user.
            File.WriteAllText(Path.Combine(dir, "config.json"), $$"""{"credsStore":"{{store}}"}""");
        }
        else if (!inMemory)
            b.Log.Warning($"No /dev/shm and no docker credential store: the ECR token (valid 12 h) sits in {dir} until the push ends.");
        var login = new RegistryLogin(dir, b.NoteCleanup);
        try
        {
            foreach (var registry in registries)
            {
                var password = b.Aws.GetEcrLoginPassword();
                b.Docker.Run(b.Docker.LoginCommand(registry), login.Options with
                {
                    StandardInput = password,
                    FailureHint = "the ECR token was refused: check that your role may call ecr:GetAuthorizationToken and push to the repositories",
                });
                b.Log.Information($"Logged in to {registry} (token on stdin, credential kept in memory only).");
            }
            return login;
        }
        catch
        {
            login.Dispose();
            throw;
        }
    }

    /// <summary>The credential helper the user's docker config names (osxkeychain, desktop, wincred), if any.</summary>
    private static string? UserCredentialStore(BuildContext b)
    {
        var home = b.Environment(Settings.EnvVars.DockerConfig)
                   ?? Path.Combine(b.Environment(Settings.EnvVars.Home) ?? b.Environment(Settings.EnvVars.UserProfile) ?? "", ".docker");
        var config = Path.Combine(home, "config.json");
        if (!File.Exists(config)) return null;
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(config));
            return json.RootElement.TryGetProperty("credsStore", out var store) ? store.GetString() : null;
        }
        catch (System.Text.Json.JsonException) { return null; }
    }

    public void Dispose()
    {
        if (!Directory.Exists(_configDir)) return;
        try
        {
            Directory.Delete(_configDir, recursive: true);
            _removed?.Invoke("removed the temporary docker login");
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
