using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Exchange.Build.Kubernetes;
using Exchange.Contracts;

namespace Exchange.Build.Kubernetes;

/// <summary>What a preview records about itself in its namespace's annotations (every machine with cluster access sees it).</summary>
public sealed record PreviewRecord(
    PreviewName Name, int? Slot, string? PullRequest, string? Owner, string? Images, DateTimeOffset? Created, DateTimeOffset? LastDeploy,
    DateTimeOffset? Expires, bool Terminating)
{
    public bool ExpiredAt(DateTimeOffset now) => Expires is { } e && e <= now;

    /// <summary>The preview namespaces of <c>kubectl get namespaces -l exchange.dev/preview -o json</c>; others are ignored.</summary>
    public static IReadOnlyList<PreviewRecord> ParseList(string env, string json)
    {
        using var document = JsonDocument.Parse(json);
        var records = new List<PreviewRecord>();
        foreach (var item in document.RootElement.GetProperty("items").EnumerateArray())
        {
            var metadata = item.GetProperty("metadata");
            if (PreviewName.FromNamespace(env, metadata.GetProperty("name").GetString() ?? "") is not { } name) continue;
            string? A(string key) => metadata.TryGetProperty("annotations", out var a) && a.ValueKind == JsonValueKind.Object
                && a.TryGetProperty(key, out var v) ? v.GetString() : null;
            DateTimeOffset? T(string key) => DateTimeOffset.TryParse(A(key), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
                ? t : null;
            var terminating = item.TryGetProperty("status", out var s) && s.TryGetProperty("phase", out var p) && p.GetString() == "Terminating";
            records.Add(new PreviewRecord(name, int.TryParse(A(Previews.SlotAnnotation), out var slot) ? slot : null,
                A(Previews.PullRequestAnnotation), A(Previews.OwnerAnnotation), A(Previews.ImagesAnnotation),
                T(Previews.CreatedAnnotation), T(Previews.DeployedAnnotation), T(Previews.ExpiresAnnotation),
                terminating));
        }
        return records.OrderBy(r => r.Name.Namespace, StringComparer.Ordinal).ToArray();
    }
}

/// <summary>
/// The objects of a preview besides the overlay's workloads, built in memory: its namespace (labels and the record in annotations),
/// ResourceQuota and LimitRange, and its secrets with the main namespace's names and keys but its own database, user and password.
/// </summary>
public static class PreviewManifests
{
    public const string QuotaName = "preview-quota";
    public const string LimitRangeName = "preview-limits";

    /// <summary>
    /// The preview user's password: an HMAC of the preview's namespace keyed with the master user's password. The same preview gets
    /// the same password on every run (a redeploy changes nothing), no file holds it, nobody without the master password can derive
    /// it, and it changes when the master password is rotated (the next DeployPreview sets the new one).
    /// </summary>
    public static string Password(string masterPassword, PreviewName preview)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(masterPassword), Encoding.UTF8.GetBytes("exchange-preview:" + preview.Namespace));
        return "Pv" + Convert.ToBase64String(mac).TrimEnd('=').Replace('+', 'x').Replace('/', 'y');
    }

    /// <summary>The record of this deploy: created is kept from an earlier one; last deploy and expiry move only when the images change.</summary>
    public static Dictionary<string, string> Annotations(PreviewName preview, string owner, string images, int slot, PreviewRecord? earlier,
        DateTimeOffset now, TimeSpan lifetime)
    {
        var unchanged = earlier is { LastDeploy: not null, Expires: not null } && earlier.Images == images;
        var deployed = unchanged ? earlier!.LastDeploy!.Value : now;
        return new Dictionary<string, string>
        {
            [Previews.PullRequestAnnotation] = preview.PullRequest?.ToString(CultureInfo.InvariantCulture) ?? "",
            [Previews.OwnerAnnotation] = earlier?.Owner ?? owner,
            [Previews.ImagesAnnotation] = images,
            [Previews.CreatedAnnotation] = Time(earlier?.Created ?? now),
            [Previews.DeployedAnnotation] = Time(deployed),
            [Previews.ExpiresAnnotation] = Time(unchanged ? earlier!.Expires!.Value : now + lifetime),
            [Previews.SlotAnnotation] = slot.ToString(CultureInfo.InvariantCulture),
        };
    }

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>Namespace, ResourceQuota and LimitRange.</summary>
    public static string Namespace(PreviewName preview, string env, IReadOnlyDictionary<string, string> annotations)
    {
        var ns = Document("v1", "Namespace", preview.Namespace, null, env, preview);
        ((Dictionary<string, object>)ns["metadata"])["annotations"] = annotations;
        var quota = Document("v1", "ResourceQuota", QuotaName, preview.Namespace, env, preview);
        quota["spec"] = new Dictionary<string, object>
        {
            ["hard"] = new Dictionary<string, object>
            {
                ["requests.cpu"] = Previews.Quota.RequestsCpu, ["requests.memory"] = Previews.Quota.RequestsMemory,
                ["limits.cpu"] = Previews.Quota.LimitsCpu, ["limits.memory"] = Previews.Quota.LimitsMemory,
                ["pods"] = Previews.Quota.Pods.ToString(CultureInfo.InvariantCulture),
                ["services.loadbalancers"] = "0",
                ["persistentvolumeclaims"] = "0",
            },
        };
        var limits = Document("v1", "LimitRange", LimitRangeName, preview.Namespace, env, preview);
        limits["spec"] = new Dictionary<string, object>
        {
            ["limits"] = new[]
            {
                new Dictionary<string, object>
                {
                    ["type"] = "Container",
                    ["defaultRequest"] = new Dictionary<string, string>
                        { ["cpu"] = Previews.Quota.DefaultRequestCpu, ["memory"] = Previews.Quota.DefaultRequestMemory },
                    ["default"] = new Dictionary<string, string>
                        { ["cpu"] = Previews.Quota.DefaultLimitCpu, ["memory"] = Previews.Quota.DefaultLimitMemory },
                },
            },
        };
        return string.Concat(new[] { ns, quota, limits }.Select(d => "---\n" + JsonSerializer.Serialize(d) + "\n"));
    }

    /// <summary>
    /// The main namespace's secrets with the preview's database, user and password in db-credentials: the same names and keys, so the
    /// workloads run unchanged.
    /// </summary>
    public static IReadOnlyDictionary<SecretDefinition, IReadOnlyDictionary<string, string>> Secrets(
        IReadOnlyDictionary<SecretDefinition, IReadOnlyDictionary<string, string>> main, PreviewName preview, string password) =>
        main.ToDictionary(p => p.Key, p => p.Key != KubernetesSecrets.Db
            ? p.Value
            : (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(p.Value)
            {
                [KubernetesSecrets.MysqlUsername] = preview.DatabaseUser,
                [KubernetesSecrets.MysqlPassword] = password,
                [KubernetesSecrets.MysqlDatabase] = preview.Database,
            });

    /// <summary>The environment ConfigMap's values for the preview: its Redis database and its topic prefix instead of the main ones.</summary>
    public static IReadOnlyDictionary<string, string> EnvironmentValues(IReadOnlyDictionary<string, string> main, PreviewName preview, int slot) =>
        new Dictionary<string, string>(main)
        {
            [EnvironmentConfigMap.RedisDatabase] = slot.ToString(CultureInfo.InvariantCulture),
            [EnvironmentConfigMap.KafkaTopicPrefix] = preview.TopicPrefix,
        };

    /// <summary>The Secret (in the main namespace) the provisioning Job reads what to create or drop from; applied on stdin, deleted after.</summary>
    public static string ProvisionSecret(string mainNamespace, PreviewName preview, string? password, int slot, IReadOnlyList<string> topics,
        int partitions)
    {
        var data = new Dictionary<string, string>
        {
            [PreviewProvisioning.Database] = preview.Database,
            [PreviewProvisioning.User] = preview.DatabaseUser,
            [PreviewProvisioning.RedisDatabase] = slot.ToString(CultureInfo.InvariantCulture),
            [PreviewProvisioning.Topics] = string.Join(',', topics),
            [PreviewProvisioning.TopicPartitions] = partitions.ToString(CultureInfo.InvariantCulture),
        };
        if (password is not null) data[PreviewProvisioning.Password] = password;
        return OpaqueSecret(preview.ProvisionSecretName, mainNamespace, preview, data);
    }

    /// <summary>An Opaque Secret manifest (a YAML document of JSON) with our labels, the preview's when it is one's.</summary>
    private static string OpaqueSecret(string name, string ns, PreviewName? preview, IReadOnlyDictionary<string, string> data)
    {
        var secret = Document("v1", "Secret", name, ns, null, preview);
        secret["type"] = "Opaque";
        secret["data"] = data.ToDictionary(p => p.Key, p => Convert.ToBase64String(Encoding.UTF8.GetBytes(p.Value)));
        return "---\n" + JsonSerializer.Serialize(secret) + "\n";
    }

    /// <summary>The kustomize patches that make the overlay a preview: one backend replica, the backend on the slot's NodePort.</summary>
    public static IReadOnlyList<LayerPatch> OverlayPatches(int slot) =>
    [
        new("Deployment", "future-backend", """[{"op":"replace","path":"/spec/replicas","value":1}]"""),
        new("Service", "future-backend",
            $$"""[{"op":"replace","path":"/spec/ports/0/nodePort","value":{{Previews.NodePort(slot).ToString(CultureInfo.InvariantCulture)}}}]"""),
    ];

    /// <summary>The checker image's Job turned into a provisioning Job: its mode, and the main secrets plus the provisioning Secret.</summary>
    /// <remarks>Without a slot (a preview whose namespace and record are gone) there is no Redis database to empty: Redis is left out.</remarks>
    public static IReadOnlyList<LayerPatch> ProvisionPatches(PreviewName preview, string mode, bool withRedis = true) =>
        ProvisionPatches(mode, withRedis ? [] : [$"--checks={ConnectivityCheck.Mysql},{ConnectivityCheck.Kafka}"], preview.ProvisionSecretName);

    /// <summary>The list mode's Job: the preview databases on the server, from the master user's secret alone.</summary>
    public static IReadOnlyList<LayerPatch> ListPatches() =>
        ProvisionPatches(PreviewProvisioning.List, [$"--checks={ConnectivityCheck.Mysql},{ConnectivityCheck.Kafka}"], PreviewProvisioning.ListSecretName);

    /// <summary>The list Job's Secret: the main topics and their partitions under the checker's keys (its Kafka settings need them).</summary>
    public static string ListSecret(string mainNamespace, IReadOnlyList<string> mainTopics, int partitions) =>
        OpaqueSecret(PreviewProvisioning.ListSecretName, mainNamespace, null, new Dictionary<string, string>
        {
            [PreviewProvisioning.Topics] = string.Join(',', mainTopics),
            [PreviewProvisioning.TopicPartitions] = partitions.ToString(CultureInfo.InvariantCulture),
        });

    private static IReadOnlyList<LayerPatch> ProvisionPatches(string mode, string[] checks, string? provisionSecret) =>
    [
        new("Job", ConnectivityCheck.ImageName, JsonSerializer.Serialize(new object[]
        {
            new
            {
                op = "add", path = "/spec/template/spec/containers/0/args",
                value = new[] { PreviewProvisioning.Argument + mode }.Concat(checks).ToArray(),
            },
            new
            {
                op = "replace", path = "/spec/template/spec/containers/0/envFrom",
                value = new[] { KubernetesSecrets.Db.Name, KubernetesSecrets.Redis.Name, KubernetesSecrets.Kafka.Name, provisionSecret }
                    .OfType<string>().Select(name => new { secretRef = new { name } }).ToArray(),
            },
            new { op = "replace", path = "/metadata/labels/app.kubernetes.io~1component", value = "preview-provisioning" },
        })),
    ];

    private static Dictionary<string, object> Document(string apiVersion, string kind, string name, string? ns, string? env, PreviewName? preview)
    {
        var labels = new Dictionary<string, string>
        {
            ["app.kubernetes.io/part-of"] = "exchange",
            ["app.kubernetes.io/managed-by"] = SecretManifests.ManagedBy,
        };
        if (preview is not null) labels[Previews.Label] = preview.Id;
        if (env is not null) labels["app.kubernetes.io/environment"] = env;
        var metadata = new Dictionary<string, object> { ["name"] = name, ["labels"] = labels };
        if (ns is not null) metadata["namespace"] = ns;
        return new Dictionary<string, object> { ["apiVersion"] = apiVersion, ["kind"] = kind, ["metadata"] = metadata };
    }
}
