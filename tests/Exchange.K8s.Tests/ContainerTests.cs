using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Exchange.K8s.Tests.Support;

namespace Exchange.K8s.Tests;

/// <summary>
/// Every container and pod of every rendering: resources, probes, the restricted security context.
/// These are the rules kube-score, kube-linter and Polaris check by default (none of them is
/// installable here: no npm or Debian package).
/// </summary>
public partial class ContainerTests
{
    private static readonly string[] Resources = ["cpu", "memory", "ephemeral-storage"];

    [Theory]
    [MemberData(nameof(Renderings.AllNames), MemberType = typeof(Renderings))]
    public void Every_container_requests_and_limits_cpu_memory_and_ephemeral_storage(string name)
    {
        var manifest = Renderings.Named(name).Render();

        var problems = ResourceProblems(manifest);

        Assert.NotEmpty(manifest.Containers);
        Assert.Empty(problems);
    }

    /// <summary>Requests and limits of cpu, memory and ephemeral storage; memory request = limit.</summary>
    internal static IEnumerable<string> ResourceProblems(Manifest manifest) =>
        Each(manifest, (_, container) =>
        {
            var found = Resources.SelectMany(r => new[] { "requests", "limits" }
                .Where(kind => container.Str("resources", kind, r) is null)
                .Select(kind => $"no {kind}.{r}")).ToList();
            var request = container.Str("resources", "requests", "memory");
            var limit = container.Str("resources", "limits", "memory");
            // Memory request = limit: the limit is what the heap is sized from and what the node must really have.
            if (request is not null && limit is not null && Quantity.Mebibytes(request) != Quantity.Mebibytes(limit))
                found.Add($"memory request {request} differs from limit {limit}");
            return found;
        });

    [Theory]
    [MemberData(nameof(Renderings.AllNames), MemberType = typeof(Renderings))]
    public void Every_container_has_startup_liveness_and_readiness_probes_on_a_port_it_declares(string name)
    {
        var manifest = Renderings.Named(name).Render();

        var problems = Each(manifest, (_, container) =>
        {
            var ports = container.Arr("ports").SelectMany(p => new[] { p.Str("name"), p.Str("containerPort") }).OfType<string>().ToHashSet();
            var found = new List<string>();
            foreach (var probe in new[] { "startupProbe", "livenessProbe", "readinessProbe" })
            {
                var handler = container.Obj(probe);
                var port = handler.Str("httpGet", "port") ?? handler.Str("tcpSocket", "port") ?? handler.Str("grpc", "port");
                if (handler is null) found.Add($"no {probe}");
                else if (handler.Obj("exec") is null && (port is null || !ports.Contains(port))) found.Add($"{probe} probes undeclared port '{port}'");
            }
            // kube-score pod-probes-identical: a liveness probe that asks what readiness asks restarts pods
            // that are only busy. Compared like kube-score: the handler, not the timings.
            if (Handler(container.Obj("livenessProbe")) == Handler(container.Obj("readinessProbe")))
                found.Add("liveness and readiness probes check the same thing");
            return found;
        });

        Assert.NotEmpty(manifest.Containers);
        Assert.Empty(problems);
    }

    [Theory]
    [MemberData(nameof(Renderings.AllNames), MemberType = typeof(Renderings))]
    public void Every_pod_and_container_runs_under_the_restricted_security_context(string name)
    {
        var manifest = Renderings.Named(name).Render();

        var problems = SecurityProblems(manifest);

        Assert.NotEmpty(manifest.Workloads);
        Assert.Empty(problems);
    }

    /// <summary>The restricted Pod Security profile and the rest of the hardening, pod and container.</summary>
    internal static IEnumerable<string> SecurityProblems(Manifest manifest) =>
        manifest.Workloads.SelectMany(w => RestrictedPod(w.PodSpec).Select(p => $"{w}: {p}"))
            .Concat(Each(manifest, (pod, container) => RestrictedContainer(pod, container)));

    [Theory]
    [MemberData(nameof(Renderings.AllNames), MemberType = typeof(Renderings))]
    public void Every_pod_runs_as_a_declared_service_account_without_an_api_token(string name)
    {
        var manifest = Renderings.Named(name).Render();

        var problems = ServiceAccountProblems(manifest);

        Assert.NotEmpty(manifest.Workloads);
        Assert.Empty(problems);
    }

    /// <summary>Every pod runs as a ServiceAccount the rendering declares, and neither mounts an API token.</summary>
    internal static IEnumerable<string> ServiceAccountProblems(Manifest manifest) =>
        manifest.Workloads.SelectMany(w =>
        {
            var account = manifest.Find("ServiceAccount", w.PodSpec.Str("serviceAccountName") ?? "");
            var found = new List<string>();
            if (account is null) found.Add($"{w}: runs as '{w.PodSpec.Str("serviceAccountName")}', which the rendering does not declare");
            else if (account.Bool("automountServiceAccountToken") != false) found.Add($"{w}: its ServiceAccount automounts a token");
            if (w.PodSpec.Bool("automountServiceAccountToken") != false) found.Add($"{w}: the pod automounts a token");
            return found;
        });

