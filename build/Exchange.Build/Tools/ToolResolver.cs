namespace Exchange.Build.Tools;

/// <summary>The external programs the pipeline runs.</summary>
public enum ToolKind { Cdk, Aws, Docker, Kubectl, Node, Npm, Git, Dotnet, DockerRegistry, Htpasswd, Shellcheck, MariaDb, RedisServer, SessionManagerPlugin }

/// <summary>How to find a tool and what to tell a user who lacks it.</summary>
public sealed record ToolSpec(ToolKind Kind, string Command, string? OverrideVariable, string InstallHint);

/// <summary>
/// The one place that turns a tool into a file to run: the override variable (CDK_PATH, AWS_PATH,
/// DOCKER_PATH, KUBECTL_PATH) first, then the repository's pinned copy (infra/node_modules/.bin/cdk),
/// then PATH. A missing tool is an error that names the tool, the target that needed it and how to
/// install it.
/// </summary>
public sealed class ToolResolver(Func<string, string?> environment, string repoRoot, Func<string?> currentTarget, bool lenient = false)
{
    public static readonly IReadOnlyDictionary<ToolKind, ToolSpec> Specs = new Dictionary<ToolKind, ToolSpec>
    {
        [ToolKind.Cdk] = new(ToolKind.Cdk, "cdk", Settings.EnvVars.CdkPath,
            "run `npm ci --prefix infra` (installs the aws-cdk infra/package.json pins), or set CDK_PATH to a cdk executable"),
        [ToolKind.Aws] = new(ToolKind.Aws, "aws", Settings.EnvVars.AwsPath,
            "install AWS CLI v2 (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html), or set AWS_PATH"),
        [ToolKind.Docker] = new(ToolKind.Docker, "docker", Settings.EnvVars.DockerPath,
            "install Docker (Debian: apt-get install docker.io) and start the engine, or set DOCKER_PATH"),
        [ToolKind.Kubectl] = new(ToolKind.Kubectl, "kubectl", Settings.EnvVars.KubectlPath,
            "install kubectl >= 1.33 (https://kubernetes.io/docs/tasks/tools/), or set KUBECTL_PATH"),
        [ToolKind.Node] = new(ToolKind.Node, "node", null, "install Node.js 22 LTS (20 works with a warning)"),
        [ToolKind.Npm] = new(ToolKind.Npm, "npm", null, "install npm (it ships with Node.js)"),
        [ToolKind.Git] = new(ToolKind.Git, "git", null, "install git"),
        [ToolKind.Dotnet] = new(ToolKind.Dotnet, "dotnet", null, "install the .NET 10 SDK (see global.json)"),
        // The aws CLI runs it by name from PATH for `aws ssm start-session` (the tunnel to the private EKS API), so no override variable.
        [ToolKind.SessionManagerPlugin] = new(ToolKind.SessionManagerPlugin, "session-manager-plugin", null,
            "install AWS's Session Manager plugin, which the aws CLI needs for the tunnel to the private EKS API: macOS `brew install --cask " +
            "session-manager-plugin`; Debian/Ubuntu `curl -fsSLo /tmp/smp.deb https://s3.amazonaws.com/session-manager-downloads/plugin/latest/" +
            "ubuntu_64bit/session-manager-plugin.deb && sudo dpkg -i /tmp/smp.deb` (ubuntu_arm64 on ARM); Amazon Linux/RHEL `sudo dnf install -y " +
            "https://s3.amazonaws.com/session-manager-downloads/plugin/latest/linux_64bit/session-manager-plugin.rpm`; others: " +
            "https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html " +
            "(or reach the cluster directly: --cluster-access=direct with --eks-public-cidrs)"),
        // Needed by the tests only (a real registry on 127.0.0.1, its password file, the script linter).
        [ToolKind.DockerRegistry] = new(ToolKind.DockerRegistry, "docker-registry", null, "apt-get install docker-registry"),
        [ToolKind.Htpasswd] = new(ToolKind.Htpasswd, "htpasswd", null, "apt-get install apache2-utils"),
        [ToolKind.Shellcheck] = new(ToolKind.Shellcheck, "shellcheck", null, "apt-get install shellcheck"),
        // The connectivity checker's tests start their own MariaDB (mariadb-install-db, then /usr/sbin/mariadbd) and Redis on 127.0.0.1.
        [ToolKind.MariaDb] = new(ToolKind.MariaDb, "mariadb-install-db", null, "apt-get install mariadb-server"),
        [ToolKind.RedisServer] = new(ToolKind.RedisServer, "redis-server", null, "apt-get install redis-server"),
    };

