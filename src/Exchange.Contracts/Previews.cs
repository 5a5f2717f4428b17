using System.Globalization;
using System.Text.RegularExpressions;

namespace Exchange.Contracts;

/// <summary>
/// A preview: one pull request's (or one developer's) slice of the running dev environment. Every name a preview uses is derived
/// here, once: its namespace, its MySQL database and user, its Kafka topic prefix. Its slot (1..<see cref="Previews.MaxSlots"/>)
/// is allocated at deploy time among the previews that exist and gives it the Redis logical database and the backend NodePort no
/// other preview has (the main namespace keeps database 0 and <see cref="BackendAccess.NodePort"/>).
/// </summary>
public sealed partial record PreviewName
{
    private PreviewName(string env, string id, int? pr)
    {
        Env = env;
        Id = id;
        PullRequest = pr;
    }

    public string Env { get; }
    /// <summary>The part that tells previews apart: <c>pr-123</c> or the developer's name (<c>alice</c>).</summary>
    public string Id { get; }
    /// <summary>The pull request's number, or null for a named preview.</summary>
    public int? PullRequest { get; }

    public string Namespace => $"exchange-{Env}-{Id}";
    /// <summary>The MySQL database: letters, digits and underscores only (no quoting needed), at most 64 characters.</summary>
    public string Database => PreviewProvisioning.DatabasePrefix + Id.Replace('-', '_');
    /// <summary>The MySQL user, granted only <see cref="Database"/>; at most 32 characters (MySQL's limit).</summary>
    public string DatabaseUser => $"pv_{Id.Replace('-', '_')}";
    /// <summary>Every Kafka topic of the preview is the main topic's name behind this prefix.</summary>
    public string TopicPrefix => $"{Id}.";
    /// <summary>The Secret in the main namespace the provisioning Job reads the preview user's password from, deleted after it.</summary>
    public string ProvisionSecretName => $"preview-provision-{Id}";

    /// <summary>The path on the shared load balancer that routes to this preview's backend: <c>/pr-123/</c> (the prefix is cut off before it).</summary>
    public string RoutePath => $"/{Id}/";
    /// <summary>The listener rule's path condition for <see cref="RoutePath"/>.</summary>
    public string RoutePattern => RoutePath + "*";

    /// <summary>The preview whose route a listener rule's path pattern is, or null when the pattern is no preview's.</summary>
    public static PreviewName? FromRoutePattern(string env, string pattern) =>
        pattern.Length > 3 && pattern[0] == '/' && pattern.EndsWith("/*", StringComparison.Ordinal)
            ? FromNamespace(env, $"exchange-{env}-" + pattern[1..^2])
            : null;

    public IReadOnlyList<string> Topics(EnvironmentConfig config) => config.KafkaTopics.Select(t => TopicPrefix + t).ToArray();

    public override string ToString() => Id;

    /// <summary>The longest name part: keeps the namespace (63), the database (64) and the user (32) within their limits.</summary>
    public const int MaxIdLength = 24;

