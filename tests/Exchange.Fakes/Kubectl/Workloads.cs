using System.Text.Json.Nodes;
using Exchange.Contracts;
using Exchange.Fakes.Core;
using Exchange.Fakes.State;

namespace Exchange.Fakes.Kubectl;

/// <summary>
/// What the cluster makes of the applied objects: nodes from the node group's desired size, one pod per
/// replica (Running when there are nodes, Pending otherwise), workload and service status.
/// </summary>
internal static class Workloads
{
    public static readonly string[] Kinds = ["Deployment", "StatefulSet", "DaemonSet"];

    public static int Replicas(JsonObject workload) => Json.Int(workload, "spec", "replicas") ?? 1;

    public static string Revision(JsonObject workload) =>
        $"{Json.Str(workload, "metadata", "name")}-{Json.CanonicalSha256(workload["spec"]?["template"])[..10]}";

    /// <summary>The stored object as the API server returns it: with uid, timestamps and a status.</summary>
    public static JsonObject Live(KubectlCall call, KubeObjectState stored)
    {
        var body = KubectlCall.Body(stored);
        var metadata = (JsonObject)(body["metadata"] ??= new JsonObject());
        metadata["uid"] = StackUid(stored);
        metadata["generation"] = stored.Generation;
        metadata["creationTimestamp"] = Json.KubeTime(stored.CreatedAt);
        var ready = call.Nodes().Count > 0;
        body["status"] = stored.Kind switch
        {
            "Deployment" or "StatefulSet" => WorkloadStatus(body, stored.Generation, ready),
            "Service" => ServiceStatus(call, body),
            "Job" => Jobs.Status(call, body, stored),
            "Namespace" => new JsonObject { ["phase"] = "Active" },
            _ => body["status"]?.DeepClone(),
        };
        if (stored.Kind == "Service" && body["spec"] is JsonObject spec)
        {
            spec["type"] ??= "ClusterIP";
            spec["clusterIP"] ??= $"172.20.{Convert.ToInt32(stored.Sha256[..2], 16)}.{Convert.ToInt32(stored.Sha256[2..4], 16)}";
        }
        if (body["status"] is null)
            body.Remove("status");
        return body;
    }

    private static JsonObject WorkloadStatus(JsonObject body, long generation, bool ready)
    {
        var replicas = Replicas(body);
        var readyCount = ready ? replicas : 0;
        var revision = Revision(body);
        return new JsonObject
        {
            ["observedGeneration"] = generation,
            ["replicas"] = replicas,
            ["readyReplicas"] = readyCount,
            ["availableReplicas"] = readyCount,
            ["updatedReplicas"] = replicas,
            ["currentReplicas"] = replicas,
            ["currentRevision"] = revision,
            ["updateRevision"] = revision,
        };
    }

    private static JsonObject ServiceStatus(KubectlCall call, JsonObject body)
    {
        if (Json.Str(body, "spec", "type") != "LoadBalancer")
            return new JsonObject { ["loadBalancer"] = new JsonObject() };
        var host = $"k8s-{Json.Str(body, "metadata", "namespace")}-{Json.Str(body, "metadata", "name")}-" +
                   $"{Json.StableHex(10, call.Cluster.Arn, body.ToJsonString())}.elb.{call.Cluster.Region}.amazonaws.com";
        return new JsonObject { ["loadBalancer"] = new JsonObject { ["ingress"] = new JsonArray(new JsonObject { ["hostname"] = host }) } };
    }

    /// <summary>One pod per replica of every workload in the namespace (all namespaces when null), and one per Job.</summary>
    public static List<JsonObject> Pods(KubectlCall call, string? ns)
    {
        var nodes = call.Nodes();
        var pods = new List<JsonObject>();
        string? Node() => nodes.Count > 0 ? nodes[pods.Count % nodes.Count].Name : null;
        foreach (var stored in Kinds.SelectMany(k => call.Objects(k, ns)))
        {
            var workload = KubectlCall.Body(stored);
            for (var i = 0; i < Replicas(workload); i++)
            {
                var name = stored.Kind == "StatefulSet" ? $"{stored.Name}-{i}"
                    : $"{stored.Name}-{Revision(workload)[^10..]}-{Json.StableHex(5, stored.Name, i.ToString())}";
                var node = Node();
                pods.Add(Pod(stored, workload, name, node, pods.Count, node is null ? "Pending" : "Running"));
            }
        }
        foreach (var stored in call.Objects("Job", ns))
        {
            var job = KubectlCall.Body(stored);
            var phase = Jobs.Of(call, job) switch { Jobs.Outcome.Pending => "Pending", Jobs.Outcome.Succeeded => "Succeeded", _ => "Failed" };
            var pod = Pod(stored, job, $"{stored.Name}-{Json.StableHex(5, stored.Name, stored.CreatedAt.Ticks.ToString())}", Node(), pods.Count, phase);
            var labels = (JsonObject)pod["metadata"]!["labels"]!;
            labels["job-name"] = stored.Name;
            labels["batch.kubernetes.io/job-name"] = stored.Name;
            pods.Add(pod);
        }
        return pods;
    }

