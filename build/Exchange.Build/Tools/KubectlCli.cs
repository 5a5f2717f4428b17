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
