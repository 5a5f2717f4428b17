using System.Text.Json.Nodes;
using Exchange.Fakes.Core;

namespace Exchange.Fakes.Kubectl;

/// <summary>kubectl's default (and -o wide) table columns for the kinds the pipeline looks at; NAME AGE for the rest.</summary>
internal static class Tables
{
    public static string Render(List<(KubeKind Kind, List<JsonObject> Items)> groups, bool wide, bool allNamespaces, bool prefixKind, bool noHeaders)
    {
        var tables = groups.Select(g =>
        {
            var (headers, row) = Columns(g.Kind.Kind, wide);
            var rows = new List<IReadOnlyList<string>>();
            if (!noHeaders)
                rows.Add(allNamespaces && g.Kind.Namespaced ? ["NAMESPACE", .. headers] : headers);
            foreach (var item in g.Items)
            {
                var cells = row(item);
                if (prefixKind)
                    cells[0] = $"{g.Kind.Singular}/{cells[0]}";
                rows.Add(allNamespaces && g.Kind.Namespaced ? [Json.Str(item, "metadata", "namespace") ?? "", .. cells] : cells);
            }
            return TextTable.Format(rows, 3);
        });
        return string.Join("\n", tables);
    }

    private static (string[] Headers, Func<JsonObject, string[]> Row) Columns(string kind, bool wide)
    {
        string Name(JsonObject o) => Json.Str(o, "metadata", "name") ?? "";
        string Age(JsonObject o) => Ages.Since(Json.Str(o, "metadata", "creationTimestamp"));
        string Ready(JsonObject o) => $"{Json.Int(o, "status", "readyReplicas") ?? 0}/{Json.Int(o, "spec", "replicas") ?? 1}";
        return kind switch
        {
            "Node" => (wide ? ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"]
                    : ["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
                o => Cut(wide, 5, [Name(o), "Ready", "<none>", Age(o), Json.Str(o, "status", "nodeInfo", "kubeletVersion") ?? "",
                    Json.Str(o["status"]?["addresses"]?[0], "address") ?? "", "<none>", "Amazon Linux 2023.9.20251105", "6.1.156-177.286.amzn2023.x86_64",
                    "containerd://1.7.27"])),
            "Pod" => (wide ? ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"]
                    : ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
                o => Cut(wide, 5, [Name(o), PodReady(o), Json.Str(o, "status", "phase") ?? "", "0", Age(o),
                    Json.Str(o, "status", "podIP") ?? "<none>", Json.Str(o, "spec", "nodeName") ?? "<none>", "<none>", "<none>"])),
            "Service" => (["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
                o => [Name(o), Json.Str(o, "spec", "type") ?? "ClusterIP", Json.Str(o, "spec", "clusterIP") ?? "", ExternalIp(o), Ports(o), Age(o)]),
            "Deployment" => (["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
                o => [Name(o), Ready(o), (Json.Int(o, "status", "updatedReplicas") ?? 0).ToString(),
                    (Json.Int(o, "status", "availableReplicas") ?? 0).ToString(), Age(o)]),
            "StatefulSet" => (["NAME", "READY", "AGE"], o => [Name(o), Ready(o), Age(o)]),
            "Namespace" => (["NAME", "STATUS", "AGE"], o => [Name(o), "Active", Age(o)]),
            "Secret" => (["NAME", "TYPE", "DATA", "AGE"],
                o => [Name(o), Json.Str(o, "type") ?? "Opaque", ((o["data"] as JsonObject)?.Count ?? 0).ToString(), Age(o)]),
            "ConfigMap" => (["NAME", "DATA", "AGE"], o => [Name(o), ((o["data"] as JsonObject)?.Count ?? 0).ToString(), Age(o)]),
            "Event" => (["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
                o => [Ages.Since(Json.Str(o, "lastTimestamp")), Json.Str(o, "type") ?? "", Json.Str(o, "reason") ?? "",
                    $"{Json.Str(o, "involvedObject", "kind")?.ToLowerInvariant()}/{Json.Str(o, "involvedObject", "name")}", Json.Str(o, "message") ?? ""]),
            _ => (["NAME", "AGE"], o => [Name(o), Age(o)]),
        };
    }

    private static string[] Cut(bool wide, int narrow, string[] cells) => wide ? cells : cells[..narrow];

    private static string PodReady(JsonObject pod)
    {
        var statuses = pod["status"]?["containerStatuses"] as JsonArray ?? [];
        return $"{statuses.Count(s => Json.Str(s, "ready") == "true")}/{statuses.Count}";
    }

    private static string ExternalIp(JsonObject service) =>
        Json.Str(service["status"]?["loadBalancer"]?["ingress"]?[0], "hostname")
            ?? (Json.Str(service, "spec", "type") == "LoadBalancer" ? "<pending>" : "<none>");

    private static string Ports(JsonObject service)
    {
        var ports = (service["spec"]?["ports"] as JsonArray ?? []).Select(p =>
            $"{Json.Str(p, "port")}{(Json.Str(p, "nodePort") is { } node ? ":" + node : "")}/{Json.Str(p, "protocol") ?? "TCP"}");
        return ports.Any() ? string.Join(",", ports) : "<none>";
    }
}

/// <summary>kubectl's short ages: 45s, 12m, 3h, 2d.</summary>
internal static class Ages
{
    public static string Since(string? timestamp)
    {
        if (!DateTimeOffset.TryParse(timestamp, out var t))
            return "<unknown>";
        var age = DateTimeOffset.UtcNow - t;
        return age.TotalMinutes < 2 ? $"{Math.Max(0, (int)age.TotalSeconds)}s"
            : age.TotalHours < 2 ? $"{(int)age.TotalMinutes}m"
            : age.TotalDays < 2 ? $"{(int)age.TotalHours}h"
            : $"{(int)age.TotalDays}d";
    }
}