    private readonly Dictionary<ToolKind, string> _resolved = [];
    private readonly Lock _gate = new();

    public string Resolve(ToolKind kind)
    {
        lock (_gate)
        {
            if (_resolved.TryGetValue(kind, out var known)) return known;
            var path = lenient ? TryFind(Specs[kind]) : Find(Specs[kind]);
            _resolved[kind] = path;
            return path;
        }
    }

    /// <summary>Throws <see cref="ToolNotFoundException"/> when the tool is not there, even for a resolver that prints plans (Doctor).</summary>
    public void Require(ToolKind kind) => Find(Specs[kind]);

    /// <summary>The file, or null when the tool is not installed (for Doctor's report).</summary>
    public string? TryResolve(ToolKind kind)
    {
        try { return Resolve(kind); } catch (ToolNotFoundException) { return null; }
    }

    /// <summary>For printing plans: a tool that is not installed shows as its bare command name.</summary>
    private string TryFind(ToolSpec spec)
    {
        try { return Find(spec); } catch (ToolNotFoundException) { return spec.Command; }
    }

    private string Find(ToolSpec spec)
    {
        if (spec.OverrideVariable is { } variable && environment(variable) is { Length: > 0 } overridden)
        {
            if (File.Exists(overridden)) return Path.GetFullPath(overridden);
            throw new ToolNotFoundException(spec, currentTarget(), BrokenOverride(spec, overridden), OverrideFix(spec));
        }
        if (spec.Kind == ToolKind.Cdk)
        {
            var pinned = Path.Combine(repoRoot, "infra", "node_modules", ".bin", "cdk");
            if (File.Exists(pinned)) return pinned;
        }
        return SearchPath(spec.Command) ?? throw new ToolNotFoundException(spec, currentTarget(), null);
    }

    /// <summary>
    /// Every override variable of these tools that is set but points at no file, as messages that say
    /// to fix or unset it. Checked before a run starts, so a cached result (an up-to-date cloud
    /// assembly) cannot hide a broken override.
    /// </summary>
    public IReadOnlyList<string> BrokenOverrides(IEnumerable<ToolKind> kinds) =>
        kinds.Distinct().Order().Select(k => Specs[k])
            .Where(s => s.OverrideVariable is { } v && environment(v) is { Length: > 0 } path && !File.Exists(path))
            .Select(s => $"{BrokenOverride(s, environment(s.OverrideVariable!)!)}. To fix: {OverrideFix(s)}.")
            .ToArray();

    private static string BrokenOverride(ToolSpec spec, string path) => $"{spec.OverrideVariable} is set to '{path}', which does not exist";

    private static string OverrideFix(ToolSpec spec) =>
        $"point {spec.OverrideVariable} at an existing {spec.Command} executable, or unset it " +
        $"(`unset {spec.OverrideVariable}`) to use {(spec.Kind == ToolKind.Cdk ? "the pinned infra/node_modules/.bin/cdk, else " : "")}the {spec.Command} on " +
            "PATH";

    private string? SearchPath(string command)
    {
        var dirs = (environment(Settings.EnvVars.Path) ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var names = OperatingSystem.IsWindows() ? new[] { command + ".exe", command + ".cmd", command } : new[] { command };
        return dirs.SelectMany(d => names.Select(n => Path.Combine(d, n))).FirstOrDefault(IsExecutable);
    }

    private static bool IsExecutable(string path)
    {
        if (!File.Exists(path)) return false;
        if (OperatingSystem.IsWindows()) return true;
        return (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
    }
}

public sealed class ToolNotFoundException(ToolSpec spec, string? target, string? detail, string? fix = null)
    : Exception($"'{spec.Command}' was not found{(detail is null ? "" : $" ({detail})")}" +
                $"{(target is null ? "" : $"; target '{target}' needs it")}. To fix: {fix ?? spec.InstallHint}.")
{
    public ToolKind Tool { get; } = spec.Kind;
}