    /// <summary>The preview of a pull request; throws <see cref="ArgumentException"/> with the rule it broke.</summary>
    public static PreviewName ForPullRequest(string env, string number)
    {
        if (!int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var pr) || pr <= 0 || number.StartsWith('0'))
            throw new ArgumentException($"'{number}' is not a pull request number: digits only, no leading zero, greater than 0 (e.g. 123).");
        if (number.Length > 9) throw new ArgumentException($"'{number}' is not a pull request number: at most 9 digits.");
        return new PreviewName(env, $"pr-{pr}", pr);
    }

    /// <summary>A developer's named preview; throws <see cref="ArgumentException"/> with the rule it broke.</summary>
    public static PreviewName Named(string env, string name)
    {
        if (!NamePattern().IsMatch(name))
            throw new ArgumentException($"'{name}' cannot name a preview: lower-case letters, digits and single hyphens, starting with a " +
                                        "letter and ending with a letter or digit (it becomes a Kubernetes namespace, a MySQL identifier and a " +
                                        "Kafka topic prefix).");
        if (name.Length > MaxIdLength)
            throw new ArgumentException($"'{name}' cannot name a preview: at most {MaxIdLength} characters (the MySQL user name is limited to 32).");
        if (name.StartsWith("pr-", StringComparison.Ordinal))
            throw new ArgumentException($"'{name}' cannot name a preview: names starting with pr- belong to pull requests (use --pr=N).");
        if (Previews.Reserved.Contains(name))
            throw new ArgumentException($"'{name}' cannot name a preview: it would collide with the environment's own names " +
                                        $"({string.Join(", ", Previews.Reserved)}).");
        return new PreviewName(env, name, null);
    }

    /// <summary>The preview a namespace belongs to, or null when it is not one of this environment's previews.</summary>
    public static PreviewName? FromNamespace(string env, string ns)
    {
        var prefix = $"exchange-{env}-";
        if (!ns.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var id = ns[prefix.Length..];
        try
        {
            return id.StartsWith("pr-", StringComparison.Ordinal) ? ForPullRequest(env, id[3..]) : Named(env, id);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The preview a database of <see cref="Database"/>'s form belongs to, or null (names have no underscore: the mapping is exact).</summary>
    public static PreviewName? FromDatabase(string env, string database) =>
        database.StartsWith(PreviewProvisioning.DatabasePrefix, StringComparison.Ordinal)
            ? FromNamespace(env, $"exchange-{env}-" + database[PreviewProvisioning.DatabasePrefix.Length..].Replace('_', '-'))
            : null;

    [GeneratedRegex("^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$")]
    private static partial Regex NamePattern();
}

/// <summary>What every preview shares: its labels and annotations (the record every machine sees), the cap, its lifetime, its size.</summary>
public static class Previews
{
    /// <summary>Names a developer's preview may not take: they would read as the environment's own namespaces or stores.</summary>
    public static readonly IReadOnlyList<string> Reserved = ["main", "default", "system", "dev", "prod", "staging", "mysql", "sleep", "jump", "vpc"];

    /// <summary>
    /// Slots: each has a Redis logical database (Redis has 16; 0 is the main namespace's), a NodePort and a target group on the
    /// shared load balancer (the Eks stack makes one per slot). Eight: the main target group and the slots' fit the one
    /// attach-load-balancer-target-groups call (at most 10 target groups), and the default node group holds one preview.
    /// </summary>
    public const int MaxSlots = 8;
    /// <summary>
    /// How many previews may exist at once by default: what the two t3.medium dev nodes hold beside the main namespace (about 2.6
    /// vCPU and 4.3 GiB free after it; one preview's quota asks 1.5 vCPU and 2.75 GiB; the README has the arithmetic).
    /// </summary>
    public const int DefaultCap = 1;
    /// <summary>A preview expires this long after its last deploy.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(3);

    /// <summary>The label every preview namespace carries (its value: the preview's id); how previews are found.</summary>
    public const string Label = "exchange.dev/preview";
    private const string Prefix = "exchange.dev/preview-";
    public const string PullRequestAnnotation = Prefix + "pr";
    public const string OwnerAnnotation = Prefix + "owner";
    public const string ImagesAnnotation = Prefix + "images";
    public const string CreatedAnnotation = Prefix + "created";
    public const string DeployedAnnotation = Prefix + "last-deploy";
    public const string ExpiresAnnotation = Prefix + "expires";
    public const string SlotAnnotation = Prefix + "slot";

    /// <summary>The backend's NodePort of the preview in <paramref name="slot"/> (the shared ALB routes to it).</summary>
    public static int NodePort(int slot) => BackendAccess.NodePort + slot;

    /// <summary>The highest NodePort a preview uses: the load balancer may reach the nodes from <see cref="BackendAccess.NodePort"/> to this one.</summary>
    public static int LastNodePort => NodePort(MaxSlots);

    /// <summary>The listener rule's priority for <paramref name="slot"/> (lower is evaluated first; the slots never share one).</summary>
    public static int RulePriority(int slot) => 100 + slot;

    /// <summary>Whether a listener rule's priority is a preview slot's: rules at other priorities are somebody else's and never touched.</summary>
    public static bool IsRulePriority(string priority) =>
        int.TryParse(priority, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p > RulePriority(0) && p <= RulePriority(MaxSlots);

    /// <summary>The lowest slot none of <paramref name="taken"/> holds, or null when all are taken.</summary>
    public static int? FreeSlot(IEnumerable<int> taken)
    {
        var used = taken.ToHashSet();
        for (var slot = 1; slot <= MaxSlots; slot++)
            if (!used.Contains(slot)) return slot;
        return null;
    }

    /// <summary>The quota of one preview namespace: what the cap's arithmetic in the README assumes.</summary>
    public static class Quota
    {
        public const string RequestsCpu = "1500m";
        public const string RequestsMemory = "2816Mi";
        public const string LimitsCpu = "4";
        public const string LimitsMemory = "3Gi";
        public const int Pods = 10;
        public const string DefaultRequestCpu = "50m";
        public const string DefaultRequestMemory = "64Mi";
        public const string DefaultLimitCpu = "500m";
        public const string DefaultLimitMemory = "256Mi";
    }
}

/// <summary>
/// The checker's provisioning mode (<c>exchange-checker --provision=create|drop</c>): the Job DeployPreview and DestroyPreview run in
/// the main namespace, with the master user's db-credentials and the data stores' secrets, and these variables naming what to create
/// or drop. The preview user's password comes from a Secret the pipeline applies on stdin and deletes after the Job.
/// </summary>
public static class PreviewProvisioning
{
    public const string Argument = "--provision=";
    public const string Create = "create";
    public const string Drop = "drop";
    /// <summary>Lists the preview databases and topics (the sweep's orphans: a database or topics whose namespace is gone).</summary>
    public const string List = "list";
    public const string DatabasePrefix = "preview_";
    /// <summary>How the list mode's MySQL line starts; the names follow, comma-separated, or <c>none</c>.</summary>
    public const string ListedDatabases = "preview databases: ";
    /// <summary>How the list mode's Kafka line starts; the broker's topics with a '.' in their name (a preview's prefix) follow, or <c>none</c>.</summary>
    public const string ListedTopics = "preview topics: ";
    /// <summary>The Secret that gives the list mode's Job the main topics (the provisioning Job reads no ConfigMap), deleted after it.</summary>
    public const string ListSecretName = "preview-provision-list";

    public const string Database = "PREVIEW_MYSQL_DATABASE";
    public const string User = "PREVIEW_MYSQL_USERNAME";
    public const string Password = "PREVIEW_MYSQL_PASSWORD";
    public const string RedisDatabase = "PREVIEW_REDIS_DATABASE";
    /// <summary>
    /// The preview's topics and their partitions under the checker ConfigMap's own keys: the provisioning Job reads no ConfigMap,
    /// so its Secret carries what the checker's Kafka settings need.
    /// </summary>
    public const string Topics = CheckerConfigMap.KafkaTopics;
    public const string TopicPartitions = CheckerConfigMap.KafkaTopicPartitions;
}
