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

    private RegistryLogin(string configDir)
    {
        _configDir = configDir;
        Options = new ProcessOptions { Environment = new Dictionary<string, string?> { ["DOCKER_CONFIG"] = configDir } };
    }

    /// <summary>Options that make docker use this login (merge with `with { ... }`).</summary>
    public ProcessOptions Options { get; }

    public static RegistryLogin Open(BuildContext b, IEnumerable<string> registries)
    {
        var root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var dir = Path.Combine(root, $"exchange-docker-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var login = new RegistryLogin(dir);
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

    public void Dispose()
    {
        try { Directory.Delete(_configDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
