using Exchange.Build.Processes;

namespace Exchange.Build.Tools;

/// <summary>
/// kubectl. Every call that reaches a cluster first checks that the kubeconfig's current context is
/// this environment's cluster, and then names that context explicitly (<c>--context</c>), so a
/// context switched in another terminal can never redirect an apply.
/// </summary>
public sealed class KubectlCli(IProcessRunner runner, ToolResolver tools)
{
    private CommandLine Command(params string[] args) => new CommandLine("kubectl", tools.Resolve(ToolKind.Kubectl)).Add(args);

    public CommandLine VersionCommand() => Command("version", "--client");
    public CommandLine CurrentContextCommand() => Command("config", "current-context");
    public CommandLine KustomizeCommand(string dir) => Command("kustomize", dir);

    /// <summary>A cluster command pinned to <paramref name="context"/>.</summary>
    public CommandLine ClusterCommand(string context, params string[] args) => Command(args).Add("--context", context);

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
        return runner.Run(command, options);
    }
}

public sealed class WrongKubeContextException(string expected, string? current)
    : Exception($"kubectl's current context is '{current ?? "(none)"}', not this environment's cluster '{expected}'. " +
                "Nothing was sent to any cluster. Run --target=Kubeconfig to point kubectl at it " +
                "(aws eks update-kubeconfig), or switch with `kubectl config use-context`.");
