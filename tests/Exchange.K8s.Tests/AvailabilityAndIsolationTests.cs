using System.Text.Json.Nodes;
using Exchange.Contracts;
using Exchange.K8s.Tests.Support;

namespace Exchange.K8s.Tests;

/// <summary>
/// Disruption budgets, spreading, network isolation and Services across the objects of a rendering:
/// the cross-object rules of kube-score, kube-linter and Polaris.
/// </summary>
public class AvailabilityAndIsolationTests
{
    [Theory]
    [MemberData(nameof(Renderings.AllNames), MemberType = typeof(Renderings))]
    public void Every_workload_has_a_disruption_budget_that_still_lets_drains_proceed(string name)
    {
        var manifest = Renderings.Named(name).Render();
        var budgets = manifest.OfKind("PodDisruptionBudget").ToArray();

        var problems = manifest.Workloads.SelectMany(w =>
        {
            var matching = budgets.Where(b => LabelSelector.Matches(b.Obj("spec", "selector"), w.PodLabels)).ToArray();
            if (matching.Length != 1) return [$"{w}: matched by {matching.Length} disruption budgets, not one"];
            var budget = matching[0];
            var covered = manifest.Workloads.Where(o => LabelSelector.Matches(budget.Obj("spec", "selector"), o.PodLabels)).Sum(o => o.Replicas);
            var found = new List<string>();
            // kube-linter pdb-max-unavailable / pdb-min-available, Polaris pdbDisruptionsIsZero.
            if (budget.Long("spec", "maxUnavailable") is { } max && max < 1) found.Add($"{w}: maxUnavailable {max} blocks every eviction");
            if (budget.Long("spec", "minAvailable") is { } min && min >= covered) found.Add($"{w}: minAvailable {min} of {covered} pods blocks every eviction");
            if (budget.At("spec", "maxUnavailable") is null && budget.At("spec", "minAvailable") is null) found.Add($"{w}: its budget sets no policy");
            // kube-linter pdb-unhealthy-pod-eviction-policy: a crash-looping pod must not block a drain.
            if (budget.Str("spec", "unhealthyPodEvictionPolicy") != "AlwaysAllow") found.Add($"{w}: unhealthy pods cannot always be evicted");
            return found;
        });

        Assert.NotEmpty(manifest.Workloads);
        Assert.Empty(problems);
    }

    [Theory]
    [MemberData(nameof(Renderings.AllNames), MemberType = typeof(Renderings))]
    public void Every_pod_prefers_its_own_kind_on_other_nodes_and_spreads_across_zones(string name)
    {
        var manifest = Renderings.Named(name).Render();

        var problems = manifest.Workloads.SelectMany(w =>
        {
            var antiAffinity = w.PodSpec.Arr("affinity", "podAntiAffinity", "preferredDuringSchedulingIgnoredDuringExecution")
                .Select(p => p.Obj("podAffinityTerm"))
                .Concat(w.PodSpec.Arr("affinity", "podAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution"));
            var spread = w.PodSpec.Arr("topologySpreadConstraints").ToArray();
            var found = new List<string>();
            if (!antiAffinity.Any(t => t.Str("topologyKey") == "kubernetes.io/hostname" && LabelSelector.Matches(t.Obj("labelSelector"), w.PodLabels)))
                found.Add($"{w}: no host podAntiAffinity that selects its own pods");
            if (!spread.Any(c => c.Str("topologyKey") == "topology.kubernetes.io/zone" && LabelSelector.Matches(c.Obj("labelSelector"), w.PodLabels)))
                found.Add($"{w}: no zone topologySpreadConstraint that selects its own pods");
            // ScheduleAnyway: with two nodes a hard spread would leave pods Pending after a spot reclaim.
            found.AddRange(spread.Where(c => c.Str("whenUnsatisfiable") != "ScheduleAnyway" || c.Long("maxSkew") is not >= 1)
                .Select(c => $"{w}: spread on {c.Str("topologyKey")} is not a soft maxSkew >= 1"));
            return found;
        });

        Assert.NotEmpty(manifest.Workloads);
        Assert.Empty(problems);
    }

