using Exchange.Contracts;
using Exchange.K8s.Tests.Support;

namespace Exchange.K8s.Tests;

/// <summary>What k8s/base and every overlay render to: namespaces, shards, secrets, images.</summary>
public class RenderingTests
{
    private static readonly string[] ClusterScopedKinds = ["Namespace", "PriorityClass", "ClusterRole", "ClusterRoleBinding", "StorageClass"];

    [Fact]
    public void Every_overlay_folder_is_listed_with_the_environment_it_deploys()
    {
        var folders = Directory.GetDirectories(Repository.Overlays).Select(Path.GetFileName).Order().ToArray();

        Assert.Equal(Renderings.OverlayEnvironments.Keys.Order().ToArray(), folders);
    }

    [Theory]
    [MemberData(nameof(Renderings.AllNames), MemberType = typeof(Renderings))]
    public void Every_kustomization_renders_without_warnings(string name)
    {
        var (manifest, warnings) = Kustomize.RenderWithWarnings(Renderings.Named(name).Directory);

        Assert.NotEmpty(manifest.Objects);
        Assert.Equal("", warnings);
    }

    [Theory]
    [MemberData(nameof(Renderings.AllNames), MemberType = typeof(Renderings))]
    public void Every_namespaced_object_lands_in_the_namespace_the_rendering_creates(string name)
    {
        var rendering = Renderings.Named(name);
        var manifest = rendering.Render();

        var namespaces = manifest.OfKind("Namespace").Select(n => n.Str("metadata", "name") ?? "").ToArray();
        var misplaced = manifest.Objects
            .Where(o => !ClusterScopedKinds.Contains(o.Str("kind")))
            .Where(o => o.Str("metadata", "namespace") != rendering.Namespace)
            .Select(o => $"{o.Str("kind")}/{o.Str("metadata", "name")} in '{o.Str("metadata", "namespace")}'");

        Assert.Equal([rendering.Namespace], namespaces);
        Assert.Empty(misplaced);
    }

    [Theory]
    [MemberData(nameof(Renderings.AllNames), MemberType = typeof(Renderings))]
    public void Each_shard_is_one_stateful_pod_with_its_own_id_and_topics(string name)
    {
        var rendering = Renderings.Named(name);
        var manifest = rendering.Render();

        var shards = manifest.Workloads
            .Where(w => w.PodLabels.GetValueOrDefault("app.kubernetes.io/name") == WorkloadImages.MatchingEngine)
            .ToArray();
        var identities = shards.Select(shard =>
        {
            var engine = Assert.Single(shard.PodSpec.Arr("containers"));
            return (Shard: shard, Id: ConfigValue(manifest, engine, "SHARD_ID"),
                Input: ConfigValue(manifest, engine, "SHARD_INPUT_TOPIC"), Output: ConfigValue(manifest, engine, "SHARD_OUTPUT_TOPIC"));
        }).ToArray();

        var expectedIds = Enumerable.Range(1, rendering.ShardCount).ToArray();
        Assert.All(shards, shard => Assert.Equal(("StatefulSet", 1L), (shard.Kind, shard.Replicas)));
        Assert.Equal(expectedIds.Select(n => n.ToString()), identities.Select(i => i.Id).Order());
        Assert.All(identities, i => Assert.Equal(
            (ShardTopics.Input(int.Parse(i.Id!)), ShardTopics.Output(int.Parse(i.Id!))), (i.Input, i.Output)));
        Assert.All(identities, i => Assert.EndsWith($"-{i.Id}", i.Shard.Name));
        Assert.Equal(string.Join(',', expectedIds), SettingsValue(manifest, "SHARD_IDS"));
    }

