using Exchange.Build.Kubernetes;
using Exchange.Contracts;
using Exchange.K8s.Tests.Support;

namespace Exchange.K8s.Tests;

/// <summary>k8s/overlays/aws-dev: what only the EKS dev environment needs.</summary>
public class AwsDevOverlayTests
{
    private static readonly EnvironmentConfig Dev = Environments.Dev;
    private static Rendering Overlay => Renderings.Named("overlays/aws-dev");

    // One t3.medium node as EKS (AL2023, max 17 pods) offers it: 2 vCPU less 70m kube-reserved;
    // ~3.8Gi less 442Mi kube-reserved and 100Mi eviction threshold, ~3.3Gi.
    private const double NodeCpuMillis = 1930;
    private const double NodeMemoryMi = 3379;
    // System pods per node (DaemonSets): kube-proxy 100m, aws-node 2 x 25m, eks-pod-identity-agent 25m
    // (it requests nothing; budgeted anyway). Memory is budgeted at their working sets, ~256Mi in all.
    private const double DaemonSetCpuMillis = 175;
    private const double DaemonSetMemoryMi = 256;
    // CoreDNS, two replicas somewhere in the cluster: 100m requested each, memory at its 170Mi limit.
    private const double CoreDnsCpuMillis = 2 * 100;
    private const double CoreDnsMemoryMi = 2 * 170;

    [Fact]
    public void The_pipeline_image_layer_moves_every_image_to_its_registry_with_the_pushed_tag()
    {
        const string registry = "127.0.0.1:5000";
        const string tag = "1.4.2-3f9c2ab";
        var names = Dev.Names;
        var layer = Directory.CreateTempSubdirectory("k8s-image-layer-");
        try
        {
            KustomizeImageLayer.Write(layer.FullName, Overlay.Directory,
            [
                new ImageOverride(WorkloadImages.MatchingEngine, $"{registry}/{names.MatchingEngineRepository}", tag),
                new ImageOverride(WorkloadImages.Backend, $"{registry}/{names.BackendRepository}", tag),
            ]);

            var manifest = Kustomize.RenderUncached(layer.FullName);

            var images = manifest.Containers.Select(x => ImageReference.Parse(x.Container.Str("image") ?? "")).ToArray();
            Assert.Equal(Dev.ShardCount + 1, manifest.Workloads.Count);
            Assert.All(images, image => Assert.Equal(tag, image.Tag));
            Assert.Equal(
                new[] { $"{registry}/{names.BackendRepository}", $"{registry}/{names.MatchingEngineRepository}" },
                images.Select(i => i.Repository).Distinct().Order());
        }
        finally
        {
            layer.Delete(recursive: true);
        }
    }

    [Fact]
    public void Every_dev_pod_runs_on_the_spot_node_group()
    {
        var manifest = Overlay.Render();

        Assert.NotEmpty(manifest.Workloads);
        Assert.All(manifest.Workloads, w => Assert.Equal(NodeGroupLabels.Spot, w.PodSpec.Str("nodeSelector", NodeGroupLabels.NodeType)));
    }

    [Fact]
    public void Traffic_to_the_data_services_may_only_go_to_the_vpc()
    {
        int[] dataPorts = [3306, 6379, 9092];
        var manifest = Overlay.Render();

        var rules = manifest.OfKind("NetworkPolicy").SelectMany(p => p.Arr("spec", "egress"))
            .Where(rule => rule.Arr("ports").Any(port => port.Long("port") is { } n && dataPorts.Contains((int)n)))
            .ToArray();

        Assert.NotEmpty(rules);
        Assert.All(rules, rule => Assert.Equal([Dev.Of<VpcConfig>().Cidr], rule.Arr("to").Select(to => to.Str("ipBlock", "cidr"))));
    }

    [Fact]
    public void The_backend_service_is_a_node_port_on_the_load_balancers_target_port_keeping_the_callers_address()
    {
        var service = Overlay.Render().OfKind("Service").Single(s => s.Str("metadata", "name") == BackendAccess.ServiceName);
        var port = Assert.Single(service.Arr("spec", "ports"));

        Assert.Equal("NodePort", service.Str("spec", "type"));
        // Local: no SNAT (the NetworkPolicy sees the load balancer's address) and no hop to another node.
        Assert.Equal("Local", service.Str("spec", "externalTrafficPolicy"));
        Assert.Equal(BackendAccess.NodePort, port.Long("nodePort"));
        Assert.Equal(BackendAccess.ServicePort, port.Long("port"));
    }

