using System.Globalization;
using System.Text.Json;
using Exchange.Build.Aws;
using Exchange.Build.Processes;
using Exchange.Contracts;

namespace Exchange.Build.Kubernetes;

/// <summary>
/// Resolves the values of the Contracts value table (<see cref="KubernetesSecrets"/>, <see cref="EnvironmentConfigMap"/>)
/// from their sources: stack outputs, Secrets Manager fields (each secret read once) and the environment's configuration.
/// </summary>
public sealed class ClusterValueResolver(EnvironmentConfig config, DeploymentOutputs outputs, Func<string, Secret> readSecret)
{
    private readonly Dictionary<string, JsonDocument> secrets = new(StringComparer.Ordinal);

    /// <summary>The resolver of a run: outputs from <see cref="BuildContext.Outputs"/>, secrets through the aws CLI.</summary>
    public static ClusterValueResolver For(BuildContext b) => new(b.Settings.Environment, b.Outputs, b.Aws.GetSecretString);

    public IReadOnlyDictionary<string, string> Resolve(IEnumerable<ClusterValue> values) =>
        values.ToDictionary(v => v.Key, v => Resolve(v.Source), StringComparer.Ordinal);

    public string Resolve(ValueSource source) => source switch
    {
        ValueSource.Output o => string.Format(CultureInfo.InvariantCulture, o.Format,
            o.Default is null ? outputs[o.Of] : outputs.TryGet(o.Of) ?? o.Default),
        ValueSource.SecretField f => Field(f.Secret(config.Names), f.Field),
        ValueSource.Constant c => c.Value(config),
        _ => throw new NotSupportedException($"No resolver for {source.GetType().Name}: add it to ClusterValueResolver."),
    };

    /// <summary>The secrets whose fields the values read (the pipeline's Secrets step lists them).</summary>
    public static IEnumerable<string> SecretsRead(IEnumerable<ClusterValue> values, EnvironmentNames names) =>
        values.Select(v => v.Source).OfType<ValueSource.SecretField>().Select(f => f.Secret(names)).Distinct();

    private string Field(string secret, string field)
    {
        if (!secrets.TryGetValue(secret, out var json))
            secrets[secret] = json = JsonDocument.Parse(readSecret(secret).Reveal());
        var value = json.RootElement.TryGetProperty(field, out var v) ? v.ToString() : "";
        return value.Length > 0 ? value : throw new InvalidOperationException($"Secret '{secret}' has no {field} field.");
    }
}