    [Theory]
    [MemberData(nameof(Renderings.AllNames), MemberType = typeof(Renderings))]
    public void Each_shard_has_a_headless_service_for_its_stable_network_identity(string name)
    {
        var manifest = Renderings.Named(name).Render();

        var problems = manifest.Workloads.Where(w => w.Kind == "StatefulSet").SelectMany(set =>
        {
            var service = manifest.Find("Service", set.Object.Str("spec", "serviceName") ?? "");
            if (service is null) return [$"{set}: no Service named by serviceName"];
            var found = new List<string>();
            if (service.Str("spec", "clusterIP") != "None") found.Add($"{set}: Service {service.Str("metadata", "name")} is not headless");
            if (!LabelSelector.MapMatches(service.Obj("spec", "selector"), set.PodLabels)) found.Add($"{set}: its Service does not select its pods");
            if (manifest.Workloads.Count(w => LabelSelector.MapMatches(service.Obj("spec", "selector"), w.PodLabels)) != 1)
                found.Add($"{set}: its Service selects pods of other workloads too");
            // A headless Service translates no ports: clients dial the port it publishes on the pod itself.
            var containerPorts = set.Containers.SelectMany(c => c.Arr("ports")).ToArray();
            foreach (var port in service.Arr("spec", "ports"))
            {
                var target = containerPorts.FirstOrDefault(p => p.Str("name") == port.Str("targetPort") || p.Str("containerPort") == port.Str("targetPort"));
                if (target?.Str("containerPort") != port.Str("port"))
                    found.Add($"{set}: its Service publishes port {port.Str("port")}, the pod listens on {target?.Str("containerPort") ?? "nothing"}");
            }
            return found;
        });

        Assert.Contains(manifest.Workloads, w => w.Kind == "StatefulSet");
        Assert.Empty(problems);
    }

    [Theory]
    [MemberData(nameof(Renderings.AllNames), MemberType = typeof(Renderings))]
    public void Every_secret_reference_names_a_secret_and_key_the_pipeline_creates(string name)
    {
        var manifest = Renderings.Named(name).Render();
        var shared = KubernetesSecrets.All.ToDictionary(s => s.Name, s => s.Keys);

        var references = SecretReferences(manifest).ToArray();
        var unknown = references
            .Where(r => !shared.TryGetValue(r.Secret, out var keys) || (r.Key is not null && !keys.Contains(r.Key)))
            .Select(r => $"{r.Where}: {r.Secret}/{r.Key ?? "*"}");

        Assert.NotEmpty(references);
        Assert.Empty(unknown);
    }

    [Theory]
    [MemberData(nameof(Renderings.AllNames), MemberType = typeof(Renderings))]
    public void The_backend_reads_every_shared_secret_key_and_the_shards_read_the_kafka_servers(string name)
    {
        var manifest = Renderings.Named(name).Render();
        string[] Keys(Workload w)
            => SecretReferences(manifest).Where(r => r.Key is not null && r.Where.StartsWith(w.Id + "/")).Select(r => r.Key!).Order().ToArray();

        var backend = Assert.Single(manifest.Workloads, w => w.PodLabels.GetValueOrDefault("app.kubernetes.io/name") == WorkloadImages.Backend);
        var shards = manifest.Workloads.Where(w => w.PodLabels.GetValueOrDefault("app.kubernetes.io/name") == WorkloadImages.MatchingEngine);

        Assert.Equal(KubernetesSecrets.All.SelectMany(s => s.Keys).Order(), Keys(backend));
        Assert.All(shards, shard => Assert.Equal([KubernetesSecrets.KafkaBootstrapServers], Keys(shard)));
    }

    [Theory]
    [MemberData(nameof(Renderings.AllNames), MemberType = typeof(Renderings))]
    public void Every_image_carries_an_explicit_tag_and_is_pulled_always(string name)
    {
        var manifest = Renderings.Named(name).Render();

        var problems = ImageProblems(manifest);

        Assert.NotEmpty(manifest.Containers);
        Assert.Empty(problems);
    }

