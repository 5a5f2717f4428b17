using System.Text.Json.Nodes;
using Exchange.Fakes.Core;
using Exchange.Fakes.State;

namespace Exchange.Fakes.Kubectl;

/// <summary>
/// `kubectl rollout status KIND/NAME` and `kubectl wait`: complete at once when the cluster has nodes;
/// with no nodes (a paused node group) or FAKE_ROLLOUT_FAIL naming the workload, they time out.
/// </summary>
internal static class Rollout
{
    private const string TimedOut = "error: timed out waiting for the condition";

    public static int Status(KubectlCall call)
    {
        if (call.Args.Positional(1) != "status")
            throw new FakeSetupException($"'kubectl rollout {call.Args.Positional(1)}' is not simulated (only rollout status).");
        call.Connect();
        var (kind, name) = Target(call, call.Args.Positionals.Skip(2).ToList());
        if (kind.Kind is not ("Deployment" or "StatefulSet" or "DaemonSet"))
            throw new KubectlException($"error: no status viewer has been implemented for {kind.Kind}");
        var stored = call.Find(call.Namespace, kind.Kind, name)
            ?? throw new KubectlException($"Error from server (NotFound): {kind.Resource} \"{name}\" not found");
        var workload = KubectlCall.Body(stored);
        if (kind.Kind == "StatefulSet" && Json.Str(workload, "spec", "updateStrategy", "type") == "OnDelete")
            throw new KubectlException("error: rollout status is only available for RollingUpdate strategy type");

        var replicas = Workloads.Replicas(workload);
        var stuck = replicas > 0 && (call.Nodes().Count == 0 || FakeEnv.List(FakeEnv.RolloutFail).Contains(name));
        var output = call.Context.Out;
        if (!stuck)
        {
            output.WriteLine(kind.Kind switch
            {
                "StatefulSet" => $"partitioned roll out complete: {replicas} new pods have been updated...",
                "DaemonSet" => $"daemon set \"{name}\" successfully rolled out",
                _ => $"deployment \"{name}\" successfully rolled out",
            });
            return 0;
        }
        output.WriteLine(kind.Kind == "Deployment"
            ? $"Waiting for deployment \"{name}\" rollout to finish: 0 of {replicas} updated replicas are available..."
            : $"Waiting for {replicas} pods to be ready...");
        if (call.Args.Get("--watch", "-w") == "false")
            return 0;
        throw new KubectlException(TimedOut);
    }

    /// <summary>`kubectl wait --for=condition=X (TYPE/NAME|TYPE --all) [--timeout=D]` and `--for=delete`.</summary>
    public static int Wait(KubectlCall call)
    {
        call.Connect();
        var condition = call.Args.Get("--for") ?? throw new KubectlException("error: --for must be specified");
        var words = call.Args.Positionals.Skip(1).ToList();
        var (kind, name) = words.Count > 0 && (words[0].Contains('/') || words.Count > 1) ? Target(call, words) : (Kind(words.FirstOrDefault() ?? ""), "");
        var ns = kind.Namespaced ? call.Namespace : null;
        var items = Get.Items(call, kind, ns).Where(i => name == "" || Json.Str(i, "metadata", "name") == name).ToList();
        if (condition == "delete")
            return 0;
        if (items.Count == 0)
            throw new KubectlException(name == "" ? "error: no matching resources found"
                : $"Error from server (NotFound): {kind.Resource} \"{name}\" not found");
        foreach (var item in items)
        {
            if (!Met(call, kind, item))
                throw new KubectlException($"error: timed out waiting for the condition on {kind.Plural}/{Json.Str(item, "metadata", "name")}");
            call.Context.Out.WriteLine($"{kind.Singular}/{Json.Str(item, "metadata", "name")} condition met");
        }
        return 0;
    }

    private static bool Met(KubectlCall call, KubeKind kind, JsonObject item) => kind.Kind switch
    {
        "Node" => true,
        "Pod" => Json.Str(item, "status", "phase") == "Running",
        "Deployment" or "StatefulSet" => Json.Int(item, "status", "readyReplicas") == Workloads.Replicas(item)
                                         && !FakeEnv.List(FakeEnv.RolloutFail).Contains(Json.Str(item, "metadata", "name") ?? ""),
        _ => call.Nodes().Count > 0,
    };

    /// <summary>"KIND/NAME" or "KIND NAME".</summary>
    public static (KubeKind Kind, string Name) Target(KubectlCall call, IReadOnlyList<string> words)
    {
        var parts = words.Count > 0 && words[0].Contains('/') ? words[0].Split('/', 2) : [words.ElementAtOrDefault(0) ?? "", words.ElementAtOrDefault(1) ?? ""];
        if (parts[1] == "")
            throw new KubectlException("error: required resource not specified");
        return (Kind(parts[0]), parts[1]);
    }

    private static KubeKind Kind(string name) =>
        KubeKinds.ForName(name) ?? throw new KubectlException($"error: the server doesn't have a resource type \"{name}\"");
}