    [Fact]
    public void The_load_balancers_health_check_path_is_the_backends_readiness_path_on_the_port_the_service_targets()
    {
        var manifest = Overlay.Render();
        var backend = manifest.Workloads.Single(w => w.Name == BackendAccess.ServiceName);
        var readiness = backend.Containers.Single().Obj("readinessProbe", "httpGet");
        var service = manifest.OfKind("Service").Single(s => s.Str("metadata", "name") == BackendAccess.ServiceName);

        Assert.Equal(BackendAccess.HealthCheckPath, readiness.Str("path"));
        Assert.Equal(service.Arr("spec", "ports").Single().Str("targetPort"), readiness.Str("port"));
    }

    [Fact]
    public void From_outside_the_namespace_only_addresses_inside_the_vpc_reach_the_backend()
    {
        var manifest = Overlay.Render();
        var backend = manifest.Workloads.Single(w => w.Name == BackendAccess.ServiceName);
        var rules = manifest.OfKind("NetworkPolicy")
            .Where(p => LabelSelector.Matches(p.Obj("spec", "podSelector"), backend.PodLabels))
            .SelectMany(p => p.Arr("spec", "ingress")).ToArray();
        var vpc = System.Net.IPNetwork.Parse(Dev.Of<VpcConfig>().Cidr);

        // Every rule names its sources: pods of the namespace, or address blocks inside the VPC (the load balancer's subnets).
        Assert.NotEmpty(rules);
        Assert.All(rules, rule => Assert.NotEmpty(rule.Arr("from")));
        var blocks = rules.SelectMany(r => r.Arr("from")).Select(f => f.Str("ipBlock", "cidr")).OfType<string>().ToArray();
        Assert.NotEmpty(blocks);
        Assert.All(blocks, cidr => Assert.True(vpc.Contains(System.Net.IPNetwork.Parse(cidr).BaseAddress), $"{cidr} is outside the VPC"));
    }

    [Fact]
    public void The_dev_workloads_fit_two_t3_medium_nodes_beside_the_system_pods_during_a_rolling_update()
    {
        var (cpu, memory) = Requests(Overlay.Render(), includeSurge: true);

        var demandCpu = cpu + 2 * DaemonSetCpuMillis + CoreDnsCpuMillis;
        var demandMemory = memory + 2 * DaemonSetMemoryMi + CoreDnsMemoryMi;

        Assert.True(demandCpu <= 2 * NodeCpuMillis, $"{demandCpu}m CPU requested, two nodes offer {2 * NodeCpuMillis}m");
        Assert.True(demandMemory <= 2 * NodeMemoryMi, $"{demandMemory}Mi requested, two nodes offer {2 * NodeMemoryMi}Mi");
    }

    [Fact]
    public void The_dev_workloads_still_fit_one_node_while_spot_replaces_the_other()
    {
        var (cpu, memory) = Requests(Overlay.Render(), includeSurge: false);

        var demandCpu = cpu + DaemonSetCpuMillis + CoreDnsCpuMillis;
        var demandMemory = memory + DaemonSetMemoryMi + CoreDnsMemoryMi;

        Assert.True(demandCpu <= NodeCpuMillis, $"{demandCpu}m CPU requested, one node offers {NodeCpuMillis}m");
        Assert.True(demandMemory <= NodeMemoryMi, $"{demandMemory}Mi requested, one node offers {NodeMemoryMi}Mi");
    }

    /// <summary>CPU (millicores) and memory (MiB) the workloads request, optionally with each Deployment's surge pods.</summary>
    private static (double Cpu, double Memory) Requests(Manifest manifest, bool includeSurge)
    {
        double cpu = 0, memory = 0;
        foreach (var workload in manifest.Workloads)
        {
            var pods = workload.Replicas + (includeSurge ? Surge(workload) : 0);
            foreach (var container in workload.PodSpec.Arr("containers"))
            {
                cpu += pods * Quantity.Millicores(container.Str("resources", "requests", "cpu") ?? "0");
                memory += pods * Quantity.Mebibytes(container.Str("resources", "requests", "memory") ?? "0");
            }
        }
        return (cpu, memory);
    }

    private static long Surge(Workload workload)
    {
        if (workload.Kind != "Deployment") return 0; // StatefulSets replace pods one by one, without surge.
        var surge = workload.Object.At("spec", "strategy", "rollingUpdate", "maxSurge");
        return surge?.ToString() is { } text && text.EndsWith('%')
            ? (long)Math.Ceiling(workload.Replicas * double.Parse(text[..^1]) / 100)
            : workload.Object.Long("spec", "strategy", "rollingUpdate", "maxSurge") ?? (long)Math.Ceiling(workload.Replicas * 0.25);
    }
}
