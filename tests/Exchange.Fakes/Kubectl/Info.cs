using Exchange.Fakes.Core;

namespace Exchange.Fakes.Kubectl;

/// <summary>`kubectl logs`, `kubectl cluster-info` and `kubectl version` (server part) of the fake cluster.</summary>
internal static class Info
{
    /// <summary>
    /// `logs (POD|KIND/NAME) [-n NS] [--tail=N] [-c C]`: a few plausible start-up lines of a running pod; what a Job's pod printed
    /// (<see cref="Jobs.Logs"/>).
    /// </summary>
    public static int Logs(KubectlCall call)
    {
        call.Connect();
        var target = call.Args.Positional(1);
        var pods = Workloads.Pods(call, call.Namespace);
        var pod = target.Contains('/')
            ? pods.FirstOrDefault(p => Json.Str(p["metadata"]?["ownerReferences"]?[0], "name") == target.Split('/')[1])
            : pods.FirstOrDefault(p => Json.Str(p, "metadata", "name") == target);
        if (pod is null)
            throw new KubectlException(target.Contains('/')
                ? $"error: error from server (NotFound): {target.Split('/')[0]} \"{target.Split('/')[1]}\" not found in namespace \"{call.Namespace}\""
                : $"error: error from server (NotFound): pods \"{target}\" not found in namespace \"{call.Namespace}\"");
        var name = Json.Str(pod, "metadata", "name");
        var container = call.Args.Get("-c", "--container") ?? Json.Str(pod["spec"]?["containers"]?[0], "name") ?? "app";
        if (Json.Str(pod, "status", "phase") == "Pending")
            throw new KubectlException($"Error from server (BadRequest): container \"{container}\" in pod \"{name}\" is waiting to start: ContainerCreating");
        var time = Json.Str(pod, "metadata", "creationTimestamp");
        var owner = pod["metadata"]?["ownerReferences"]?[0];
        var job = Json.Str(owner, "kind") == "Job" ? call.Find(call.Namespace, "Job", Json.Str(owner, "name") ?? "") : null;
        IReadOnlyList<string> lines = job is not null
            ? Jobs.Logs(KubectlCall.Body(job))
            :
            [
                $"{time} INFO  starting {container} (pod {name})",
                $"{time} INFO  configuration loaded from environment",
                $"{time} INFO  connected to dependencies",
                $"{time} INFO  ready",
            ];
        var tail = int.TryParse(call.Args.Get("--tail"), out var n) && n >= 0 ? n : lines.Count;
        foreach (var line in lines.TakeLast(tail))
            call.Context.Out.WriteLine(line);
        return 0;
    }
}
