using Exchange.Fakes.State;

namespace Exchange.Fakes.Cdk;

/// <summary>
/// `cdk destroy (STACK...|--all) [--force]`: dependents first. The secret enters its recovery window,
/// the EKS control-plane log group stays behind; a stack whose exports are still imported cannot go.
/// </summary>
internal static class Destroy
{
    public static int Run(CdkCall call)
    {
        var stacks = call.Assembly().Select(call.StackPatterns, call.Args.Flag("--all"),
            call.Args.Flag("--exclusively", "-e") ? Extend.None : Extend.Downstream).Reverse().ToList();
        if (!call.Args.Flag("--force", "-f") && !Confirmed(call, stacks))
            throw new CdkException("Deletion cancelled");

        using var session = FakeState.Open(call.Context.StateDir);
        var state = session.Data;
        for (var i = 0; i < stacks.Count; i++)
        {
            var artifact = stacks[i];
            var (account, _) = call.Environment(artifact);
            call.RequireCredentials(account);
            call.Console.Info($"{artifact.DisplayName}: destroying... [{i + 1}/{stacks.Count}]");
            if (state.Stacks.GetValueOrDefault(artifact.StackName) is { } stack)
            {
                var exports = stack.Outputs.Where(o => o.ExportName is not null).Select(o => o.ExportName!).ToHashSet();
                var importer = state.Stacks.Values.FirstOrDefault(s => s != stack && s.Imports.Any(exports.Contains));
                if (importer is not null)
                    throw new CdkException($"\n ❌  {artifact.DisplayName}: destroy failed Error: Failed to destroy {artifact.StackName}: " +
                                           $"ValidationError: Export {importer.Imports.First(exports.Contains)} cannot be deleted as it is in use by {importer.StackName}");
                foreach (var resource in stack.Resources.Values)
                    Provisioner.Remove(state, resource);
                // EKS writes the control-plane log group while it deletes the cluster, after the stack's own
                // LogGroup resource (if any) is gone: the group outlives the stack, as in AWS.
                foreach (var cluster in stack.Resources.Values.Where(r => r.Type == "AWS::EKS::Cluster" && !r.Retain))
                    state.LogGroups.TryAdd($"/aws/eks/{cluster.PhysicalId}/cluster",
                        new LogGroupState($"/aws/eks/{cluster.PhysicalId}/cluster", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 0));
                state.Stacks.Remove(artifact.StackName);
            }
            call.Console.Info($"\n✅  {artifact.DisplayName}: destroyed");
        }
        return 0;
    }

    /// <summary>The CLI asks only on a terminal; without one it refuses rather than guess.</summary>
    private static bool Confirmed(CdkCall call, IReadOnlyList<StackArtifact> stacks)
    {
        if (Console.IsOutputRedirected || Console.IsInputRedirected)
            throw new CdkException("Destroying stacks is an irreversible action, but terminal (TTY) is not attached so we are unable to get a confirmation from the user");
        call.Context.Out.Write($"Are you sure you want to delete: {string.Join(", ", stacks.Select(s => s.Id))} (y/n) ");
        call.Context.Out.Flush();
        return Console.ReadLine()?.Trim().ToLowerInvariant() is "y" or "yes";
    }
}
