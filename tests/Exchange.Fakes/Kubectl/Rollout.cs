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
