using System.Text;
using System.Text.Json;
using Exchange.Contracts;

namespace Exchange.Build.Kubernetes;

/// <summary>
/// The Secrets (and the ConfigMap) of the Contracts value table as Kubernetes objects, built in memory and sent to
/// `kubectl apply -f -` on stdin: a rerun updates them ("configured"/"unchanged") instead of
/// failing with AlreadyExists, and the values never touch disk.
/// </summary>
public static class SecretManifests
{
    public const string ManagedBy = "exchange-build";

    /// <summary>One Secret per definition; every key the shared definition names must have a value.</summary>
    public static string Build(string ns, IReadOnlyDictionary<SecretDefinition, IReadOnlyDictionary<string, string>> values)
    {
        var text = new StringBuilder();
        foreach (var definition in KubernetesSecrets.All)
        {
            if (!values.TryGetValue(definition, out var data))
                throw new InvalidOperationException($"No values for secret '{definition.Name}'.");
            var missing = definition.Keys.Except(data.Keys).ToArray();
            var extra = data.Keys.Except(definition.Keys).ToArray();
            if (missing.Length > 0 || extra.Length > 0)
                throw new InvalidOperationException($"Secret '{definition.Name}' must have exactly the keys {string.Join(", ", definition.Keys)} " +
                                                    $"(missing: {string.Join(", ", missing)}; unexpected: {string.Join(", ", extra)}).");
            var secret = Document("Secret", ns, definition.Name);
            secret["type"] = "Opaque";
            secret["data"] = definition.Keys.ToDictionary(k => k, k => Convert.ToBase64String(Encoding.UTF8.GetBytes(data[k])));
            text.Append("---\n").Append(JsonSerializer.Serialize(secret)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>The ConfigMap of <paramref name="definition"/>; every key it names must have a value, and nothing else.</summary>
    public static string ConfigMap(string ns, ConfigMapDefinition definition, IReadOnlyDictionary<string, string> values)
    {
        if (!definition.Keys.Order().SequenceEqual(values.Keys.Order()))
            throw new InvalidOperationException($"ConfigMap '{definition.Name}' must have exactly the keys {string.Join(", ", definition.Keys)} " +
                                                $"(got {string.Join(", ", values.Keys)}).");
        var map = Document("ConfigMap", ns, definition.Name);
        map["data"] = definition.Keys.ToDictionary(k => k, k => values[k]);
        return "---\n" + JsonSerializer.Serialize(map) + "\n";
    }

    private static Dictionary<string, object> Document(string kind, string ns, string name) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = kind,
        ["metadata"] = new Dictionary<string, object>
        {
            ["name"] = name,
            ["namespace"] = ns,
            ["labels"] = new Dictionary<string, string>
            {
                ["app.kubernetes.io/part-of"] = "exchange",
                ["app.kubernetes.io/managed-by"] = ManagedBy,
            },
        },
    };
}