    /// <summary>A pod as the API server shows it: Running (or a Job's Succeeded/Failed) on a node, Pending without one.</summary>
    private static JsonObject Pod(KubeObjectState owner, JsonObject workload, string name, string? node, int index, string phase)
    {
        var started = phase != "Pending";
        var containers = workload["spec"]?["template"]?["spec"]?["containers"] as JsonArray ?? [];
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = owner.Namespace,
                ["labels"] = workload["spec"]?["template"]?["metadata"]?["labels"]?.DeepClone() ?? new JsonObject(),
                ["creationTimestamp"] = Json.KubeTime(owner.CreatedAt),
                ["ownerReferences"] = new JsonArray(new JsonObject { ["kind"] = owner.Kind, ["name"] = owner.Name, ["controller"] = true }),
            },
            ["spec"] = new JsonObject { ["nodeName"] = started ? node : null, ["containers"] = containers.DeepClone() },
            ["status"] = new JsonObject
            {
                ["phase"] = phase,
                ["podIP"] = started ? $"10.0.11.{100 + index}" : null,
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = phase == "Running" ? "True" : "False" }),
                ["containerStatuses"] = Json.Array(containers.Select(c => new JsonObject
                {
                    ["name"] = Json.Str(c, "name"),
                    ["image"] = Json.Str(c, "image"),
                    ["imageID"] = started ? Eks.ImageId(Json.Str(c, "image") ?? "") : "",
                    ["ready"] = phase == "Running",
                    ["restartCount"] = 0,
                    ["state"] = phase switch
                    {
                        "Running" => new JsonObject { ["running"] = new JsonObject { ["startedAt"] = Json.KubeTime(owner.CreatedAt) } },
                        "Pending" => new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ContainerCreating" } },
                        _ => new JsonObject
                        {
                            ["terminated"] = new JsonObject
                            {
                                ["exitCode"] = phase == "Succeeded" ? 0 : ConnectivityCheck.CheckFailed,
                                ["reason"] = phase == "Succeeded" ? "Completed" : "Error",
                                ["startedAt"] = Json.KubeTime(owner.CreatedAt), ["finishedAt"] = Json.KubeTime(owner.CreatedAt),
                            },
                        },
                    },
                })),
            },
        };
    }

    public static JsonObject Node(KubectlCall call, string name, NodegroupState group) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Node",
        ["metadata"] = new JsonObject
        {
            ["name"] = name,
            ["labels"] = new JsonObject
            {
                ["eks.amazonaws.com/nodegroup"] = group.NodegroupName,
                ["eks.amazonaws.com/capacityType"] = group.CapacityType,
                ["node.kubernetes.io/instance-type"] = group.InstanceTypes.FirstOrDefault() ?? "t3.medium",
                ["topology.kubernetes.io/zone"] = call.Cluster.Region + "a",
                ["kubernetes.io/hostname"] = name,
                ["kubernetes.io/os"] = "linux",
            },
            ["creationTimestamp"] = Json.KubeTime(call.Cluster.CreatedAt),
        },
        ["status"] = new JsonObject
        {
            ["addresses"] = new JsonArray(new JsonObject { ["type"] = "InternalIP", ["address"] = name[3..].Split('.')[0].Replace('-', '.') }),
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True", ["reason"] = "KubeletReady" }),
            ["nodeInfo"] = new JsonObject { ["kubeletVersion"] = KubeletVersion(call.Cluster) },
        },
    };

    public static string KubeletVersion(ClusterState cluster) => $"v{cluster.Version}.0-eks-{Json.StableHex(7, cluster.Version)}";

    private static string StackUid(KubeObjectState stored) =>
        new Guid(Convert.FromHexString(Json.StableHex(32, stored.Namespace ?? "", stored.Kind, stored.Name, stored.CreatedAt.Ticks.ToString()))).ToString();
}
