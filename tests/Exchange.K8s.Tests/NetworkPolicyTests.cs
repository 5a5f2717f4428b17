using System.Text.Json.Nodes;
using Exchange.Contracts;
using Exchange.K8s.Tests.Support;

namespace Exchange.K8s.Tests;

/// <summary>
/// What the NetworkPolicies must still let through now that the VPC CNI enforces them (vpc-cni
/// enableNetworkPolicy): DNS, the kubelet's probes, and each app's way to the data stores it has
/// credentials for.
/// </summary>
public class NetworkPolicyTests
{
    private static readonly EnvironmentConfig Dev = Environments.Dev;

    private static IEnumerable<JsonObject> EgressRulesFor(Manifest manifest, Workload w) =>
        manifest.OfKind("NetworkPolicy")
            .Where(p => LabelSelector.Matches(p.Obj("spec", "podSelector"), w.PodLabels) && p.Strings("spec", "policyTypes").Contains("Egress"))
            .SelectMany(p => p.Arr("spec", "egress"));

    private static bool Allows(JsonObject rule, int port, string protocol) =>
        !rule.Arr("ports").Any() || rule.Arr("ports").Any(p => p.Long("port") == port && (p.Str("protocol") ?? "TCP") == protocol);

    [Theory]
    [MemberData(nameof(Renderings.AllNames), MemberType = typeof(Renderings))]
    public void Every_pod_may_ask_kube_dns_over_udp_and_tcp(string name)
    {
        var manifest = Renderings.Named(name).Render();
        static bool ToKubeDns(JsonObject rule) => rule.Arr("to").Any(to =>
            to.Str("namespaceSelector", "matchLabels", "kubernetes.io/metadata.name") == "kube-system"
            && to.Str("podSelector", "matchLabels", "k8s-app") == "kube-dns");

        var problems = manifest.Workloads.SelectMany(w => new[] { "UDP", "TCP" }
            .Where(protocol => !EgressRulesFor(manifest, w).Any(rule => ToKubeDns(rule) && Allows(rule, 53, protocol)))
            .Select(protocol => $"{w}: no egress to kube-dns on 53/{protocol}"));

        Assert.NotEmpty(manifest.Workloads);
        Assert.Empty(problems);
    }

    [Theory]
    [MemberData(nameof(Renderings.AllNames), MemberType = typeof(Renderings))]
    public void Kubelet_probes_go_from_the_node_to_a_port_of_their_own_container(string name)
    {
        // A NetworkPolicy cannot block a pod's own node (Kubernetes API docs), and the VPC CNI's policy agent
        // always admits the node IP: probes pass as long as they are the kubelet calling its pod's own port.
        // A probe with `host` would go elsewhere, where policies (and the default deny) do apply.
        var manifest = Renderings.Named(name).Render();

        var problems = manifest.Containers.SelectMany(x => new[] { "startupProbe", "livenessProbe", "readinessProbe" }
            .Select(kind => (Kind: kind, Probe: x.Container.Obj(kind)))
            .Where(p => p.Probe is not null)
            .SelectMany(p =>
            {
                var where = $"{x.Workload}/{x.Container.Str("name")} {p.Kind}";
                if (p.Probe!.Obj("exec") is not null) return [];
                var action = p.Probe.Obj("httpGet") ?? p.Probe.Obj("tcpSocket") ?? p.Probe.Obj("grpc");
                if (action is null) return [$"{where}: no httpGet, tcpSocket, grpc or exec"];
                var found = new List<string>();
                if (action.Str("host") is { } host) found.Add($"{where}: goes to host {host}, not its pod");
                var port = action.Str("port");
                if (!x.Container.Arr("ports").Any(cp => cp.Str("name") == port || cp.Str("containerPort") == port))
                    found.Add($"{where}: port {port} is not a port of the container");
                return found;
            }));

        Assert.Contains(manifest.Containers, x => x.Container.Obj("readinessProbe") is not null);
        Assert.Empty(problems);
    }

    [Fact]
    public void Every_dev_pod_may_reach_the_data_stores_it_has_credentials_for_inside_the_vpc()
    {
        var manifest = Renderings.Named("overlays/aws-dev").Render();
        var needs = RenderingTests.SecretReferences(manifest)
            .Where(r => DataStorePorts.BySecret.ContainsKey(r.Secret))
            .Select(r => (Workload: r.Where.Split('/')[..2] is var id ? string.Join('/', id) : r.Where, Port: DataStorePorts.BySecret[r.Secret]))
            .Distinct().ToArray();

        var problems = needs.Where(n =>
        {
            var workload = manifest.Workloads.Single(w => w.Id == n.Workload);
            return !EgressRulesFor(manifest, workload).Any(rule => Allows(rule, n.Port, "TCP")
                && rule.Arr("to").Any(to => to.Str("ipBlock", "cidr") == Dev.Of<VpcConfig>().Cidr));
        }).Select(n => $"{n.Workload}: no egress on {n.Port}/TCP into {Dev.Of<VpcConfig>().Cidr}");

        Assert.Contains(needs, n => n.Port == DataStorePorts.Mysql);
        Assert.Contains(needs, n => n.Port == DataStorePorts.Kafka);
        Assert.Empty(problems);
    }
}
