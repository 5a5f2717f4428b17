using System.Text.Json.Nodes;
using Exchange.Fakes.Core;

namespace Exchange.Fakes.Kubectl;

/// <summary>`kubectl delete`, `kubectl scale` and `kubectl create namespace|secret generic` against the fake API server.</summary>
internal static class Mutate
{
    /// <summary>`delete namespace NS` (takes everything in it), `delete TYPE NAME...`, `delete TYPE -l SELECTOR`, `delete -f -`; --ignore-not-found.</summary>
    public static int Delete(KubectlCall call)
    {
        var targets = call.Args.Has("-f", "--filename", "-k", "--kustomize")
            ? Manifests.Read(call).Select(m => (Kind: KubeKinds.ForObject(m.ApiVersion, m.Kind), Name: m.Name, Ns: m.DeclaredNamespace)).ToList()
            : null;
        call.Connect("delete");
        targets ??= Names(call);
        if (targets.Count == 0 && call.Args.Has("-l", "--selector"))
            call.Context.Err.WriteLine("No resources found");
        var failures = 0;
        foreach (var (kind, name, declaredNs) in targets)
        {
            if (kind is null)
                continue;
            var ns = kind.Namespaced ? declaredNs ?? call.Namespace : null;
            if (call.Find(ns, kind.Kind, name) is null && !(kind.Kind == "Namespace" && KubectlCall.SystemNamespaces.Contains(name)))
            {
                if (!call.Args.Flag("--ignore-not-found"))
                {
                    call.Context.Err.WriteLine($"Error from server (NotFound): {kind.Resource} \"{name}\" not found");
                    failures++;
                }
                continue;
            }
            call.State.KubeObjects.Remove(KubectlCall.Key(ns, kind.Kind, name));
            if (kind.Kind == "Namespace")
                foreach (var key in call.State.KubeObjects.Where(o => o.Value.Namespace == name).Select(o => o.Key).ToList())
                    call.State.KubeObjects.Remove(key);
            call.Context.Out.WriteLine($"{kind.Singular} \"{name}\" deleted");
        }
        return failures > 0 ? 1 : 0;
    }

    private static List<(KubeKind? Kind, string Name, string? Ns)> Names(KubectlCall call)
    {
        var words = call.Args.Positionals.Skip(1).ToList();
        if (words.Count > 0 && words[0].Contains('/'))
            return words.Select(w => Rollout.Target(call, [w])).Select(t => ((KubeKind?)t.Kind, t.Name, (string?)null)).ToList();
        var kind = KubeKinds.ForName(words.FirstOrDefault() ?? "")
            ?? throw new KubectlException(words.Count == 0 ? "error: You must provide one or more resources by argument or filename."
                : $"error: the server doesn't have a resource type \"{words[0]}\"");
        // `delete KIND -l SELECTOR`: every object of that kind in the namespace whose labels match.
        if (call.Args.Get("-l", "--selector") is { } selector && words.Count == 1)
            return call.Objects(kind.Kind, kind.Namespaced ? call.Namespace : null)
                .Where(o => Selector.Matches(selector, KubectlCall.Body(o)["metadata"]?["labels"] as JsonObject))
                .Select(o => ((KubeKind?)kind, o.Name, (string?)null)).ToList();
        return words.Skip(1).Select(n => ((KubeKind?)kind, n, (string?)null)).ToList();
    }
}
