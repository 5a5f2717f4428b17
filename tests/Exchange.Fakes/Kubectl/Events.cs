using System.Text.Json.Nodes;
using Exchange.Fakes.Core;

namespace Exchange.Fakes.Kubectl;

/// <summary>Plausible events for the synthesized pods: scheduled and started, or FailedScheduling without nodes.</summary>
internal static class Events
{
    public static List<JsonObject> For(KubectlCall call, string? ns)
    {
        var nodes = call.Nodes().Count;
        return Workloads.Pods(call, ns).SelectMany(pod =>
        {
            var name = Json.Str(pod, "metadata", "name")!;
            var podNs = Json.Str(pod, "metadata", "namespace")!;
            var image = Json.Str(pod["spec"]?["containers"]?[0], "image") ?? "image";
            var time = Json.Str(pod, "metadata", "creationTimestamp")!;
            return nodes == 0
                ? [Event(podNs, name, time, "Warning", "FailedScheduling",
                    "0/0 nodes are available: no nodes available to schedule pods. preemption: 0/0 nodes are available.")]
                : new[]
                {
                    Event(podNs, name, time, "Normal", "Scheduled", $"Successfully assigned {podNs}/{name} to {Json.Str(pod, "spec", "nodeName")}"),
                    Event(podNs, name, time, "Normal", "Pulled", $"Container image \"{image}\" already present on machine"),
                    Event(podNs, name, time, "Normal", "Created", "Created container: " + Json.Str(pod["spec"]?["containers"]?[0], "name")),
                    Event(podNs, name, time, "Normal", "Started", "Started container " + Json.Str(pod["spec"]?["containers"]?[0], "name")),
                };
        }).ToList();
    }

    private static JsonObject Event(string ns, string pod, string time, string type, string reason, string message) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Event",
        ["metadata"] = new JsonObject { ["name"] = $"{pod}.{Json.StableHex(16, pod, reason)}", ["namespace"] = ns, ["creationTimestamp"] = time },
        ["involvedObject"] = new JsonObject { ["kind"] = "Pod", ["name"] = pod, ["namespace"] = ns },
        ["type"] = type,
        ["reason"] = reason,
        ["message"] = message,
        ["lastTimestamp"] = time,
    };
}
