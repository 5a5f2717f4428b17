using Exchange.Build.Processes;

namespace Exchange.Build.Tools;

/// <summary>
/// kubectl. Every call that reaches a cluster first checks that the kubeconfig's current context is
/// this environment's cluster, and then names that context explicitly (<c>--context</c>), so a
/// context switched in another terminal can never redirect an apply. The route to the API server
/// (<see cref="IClusterRoute"/>: the SSM tunnel's <c>--server</c>/<c>--tls-server-name</c>, or nothing for the
/// public endpoint) is added to every cluster command. A refusal (no access entry) or an API that cannot be
/// reached ends the step with what to do.
/// </summary>
public sealed partial class KubectlCli(IProcessRunner runner, ToolResolver tools, IClusterRoute? route = null)
{
    private CommandLine Command(params string[] args) => new CommandLine("kubectl", tools.Resolve(ToolKind.Kubectl)).Add(args);

    public CommandLine VersionCommand() => Command("version", "--client");
    public CommandLine CurrentContextCommand() => Command("config", "current-context");
    public CommandLine KustomizeCommand(string dir) => Command("kustomize", dir);

    /// <summary>A cluster command pinned to <paramref name="context"/>, over the run's route to the API server.</summary>
    public CommandLine ClusterCommand(string context, params string[] args) =>
        Command(args).Add("--context", context).Add([.. route?.ServerArguments(() => EnsureContext(context)) ?? []]);

    public CommandLine ApplyCommand(string context) => ClusterCommand(context, "apply", "-f", "-");

    public CommandLine RolloutStatusCommand(string context, string resource, string ns, TimeSpan timeout) =>
        ClusterCommand(context, "rollout", "status", resource, "--namespace", ns, $"--timeout={(int)timeout.TotalSeconds}s");

    public string? CurrentContext()
    {
        var result = runner.Run(CurrentContextCommand(), new ProcessOptions { AllowFailure = true });
        return result.Succeeded ? result.StandardOutput.Trim() : null;
    }

    public CommandLine CurrentConfigCommand() => Command("config", "view", "--minify", "-o", "json");

    /// <summary>The kubeconfig's current context as kubectl resolves it (no secret data: kubectl omits it), or null without one.</summary>
    public KubeconfigEntry? CurrentEntry()
    {
        var result = runner.Run(CurrentConfigCommand(), new ProcessOptions { AllowFailure = true });
        return result.Succeeded ? KubeconfigEntry.Parse(result.StandardOutput) : null;
    }

    /// <summary>Fails unless the current context is <paramref name="expected"/>.</summary>
    public void EnsureContext(string expected)
    {
        var current = CurrentContext();
        if (current != expected)
            throw new WrongKubeContextException(expected, current);
    }

    public string Render(string kustomizationDir) =>
        runner.Run(KustomizeCommand(kustomizationDir), new ProcessOptions
        {
            FailureHint = $"fix the kustomization in {kustomizationDir} (try `kubectl kustomize {kustomizationDir}`)",
        }).StandardOutput;

    /// <summary>Runs a cluster command after the context check.</summary>
    public ProcessResult Run(string context, CommandLine command, ProcessOptions? options = null)
    {
        EnsureContext(context);
        ProcessResult result;
        try
        {
            result = runner.Run(command, options);
        }
        catch (CommandFailedException e)
        {
            throw Refused(context, e.ErrorTail) ?? (Exception)e;
        }
        if (!result.Succeeded && Refused(context, result.StandardError) is { } refused) throw refused;
        return result;
    }

    /// <summary>What kubectl's error output means when it is no answer at all: EKS refused the caller, or the API was not reached.</summary>
    private Exception? Refused(string context, string stderr)
    {
        if (stderr.Contains("You must be logged in to the server (Unauthorized)", StringComparison.Ordinal))
            return new ClusterAccessException(context);
        if (Unreachable().Match(stderr) is { Success: true } m)
            return new ClusterUnreachableException(context, m.Value.Trim(), route?.UnreachableHint ?? "check your network path to the cluster");
        return null;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(Unable to connect to the server: [^\n]*(i/o timeout|no route to host|connection refused)[^\n]*|" +
                                                   @"The connection to the server [^\n]* was refused[^\n]*)")]
    private static partial System.Text.RegularExpressions.Regex Unreachable();
}