    [Theory]
    [MemberData(nameof(Renderings.AllNames), MemberType = typeof(Renderings))]
    public void Every_heap_ceiling_leaves_room_below_the_container_memory_limit(string name)
    {
        var manifest = Renderings.Named(name).Render();

        var problems = Each(manifest, (_, container) =>
        {
            var limitMi = Quantity.Mebibytes(container.Str("resources", "limits", "memory") ?? "0");
            var env = container.Arr("env").ToDictionary(e => e.Str("name") ?? "", e => e.Str("value") ?? "");
            if (env.GetValueOrDefault("JAVA_TOOL_OPTIONS") is { } java)
            {
                var percent = MaxRamPercentage().Match(java);
                return percent.Success && double.Parse(percent.Groups[1].Value, CultureInfo.InvariantCulture) <= 75
                    ? [] : [$"JAVA_TOOL_OPTIONS '{java}' does not keep the heap at or below 75% of the limit"];
            }
            if (env.GetValueOrDefault("NODE_OPTIONS") is { } node)
            {
                var heap = MaxOldSpaceSize().Match(node);
                return heap.Success && double.Parse(heap.Groups[1].Value, CultureInfo.InvariantCulture) <= 0.8 * limitMi
                    ? [] : [$"NODE_OPTIONS '{node}' does not keep the V8 heap at or below 80% of the {limitMi}Mi limit"];
            }
            return ["sets no heap ceiling (JAVA_TOOL_OPTIONS or NODE_OPTIONS)"];
        });

        Assert.NotEmpty(manifest.Containers);
        Assert.Empty(problems);
    }

    [Theory]
    [MemberData(nameof(Renderings.AllNames), MemberType = typeof(Renderings))]
    public void No_container_sets_an_environment_variable_twice(string name)
    {
        var manifest = Renderings.Named(name).Render();

        var problems = DuplicateEnvironmentProblems(manifest);

        Assert.NotEmpty(manifest.Containers);
        Assert.Empty(problems);
    }

    /// <summary>kube-score environment-variable-key-duplication, kube-linter duplicate-env-var: the last one wins silently.</summary>
    internal static IEnumerable<string> DuplicateEnvironmentProblems(Manifest manifest) =>
        Each(manifest, (_, container) => container.Arr("env")
            .GroupBy(e => e.Str("name")).Where(g => g.Count() > 1).Select(g => $"{g.Key} is set {g.Count()} times"));

    private static string? Handler(JsonObject? probe) =>
        new[] { "httpGet", "tcpSocket", "grpc", "exec" }.Select(h => probe.Obj(h)).FirstOrDefault(h => h is not null)?.ToJsonString();

    private static IEnumerable<string> RestrictedPod(JsonObject pod)
    {
        var context = pod.Obj("securityContext");
        if (context.Bool("runAsNonRoot") != true) yield return "pod runAsNonRoot is not true";
        if (context.Str("seccompProfile", "type") != "RuntimeDefault") yield return "pod seccompProfile is not RuntimeDefault";
        foreach (var host in new[] { "hostNetwork", "hostPID", "hostIPC" })
            if (pod.Bool(host) == true) yield return $"{host} is set";
        foreach (var volume in pod.Arr("volumes"))
        {
            if (volume.Obj("hostPath") is not null) yield return $"volume {volume.Str("name")} is a hostPath";
            if (volume.Obj("emptyDir") is { } dir && dir.Str("sizeLimit") is null) yield return $"emptyDir {volume.Str("name")} has no sizeLimit";
        }
    }

    private static IEnumerable<string> RestrictedContainer(JsonObject pod, JsonObject container)
    {
        var context = container.Obj("securityContext");
        if (context is null) { yield return "no securityContext"; yield break; }
        if (context.Bool("allowPrivilegeEscalation") != false) yield return "allowPrivilegeEscalation is not false";
        if (context.Bool("privileged") == true) yield return "privileged";
        if (context.Bool("readOnlyRootFilesystem") != true) yield return "root filesystem is writable";
        if (context.Bool("runAsNonRoot") != true) yield return "runAsNonRoot is not true";
        // kube-score: ids above 10000 stay clear of the node's own users.
        if ((context.Long("runAsUser") ?? pod.Long("securityContext", "runAsUser")) is not > 10000) yield return "runAsUser is not above 10000";
        if ((context.Long("runAsGroup") ?? pod.Long("securityContext", "runAsGroup")) is not > 10000) yield return "runAsGroup is not above 10000";
        if (!context.Strings("capabilities", "drop").Contains("ALL")) yield return "capabilities are not all dropped";
        if (context.Strings("capabilities", "add").Any()) yield return "adds capabilities";
        if ((context.Str("seccompProfile", "type") ?? pod.Str("securityContext", "seccompProfile", "type")) != "RuntimeDefault")
            yield return "seccompProfile is not RuntimeDefault";
        // A read-only root still needs somewhere to write temporary files.
        var tmp = container.Arr("volumeMounts").FirstOrDefault(m => m.Str("mountPath") == "/tmp");
        if (tmp is null || pod.Arr("volumes").FirstOrDefault(v => v.Str("name") == tmp.Str("name"))?.Obj("emptyDir") is null)
            yield return "/tmp is not an emptyDir";
    }

    private static IEnumerable<string> Each(Manifest manifest, Func<JsonObject, JsonObject, IEnumerable<string>> check) =>
        manifest.Containers.SelectMany(x => check(x.Workload.PodSpec, x.Container)
            .Select(problem => $"{x.Workload}/{x.Container.Str("name")}: {problem}"));

    [GeneratedRegex(@"-XX:MaxRAMPercentage=([0-9.]+)")]
    private static partial Regex MaxRamPercentage();

    [GeneratedRegex(@"--max-old-space-size=([0-9]+)")]
    private static partial Regex MaxOldSpaceSize();
}
