using System.Text.Json.Nodes;
using Exchange.Fakes.Core;
using Exchange.Fakes.State;

namespace Exchange.Fakes.Kubectl;

/// <summary>A kubectl failure: the message goes to stderr as is, exit 1.</summary>
internal sealed class KubectlException(string message, int exit = 1) : Exception(message)
{
    public int Exit { get; } = exit;
}

/// <summary>
/// One kubectl call against the fake API server: the kubeconfig context it talks to (which must name a
/// live EKS cluster of the AWS stand-in), the default namespace, and the stored objects.
/// </summary>
internal sealed class KubectlCall(CallContext context, CommandLine args) : IDisposable
{
    public static readonly string[] SystemNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    private StateSession? session;
    private ClusterState? cluster;
    private (IReadOnlyList<ClusterState> Clusters, IReadOnlyList<NodegroupState> Nodegroups)? eks;
    private string contextNamespace = "default";

    public CallContext Context { get; } = context;
    public CommandLine Args { get; } = args;
    public FakeStateData State => (session ??= FakeState.Open(Context.StateDir)).Data;
    public ClusterState Cluster => cluster ?? throw new InvalidOperationException("Connect() first");
    private (IReadOnlyList<ClusterState> Clusters, IReadOnlyList<NodegroupState> Nodegroups) Aws => eks ??= Eks.Load();

    /// <summary>-n/--namespace, else the context's namespace, else default.</summary>
    public string Namespace => Args.Get("-n", "--namespace") ?? contextNamespace;
    public bool AllNamespaces => Args.Flag("-A", "--all-namespaces");

    /// <summary>What the caller may do on the cluster (admin, edit, view), as its access entry says.</summary>
    public string? Access { get; private set; }

    /// <summary>Who the cluster says the caller is (the IAM principal; kubectl's user name is the caller's ARN).</summary>
    public string? Caller { get; private set; }

    /// <summary>
    /// Resolves the kubeconfig context and the cluster behind it, reaches the cluster's API the way the network allows (the private
    /// endpoint only through an SSM tunnel on 127.0.0.1, a public one only for its CIDRs), and authenticates the caller by the cluster's
    /// access entries; fails the way kubectl fails. <paramref name="verb"/>: a change the caller must be allowed to make.
    /// </summary>
    public void Connect(string? verb = null)
    {
        var paths = Kubeconfig.Paths(Args.Get("--kubeconfig"));
        var contextName = Args.Get("--context") ?? Kubeconfig.CurrentContext(paths);
        if (contextName is null)
            throw new KubectlException(
                "E1126 00:00:00.000000    1 memcache.go:265] \"Unhandled Error\" err=\"couldn't get current server API group list: " +
                "Get \\\"http://localhost:8080/api?timeout=32s\\\": dial tcp 127.0.0.1:8080: connect: connection refused\"\n" +
                "The connection to the server localhost:8080 was refused - did you specify the right host or port?");
        var entry = Kubeconfig.Entry(paths, "contexts", contextName, "context")
            ?? throw new KubectlException($"error: context \"{contextName}\" does not exist");
        contextNamespace = Json.Str(entry, "namespace") ?? "default";
        var clusterName = Json.Str(entry, "cluster") ?? "";
        var server = Args.Get("--server", "-s") ?? Json.Str(Kubeconfig.Entry(paths, "clusters", clusterName, "cluster"), "server") ?? "";
        var (reached, whoAmI) = ClusterApi.WhoAmI(server, Args.Get("--tls-server-name"), Aws.Clusters);
        cluster = reached;
        Caller = whoAmI["caller"]?.GetValue<string>();
        Access = whoAmI["access"]?.GetValue<string>();
        if (verb is not null && Access is not ("admin" or "edit"))
            throw new KubectlException($"Error from server (Forbidden): User \"{Caller}\" cannot {verb} resources in the namespace \"{Namespace}\" " +
                                       $"(its access entry grants {Access} only)");
    }

    /// <summary>Ready nodes of the connected cluster: the node groups' desired sizes.</summary>
    public IReadOnlyList<(string Name, NodegroupState Group)> Nodes()
    {
        var nodes = new List<(string, NodegroupState)>();
        foreach (var group in Aws.Nodegroups.Where(n => n.ClusterName == Cluster.Name).OrderBy(n => n.NodegroupName, StringComparer.Ordinal))
            for (var i = 0; i < group.DesiredSize; i++)
                nodes.Add(($"ip-10-0-11-{10 + nodes.Count}.{Cluster.Region}.compute.internal", group));
        return nodes;
    }

    public bool NamespaceExists(string name) =>
        SystemNamespaces.Contains(name) || State.KubeObjects.ContainsKey(Key(null, "Namespace", name));

    public static string Key(string? ns, string kind, string name) => $"{ns ?? ""}/{kind}/{name}";

    public KubeObjectState? Find(string? ns, string kind, string name) => State.KubeObjects.GetValueOrDefault(Key(ns, kind, name));

    /// <summary>Stored objects of a kind (in one namespace, or all when ns is null).</summary>
    public IEnumerable<KubeObjectState> Objects(string kind, string? ns) =>
        State.KubeObjects.Values.Where(o => o.Kind == kind && (ns is null || o.Namespace == ns)).OrderBy(o => o.Namespace).ThenBy(o => o.Name);

    public static JsonObject Body(KubeObjectState stored) => JsonNode.Parse(stored.Json ?? "{}") as JsonObject ?? [];

    public void Dispose() => session?.Dispose();
}