    /// <summary>Every image has an explicit tag (never latest) and is pulled always.</summary>
    internal static IEnumerable<string> ImageProblems(Manifest manifest) =>
        manifest.Containers.SelectMany(x =>
        {
            var image = ImageReference.Parse(x.Container.Str("image") ?? "");
            var where = $"{x.Workload}/{x.Container.Str("name")} ({image})";
            var found = new List<string>();
            if (image.Tag is null && image.Digest is null) found.Add($"{where}: no tag");
            if (image.Tag == "latest") found.Add($"{where}: latest");
            if (x.Container.Str("imagePullPolicy") != "Always") found.Add($"{where}: imagePullPolicy is not Always");
            return found;
        });

    [Theory]
    [MemberData(nameof(Renderings.AllNames), MemberType = typeof(Renderings))]
    public void Every_config_map_reference_names_a_rendered_map_or_a_key_of_the_pipeline_map(string name)
    {
        var manifest = Renderings.Named(name).Render();
        var pipeline = EnvironmentConfigMap.Definition;
        var references = manifest.Workloads.SelectMany(w => w.Containers.SelectMany(c => c.Arr("env").Select(e =>
            (Where: $"{w.Id}/{c.Str("name")} env {e.Str("name")}", Reference: e.Obj("valueFrom", "configMapKeyRef")))))
            .Where(r => r.Reference is not null)
            .Select(r => (r.Where, Map: r.Reference!.Str("name") ?? "", Key: r.Reference!.Str("key") ?? ""))
            .ToArray();
        var unknown = references.Where(r => r.Map == pipeline.Name
                ? !pipeline.Keys.Contains(r.Key)
                : manifest.Find("ConfigMap", r.Map)?.Str("data", r.Key) is null)
            .Select(r => $"{r.Where}: {r.Map}/{r.Key}");

        Assert.Null(manifest.Find("ConfigMap", pipeline.Name)); // the pipeline creates it, not kustomize
        Assert.Empty(unknown);
        var backend = Assert.Single(manifest.Workloads, w => w.PodLabels.GetValueOrDefault("app.kubernetes.io/name") == WorkloadImages.Backend);
        Assert.Equal(pipeline.Keys.Order(), references.Where(r => r.Map == pipeline.Name && r.Where.StartsWith(backend.Id + "/")).Select(r => r.Key).Order());
    }

    /// <summary>Every secret a container reads: secretKeyRef (with key), envFrom secretRef and secret volumes (all keys).</summary>
    internal static IEnumerable<(string Where, string Secret, string? Key)> SecretReferences(Manifest manifest)
    {
        foreach (var workload in manifest.Workloads)
        {
            foreach (var container in workload.Containers)
            {
                var where = $"{workload.Id}/{container.Str("name")}";
                foreach (var env in container.Arr("env"))
                {
                    if (env.Obj("valueFrom", "secretKeyRef") is { } reference)
                        yield return ($"{where} env {env.Str("name")}", reference.Str("name") ?? "", reference.Str("key") ?? "");
                }
                foreach (var source in container.Arr("envFrom"))
                {
                    if (source.Str("secretRef", "name") is { } secret) yield return ($"{where} envFrom", secret, null);
                }
            }
            foreach (var volume in workload.PodSpec.Arr("volumes"))
            {
                if (volume.Str("secret", "secretName") is { } secret) yield return ($"{workload.Id}/volume {volume.Str("name")}", secret, null);
            }
        }
    }

    /// <summary>The value a container's env var gets from a ConfigMap key, or null when it is not from a ConfigMap.</summary>
    internal static string? ConfigValue(Manifest manifest, System.Text.Json.Nodes.JsonObject container, string variable)
    {
        var reference = container.Arr("env").FirstOrDefault(e => e.Str("name") == variable)?.Obj("valueFrom", "configMapKeyRef");
        if (reference is null) return null;
        return manifest.Find("ConfigMap", reference.Str("name") ?? "")?.Str("data", reference.Str("key") ?? "");
    }

    private static string? SettingsValue(Manifest manifest, string key) =>
        manifest.OfKind("ConfigMap")
            .Single(c => c.Str("metadata", "name")?.StartsWith("exchange-settings-", StringComparison.Ordinal) == true)
            .Str("data", key);
}
