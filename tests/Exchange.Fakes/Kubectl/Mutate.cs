using System.Text.Json.Nodes;
using Exchange.Fakes.Core;

namespace Exchange.Fakes.Kubectl;

/// <summary>`kubectl delete`, `kubectl scale` and `kubectl create namespace|secret generic` against the fake API server.</summary>
internal static class Mutate
{
    /// <summary>`delete namespace NS` (takes everything in it), `delete TYPE NAME...`, `delete -f -`; --ignore-not-found.</summary>
    public static int Delete(KubectlCall call)
    {
        var targets = call.Args.Has("-f", "--filename", "-k", "--kustomize")
            ? Manifests.Read(call).Select(m => (Kind: KubeKinds.ForObject(m.ApiVersion, m.Kind), Name: m.Name, Ns: m.DeclaredNamespace)).ToList()
            : Names(call);
        call.Connect();
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
        return words.Skip(1).Select(n => ((KubeKind?)kind, n, (string?)null)).ToList();
    }

    /// <summary>`scale KIND/NAME --replicas=N`: the live object drifts from the last apply, which a re-apply "configures" back.</summary>
    public static int Scale(KubectlCall call)
    {
        call.Connect();
        var (kind, name) = Rollout.Target(call, call.Args.Positionals.Skip(1).ToList());
        var replicas = int.TryParse(call.Args.Get("--replicas"), out var r) ? r : throw new KubectlException("error: --replicas=COUNT is required");
        var stored = call.Find(call.Namespace, kind.Kind, name)
            ?? throw new KubectlException($"Error from server (NotFound): {kind.Resource} \"{name}\" not found");
        var body = KubectlCall.Body(stored);
        ((JsonObject)(body["spec"] ??= new JsonObject()))["replicas"] = replicas;
        stored.Json = Json.OneLine(body);
        stored.Sha256 = "scaled:" + stored.Sha256;
        stored.Generation++;
        call.Context.Out.WriteLine($"{kind.Singular}/{name} scaled");
        return 0;
    }

    /// <summary>`create namespace NAME` and `create secret generic NAME --from-literal=K=V...` (values only hashed).</summary>
    public static int Create(KubectlCall call)
    {
        call.Connect();
        var what = call.Args.Positional(1);
        var body = what switch
        {
            "namespace" or "ns" => new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = Metadata(call.Args.Positional(2), null) },
            "secret" when call.Args.Positional(2) == "generic" => new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "Secret", ["metadata"] = Metadata(call.Args.Positional(3), call.Namespace), ["type"] = "Opaque",
                ["stringData"] = new JsonObject(call.Args.GetAll("--from-literal")
                    .Select(l => l.Split('=', 2)).Select(kv => KeyValuePair.Create(kv[0], (JsonNode?)(kv.Length > 1 ? kv[1] : "")))),
            },
            _ => throw new FakeSetupException($"'kubectl create {what}' is not simulated (namespace, secret generic)."),
        };
        var resolved = Apply.Resolve(call, new Manifest(body, "STDIN"), new HashSet<string>());
        if (call.Find(resolved.Namespace, resolved.Kind.Kind, resolved.Manifest.Name) is not null)
            throw new KubectlException($"Error from server (AlreadyExists): {resolved.Kind.Resource} \"{resolved.Manifest.Name}\" already exists");
        if (resolved.Kind.Kind == "Secret")
            call.Context.Secrets.Add(Manifests.Secret(resolved.Manifest, resolved.Namespace ?? ""));
        Apply.Store(call, resolved);
        call.Context.Out.WriteLine($"{resolved.Display} created");
        return 0;
    }

    private static JsonObject Metadata(string name, string? ns) =>
        ns is null ? new JsonObject { ["name"] = name } : new JsonObject { ["name"] = name, ["namespace"] = ns };
}