/// <summary>EKS refused the caller: it has no access entry on the cluster.</summary>
public sealed class ClusterAccessException(string cluster)
    : Exception($"The cluster {cluster} refused your AWS identity (Unauthorized): it has no EKS access entry there. Every deploy makes exactly the " +
                "entries the access list names (EksConfig.AdminPrincipals and ViewPrincipals in src/Exchange.Contracts/Environments.cs): add your role " +
                "there (role/PATH/NAME; `aws sts get-caller-identity` names it) and deploy, or ask someone on the list to. A deploy you run yourself gives " +
                "your identity access for that deploy.");

/// <summary>kubectl did not reach the API server at all.</summary>
public sealed class ClusterUnreachableException(string cluster, string detail, string hint)
    : Exception($"kubectl could not reach the API of {cluster}: {detail}. What to do: {hint}.");

public sealed class WrongKubeContextException(string expected, string? current)
    : Exception($"kubectl's current context is '{current ?? "(none)"}', not this environment's cluster '{expected}'. " +
                "Nothing was sent to any cluster. Run --target=Kubeconfig to point kubectl at it " +
                "(aws eks update-kubeconfig), or switch with `kubectl config use-context`.");

/// <summary>
/// The current context of a kubeconfig (<c>kubectl config view --minify -o json</c>): its name, its cluster's server and whether it
/// has a certificate authority, and its user's exec command (<c>aws eks get-token</c> as update-kubeconfig writes it).
/// </summary>
public sealed record KubeconfigEntry(string Context, string? Server, bool HasCertificateAuthority, IReadOnlyList<string> ExecArgs,
    string? ExecCommand, IReadOnlyDictionary<string, string> ExecEnvironment)
{
    public static KubeconfigEntry? Parse(string json)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.TryGetProperty("current-context", out var name) is false || name.GetString() is not { Length: > 0 } context) return null;
            var cluster = First(root, "clusters", "cluster");
            var exec = First(root, "users", "user") is { } user && user.TryGetProperty("exec", out var e) ? e : (System.Text.Json.JsonElement?)null;
            return new KubeconfigEntry(context,
                cluster is { } c && c.TryGetProperty("server", out var server) ? server.GetString() : null,
                cluster is { } ca && ca.TryGetProperty("certificate-authority-data", out var data) && data.GetString() is { Length: > 0 },
                exec is { } x && x.TryGetProperty("args", out var args) ? args.EnumerateArray().Select(a => a.GetString() ?? "").ToArray() : [],
                exec is { } y && y.TryGetProperty("command", out var command) ? command.GetString() : null,
                exec is { } z && z.TryGetProperty("env", out var env) && env.ValueKind == System.Text.Json.JsonValueKind.Array
                    ? env.EnumerateArray().ToDictionary(v => v.GetProperty("name").GetString() ?? "", v => v.GetProperty("value").GetString() ?? "")
                    : new Dictionary<string, string>());
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return null;
        }
    }

    private static System.Text.Json.JsonElement? First(System.Text.Json.JsonElement root, string list, string property) =>
        root.TryGetProperty(list, out var items) && items.ValueKind == System.Text.Json.JsonValueKind.Array && items.GetArrayLength() == 1
        && items[0].TryGetProperty(property, out var value) ? value : null;

    /// <summary>
    /// Whether this is what <c>aws eks update-kubeconfig --name <paramref name="cluster"/></c> would write now: the context named after the
    /// cluster's ARN, its server the cluster's endpoint (a recreated cluster gets a new one), a certificate authority, and a token from
    /// <c>aws eks get-token</c> for this cluster and region under the same AWS profile (none when none is set) and no other role.
    /// </summary>
    public bool IsFor(string contextName, string endpoint, string cluster, string region, string? profile) =>
        Context == contextName && Server == endpoint && HasCertificateAuthority && ExecCommand == "aws"
        && After("get-token", null) && After("--cluster-name", cluster) && After("--region", region)
        && !ExecArgs.Any(a => a.StartsWith("--role", StringComparison.Ordinal))
        && ExecEnvironment.GetValueOrDefault("AWS_PROFILE") == (string.IsNullOrEmpty(profile) ? null : profile);

    private bool After(string flag, string? value)
    {
        var at = ExecArgs.ToList().IndexOf(flag);
        return at >= 0 && (value is null || at + 1 < ExecArgs.Count && ExecArgs[at + 1] == value);
    }
}
