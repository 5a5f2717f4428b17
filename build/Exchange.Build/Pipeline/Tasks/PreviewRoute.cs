using Exchange.Build.Aws;
using Exchange.Contracts;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>What a preview's route needs changed on the listener: rules to delete first, then whether to create its rule.</summary>
public sealed record RouteChange(IReadOnlyList<ListenerRule> Delete, bool Create)
{
    public bool Any => Delete.Count > 0 || Create;
}

/// <summary>
/// A preview's route on the shared load balancer: a path rule on the backend listener (<c>/pr-123/*</c>, at the slot's priority)
/// forwarding to the slot's target group (the Eks stack makes one per slot, on the slot's NodePort), the prefix cut off by ALB's
/// url-rewrite transform so the backend serves <c>/pr-123/x</c> as <c>/x</c>. The rules are the only record of routes: a rerun reads
/// them and changes only what differs; a destroy deletes the preview's; the sweep deletes the ones of previews that are gone.
/// </summary>
public static class PreviewRoute
{
    /// <summary>The listener, or null when the environment has no load balancer (or a stack deployed before previews had routes).</summary>
    private static string? Listener(BuildContext b) =>
        b.Outputs.TryGet(Outputs.BackendListenerArn) is { } arn && arn != BackendAccess.NoLoadBalancer ? arn : null;

    /// <summary>Whether previews get a route here: the environment has a backend load balancer with its listener in the outputs.</summary>
    public static bool Routed(BuildContext b) => Listener(b) is not null;

    /// <summary>A rule at a preview slot's priority: the only rules previews create, delete or sweep (someone's own rules stay).</summary>
    private static bool IsRoute(ListenerRule rule) => Previews.IsRulePriority(rule.Priority);

    /// <summary>The slot's target group from the Eks stack's outputs.</summary>
    public static string TargetGroup(BuildContext b, int slot) =>
        BackendTargets.PreviewTargetGroups(b.Outputs).ElementAtOrDefault(slot - 1)
        ?? throw new PreviewRefusedException($"The Eks stack has no target group for preview slot {slot} (it was deployed before previews had " +
                                             $"routes): run ./build.sh --target={TaskNames.DeployInfra}, then deploy the preview again.");

    /// <summary>
    /// What makes the listener route <paramref name="preview"/> to <paramref name="targetGroup"/> at its slot's priority: a rule of the
    /// preview's elsewhere (another slot, another group) goes, and so does another path's rule holding the priority (an interrupted
    /// destroy of the slot's earlier preview); nothing changes when the one right rule is there.
    /// </summary>
    public static RouteChange Plan(IReadOnlyList<ListenerRule> rules, PreviewName preview, int slot, string targetGroup)
    {
        var priority = Previews.RulePriority(slot).ToString(System.Globalization.CultureInfo.InvariantCulture);
        bool Mine(ListenerRule r) => IsRoute(r) && r.PathPatterns.Contains(preview.RoutePattern);
        bool Right(ListenerRule r) => Mine(r) && r.Priority == priority && r.TargetGroupArn == targetGroup && r.PathPatterns.Count == 1;
        var delete = rules.Where(r => !Right(r) && (Mine(r) || r.Priority == priority)).ToArray(); // never the default rule: not a slot's
        return new RouteChange(delete, !rules.Any(Right));
    }

    /// <summary>Adds or mends the preview's route; true when it changed anything. Without a load balancer, says so and does nothing.</summary>
    public static bool Ensure(BuildContext b, PreviewName preview, int slot)
    {
        if (Listener(b) is not { } listener)
        {
            b.Log.Information($"Preview {preview}: no route (the environment has no backend load balancer); {Url(b, preview, slot)}");
            return false;
        }
        var targetGroup = TargetGroup(b, slot);
        var change = Plan(b.Aws.ListenerRules(listener), preview, slot, targetGroup);
        foreach (var stale in change.Delete)
        {
            b.Aws.Run(b.Aws.DeleteRuleCommand(stale.Arn));
            b.Log.Information($"  route: removed the stale rule {string.Join(" ", stale.PathPatterns)} (priority {stale.Priority})");
        }
        if (change.Create)
        {
            b.Aws.Run(b.Aws.CreatePathRuleCommand(listener, Previews.RulePriority(slot), preview.RoutePattern, targetGroup));
            b.Log.Information($"  route: {preview.RoutePattern} -> slot {slot}'s target group (NodePort {Previews.NodePort(slot)}), prefix cut off");
        }
        else b.Log.Information($"  route: {preview.RoutePattern} -> slot {slot}'s target group (unchanged)");
        return change.Any;
    }

    /// <summary>Deletes the preview's route; true when there was one. Idempotent.</summary>
    public static bool Remove(BuildContext b, PreviewName preview)
    {
        if (Listener(b) is not { } listener) return false;
        var mine = b.Aws.ListenerRules(listener).Where(r => IsRoute(r) && r.PathPatterns.Contains(preview.RoutePattern)).ToArray();
        foreach (var rule in mine)
        {
            b.Aws.Run(b.Aws.DeleteRuleCommand(rule.Arn));
            b.Log.Information($"  route: removed {preview.RoutePattern} (priority {rule.Priority})");
        }
        return mine.Length > 0;
    }

    /// <summary>The previews that have a route on the listener but are not among <paramref name="live"/> (orphaned routes).</summary>
    public static IReadOnlyList<PreviewName> Orphans(BuildContext b, IReadOnlyCollection<PreviewName> live)
    {
        if (Listener(b) is not { } listener) return [];
        return OrphansOf(b.Names.Env, b.Aws.ListenerRules(listener), live);
    }

    internal static IReadOnlyList<PreviewName> OrphansOf(string env, IReadOnlyList<ListenerRule> rules, IReadOnlyCollection<PreviewName> live) =>
        rules.Where(IsRoute).SelectMany(r => r.PathPatterns).Select(p => PreviewName.FromRoutePattern(env, p)).OfType<PreviewName>()
            .Where(p => !live.Contains(p)).Distinct().ToArray();

    /// <summary>Where the preview answers: the shared load balancer's URL with the preview's path, or the NodePort without one.</summary>
    public static string Url(BuildContext b, PreviewName preview, int? slot)
    {
        if (b.Outputs.TryGet(Outputs.BackendUrl) is { } url && url != BackendAccess.NoLoadBalancer && Routed(b))
            return url.TrimEnd('/') + preview.RoutePath;
        return slot is { } s
            ? $"http://<node>:{Previews.NodePort(s)} (NodePort of slot {s}; from inside the VPC, or through `kubectl port-forward svc/future-backend " +
              $"--namespace {preview.Namespace}`)"
            : "no slot recorded";
    }
}