    [Theory]
    [MemberData(nameof(Renderings.AllNames), MemberType = typeof(Renderings))]
    public void Traffic_is_denied_by_default_and_every_pod_has_explicit_ingress_and_egress_rules(string name)
    {
        var manifest = Renderings.Named(name).Render();
        var policies = manifest.OfKind("NetworkPolicy").ToArray();
        bool Selects(JsonObject policy, Workload w) => LabelSelector.Matches(policy.Obj("spec", "podSelector"), w.PodLabels);
        bool Governs(JsonObject policy, string type) => policy.Strings("spec", "policyTypes").Contains(type);

        var defaultDeny = policies.Where(p => p.Obj("spec", "podSelector") is { Count: 0 }
            && Governs(p, "Ingress") && Governs(p, "Egress") && !p.Arr("spec", "ingress").Any() && !p.Arr("spec", "egress").Any());
        var unisolated = manifest.Workloads.SelectMany(w => new[] { ("Ingress", "ingress"), ("Egress", "egress") }
            .Where(t => !policies.Any(p => Selects(p, w) && Governs(p, t.Item1) && p.Arr("spec", t.Item2).Any()))
            .Select(t => $"{w}: no policy with {t.Item2} rules selects it"));
        var dangling = policies.Where(p => !manifest.Workloads.Any(w => Selects(p, w)))
            .Select(p => $"NetworkPolicy/{p.Str("metadata", "name")} selects no pod");

        Assert.Single(defaultDeny);
        Assert.Empty(unisolated.Concat(dangling));
    }

    [Theory]
    [MemberData(nameof(Renderings.AllNames), MemberType = typeof(Renderings))]
    public void Every_service_is_internal_but_the_dev_backends_node_port_and_targets_a_port_its_pods_declare(string name)
    {
        var manifest = Renderings.Named(name).Render();
        // The one exception: in aws-dev the backend is a NodePort, the port the Eks stack's load balancer forwards to (AwsDevOverlayTests).
        bool LoadBalancerTarget(JsonObject service) => name == "overlays/aws-dev" && service.Str("metadata", "name") == BackendAccess.ServiceName
            && service.Str("spec", "type") == "NodePort" && service.Str("spec", "externalTrafficPolicy") == "Local";

        var problems = manifest.OfKind("Service").SelectMany(service =>
        {
            var id = $"Service/{service.Str("metadata", "name")}";
            var selector = service.Obj("spec", "selector");
            var pods = manifest.Workloads.Where(w => LabelSelector.MapMatches(selector, w.PodLabels)).ToArray();
            var found = new List<string>();
            if (service.Str("spec", "type") is "NodePort" or "LoadBalancer" && !LoadBalancerTarget(service))
                found.Add($"{id}: type {service.Str("spec", "type")}");
            if (pods.Length == 0) found.Add($"{id}: selects no pods");
            foreach (var port in service.Arr("spec", "ports"))
            {
                var target = port.Str("targetPort") ?? port.Str("port");
                var declared = pods.All(w => w.Containers.Any(c => c.Arr("ports").Any(p => p.Str("name") == target || p.Str("containerPort") == target)));
                if (!declared) found.Add($"{id}: targetPort {target} is not a port of every selected pod");
            }
            return found;
        });

        Assert.NotEmpty(manifest.OfKind("Service"));
        Assert.Empty(problems);
    }

    [Theory]
    [MemberData(nameof(Renderings.AllNames), MemberType = typeof(Renderings))]
    public void Every_controller_selects_its_own_template_and_names_its_instance(string name)
    {
        var manifest = Renderings.Named(name).Render();

        var problems = manifest.Workloads.SelectMany(w =>
        {
            var found = new List<string>();
            if (!LabelSelector.Matches(w.Object.Obj("spec", "selector"), w.PodLabels)) found.Add($"{w}: selector does not match its pod template");
            // Polaris metadataAndInstanceMismatched.
            if (w.Object.Str("metadata", "labels", "app.kubernetes.io/instance") != w.Name) found.Add($"{w}: app.kubernetes.io/instance is not its name");
            var others = manifest.Workloads.Where(o => o.Id != w.Id && LabelSelector.Matches(w.Object.Obj("spec", "selector"), o.PodLabels));
            found.AddRange(others.Select(o => $"{w}: its selector also matches the pods of {o}"));
            return found;
        });

        Assert.NotEmpty(manifest.Workloads);
        Assert.Empty(problems);
    }
}
