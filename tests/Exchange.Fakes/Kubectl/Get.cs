using System.Text.Json.Nodes;
using Exchange.Fakes.Core;

namespace Exchange.Fakes.Kubectl;

/// <summary>
/// `kubectl get TYPE[,TYPE...] [NAME...] [-n NS|-A] [-l SELECTOR] [-o json|yaml|wide|name|jsonpath=...]`
/// over the applied objects and what the cluster makes of them (nodes, pods, events).
/// </summary>
internal static class Get
{
    public static int Run(KubectlCall call)
    {
        call.Connect();
        var (kinds, names) = Targets(call);
        var selector = call.Args.Get("-l", "--selector");
        var groups = new List<(KubeKind Kind, List<JsonObject> Items)>();
        foreach (var kind in kinds)
        {
            var ns = call.AllNamespaces || !kind.Namespaced ? null : call.Namespace;
            var items = Items(call, kind, ns).Where(i => Selector.Matches(selector, i["metadata"]?["labels"] as JsonObject)).ToList();
            if (names.Count > 0)
            {
                var missing = names.FirstOrDefault(n => items.All(i => Json.Str(i, "metadata", "name") != n));
                if (missing is not null)
                    throw new KubectlException($"Error from server (NotFound): {kind.Resource} \"{missing}\" not found");
                items = items.Where(i => names.Contains(Json.Str(i, "metadata", "name")!)).ToList();
            }
            groups.Add((kind, items));
        }
        Print(call, groups, single: names.Count == 1 && kinds.Count == 1);
        return 0;
    }

    /// <summary>Every object of a kind as the API server would list it.</summary>
    public static List<JsonObject> Items(KubectlCall call, KubeKind kind, string? ns) => kind.Kind switch
    {
        "Node" => call.Nodes().Select(n => Workloads.Node(call, n.Name, n.Group)).ToList(),
        "Pod" => Workloads.Pods(call, ns),
        "Event" => Events.For(call, ns),
        "Namespace" => KubectlCall.SystemNamespaces.Select(n => new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "Namespace",
                ["metadata"] = new JsonObject { ["name"] = n, ["creationTimestamp"] = Json.KubeTime(call.Cluster.CreatedAt) },
                ["status"] = new JsonObject { ["phase"] = "Active" },
            }).Concat(call.Objects("Namespace", null).Select(o => Workloads.Live(call, o))).ToList(),
        "Secret" => call.Objects("Secret", ns).Select(SecretWithoutValues).ToList(),
        _ => call.Objects(kind.Kind, ns).Select(o => Workloads.Live(call, o)).ToList(),
    };

    /// <summary>The fake keeps no secret values: data keys come back with empty values.</summary>
    private static JsonObject SecretWithoutValues(State.KubeObjectState stored) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Secret",
        ["metadata"] = new JsonObject
        {
            ["name"] = stored.Name, ["namespace"] = stored.Namespace, ["creationTimestamp"] = Json.KubeTime(stored.CreatedAt),
        },
        ["type"] = "Opaque",
        ["data"] = new JsonObject((stored.SecretKeys ?? []).Select(k => KeyValuePair.Create(k, (JsonNode?)""))),
    };

    /// <summary>"pods", "statefulsets,deployments", "deployment/backend", "deploy backend".</summary>
    private static (List<KubeKind> Kinds, List<string> Names) Targets(KubectlCall call)
    {
        var words = call.Args.Positionals.Skip(1).ToList();
        if (words.Count == 0)
            throw new KubectlException("You must specify the type of resource to get. " +
                                       "Use \"kubectl api-resources\" for a complete list of supported resources.");
        var slash = words[0].Split('/', 2);
        var kinds = slash[0].Split(',').Select(t => KubeKinds.ForName(t)
            ?? throw new KubectlException($"error: the server doesn't have a resource type \"{t}\"")).ToList();
        var names = slash.Length == 2 ? [slash[1]] : words.Skip(1).ToList();
        return (kinds, names);
    }

    private static void Print(KubectlCall call, List<(KubeKind Kind, List<JsonObject> Items)> groups, bool single)
    {
        var output = call.Args.Get("-o", "--output") ?? "";
        var all = groups.SelectMany(g => g.Items).ToList();
        JsonNode document = single && all.Count == 1 ? all[0] : new JsonObject
        {
            ["apiVersion"] = "v1",
            ["items"] = Json.Array(all.Select(i => (JsonObject)i.DeepClone())),
            ["kind"] = "List",
            ["metadata"] = new JsonObject { ["resourceVersion"] = "" },
        };
        var writer = call.Context.Out;
        if (output == "json")
            writer.WriteLine(Json.Pretty(document));
        else if (output == "yaml")
            writer.Write(Yaml.Write(document));
        else if (output == "name")
            foreach (var (kind, items) in groups)
                foreach (var item in items)
                    writer.WriteLine($"{kind.Singular}/{Json.Str(item, "metadata", "name")}");
        else if (output.StartsWith("jsonpath="))
            writer.Write(JsonPath.Render(output["jsonpath=".Length..], document));
        else if (all.Count == 0)
            call.Context.Err.WriteLine(groups.Any(g => g.Kind.Namespaced) && !call.AllNamespaces
                ? $"No resources found in {call.Namespace} namespace." : "No resources found");
        else
            writer.Write(Tables.Render(groups.Where(g => g.Items.Count > 0).ToList(), wide: output == "wide",
                allNamespaces: call.AllNamespaces, prefixKind: groups.Count > 1, noHeaders: call.Args.Flag("--no-headers")));
    }
}

/// <summary>Label selectors: `a=b`, `a==b`, `a!=b`, `a`, `!a`, comma-separated.</summary>
internal static class Selector
{
    public static bool Matches(string? selector, JsonObject? labels) =>
        selector is null || selector.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).All(term =>
        {
            string? Label(string key) => Json.Str(labels, key.Trim());
            if (term.Contains("!=")) return Label(term.Split("!=")[0]) != term.Split("!=")[1].Trim();
            if (term.Contains('=')) return Label(term.Split('=')[0]) == term.Split('=')[^1].Trim();
            return term.StartsWith('!') ? Label(term[1..]) is null : Label(term) is not null;
        });
}
