using System.Text.Json.Nodes;
using Exchange.Build.Kubernetes;
using Exchange.Contracts;
using Exchange.K8s.Tests.Support;

namespace Exchange.K8s.Tests;

/// <summary>
/// k8s/checker, the connectivity check Job Verify runs: rendered the way Verify renders it (the pipeline's image layer with the
/// environment's namespace and a run's name suffix), on the workloads' network path, under the workloads' rules.
/// </summary>
public class CheckerJobTests
{
    private static readonly EnvironmentConfig Dev = Environments.Dev;
    private const string Suffix = "-20261201-080000-a1b2";
    private static readonly string Image = $"127.0.0.1:5000/{Dev.Names.CheckerRepository}";

    private static readonly Lazy<Manifest> Rendered = new(() =>
    {
        var layer = Directory.CreateTempSubdirectory("k8s-checker-layer-");
        try
        {
            KustomizeImageLayer.Write(layer.FullName, Repository.Checker, [new ImageOverride(ConnectivityCheck.ImageName, Image, "git-0123456789ab")],
                new LayerOptions(Dev.Names.Namespace, Suffix));
            return Kustomize.RenderUncached(layer.FullName);
        }
        finally
        {
            layer.Delete(recursive: true);
        }
    });

    private static Manifest Job => Rendered.Value;
    private static Manifest Overlay => Renderings.Named("overlays/aws-dev").Render();
    private static Workload Checker => Assert.Single(Job.Workloads);
    /// <summary>The Job beside the workloads it checks, as it runs in the namespace (the ServiceAccount comes from the overlay).</summary>
    private static Manifest WithWorkloads => new("overlays/aws-dev + k8s/checker", Overlay.Yaml + "\n---\n" + Job.Yaml);

    [Fact]
    public void The_Job_renders_through_the_pipeline_layer_into_the_namespace_under_the_runs_name_with_the_pushed_image()
    {
        var (_, warnings) = Kustomize.RenderWithWarnings(Repository.Checker);

        Assert.Equal("", warnings);
        Assert.Equal(("Job", ConnectivityCheck.ImageName + Suffix), (Checker.Kind, Checker.Name));
        Assert.Equal(Dev.Names.Namespace, Checker.Object.Str("metadata", "namespace"));
        Assert.Equal($"{Image}:git-0123456789ab", Assert.Single(Checker.Containers).Str("image"));
        Assert.Equal(0, Checker.Object.Long("spec", "backoffLimit")); // a failed check is the answer, not something to retry
        Assert.Equal("Never", Checker.PodSpec.Str("restartPolicy"));
        Assert.NotNull(Checker.Object.Long("spec", "activeDeadlineSeconds"));
        Assert.NotNull(Checker.Object.Long("spec", "ttlSecondsAfterFinished"));
        Assert.Equal(ConnectivityCheck.ImageName, Checker.PodLabels["app.kubernetes.io/name"]); // what Verify finds leftovers by
    }

    [Fact]
    public void The_NetworkPolicies_select_the_checker_exactly_as_they_select_a_shard_and_no_Service_selects_it()
    {
        var overlay = Overlay;
        IEnumerable<string> Selecting(Workload w) => overlay.OfKind("NetworkPolicy")
            .Where(p => LabelSelector.Matches(p.Obj("spec", "podSelector"), w.PodLabels)).Select(p => p.Str("metadata", "name")!).Order();
        var shard = overlay.Workloads.First(w => w.PodLabels.GetValueOrDefault("app.kubernetes.io/name") == WorkloadImages.MatchingEngine);

        Assert.Equal(Selecting(shard), Selecting(Checker));
        Assert.Contains("exchange-workloads", Selecting(Checker)); // its egress: DNS, and the data stores' ports into the VPC
        Assert.DoesNotContain(overlay.OfKind("Service"), s => LabelSelector.MapMatches(s.Obj("spec", "selector"), Checker.PodLabels));
        Assert.DoesNotContain(overlay.OfKind("PodDisruptionBudget"),
            p => LabelSelector.Matches(p.Obj("spec", "selector"), Checker.PodLabels));
    }

    [Fact]
    public void The_checker_takes_every_secret_under_the_workloads_variable_names_and_its_expectations_from_the_pipelines_ConfigMap()
    {
        var container = Assert.Single(Checker.Containers);
        // envFrom: every key of a secret becomes a variable of the same name ...
        Assert.Equal(KubernetesSecrets.All.Select(s => s.Name).Order(),
            container.Arr("envFrom").Select(e => e.Str("secretRef", "name")).OfType<string>().Order());
        Assert.Equal([CheckerConfigMap.Definition.Name], container.Arr("envFrom").Select(e => e.Str("configMapRef", "name")).OfType<string>());
        // ... which are the names the workloads read those keys under.
        var workloadNames = Overlay.Workloads.SelectMany(w => w.Containers).SelectMany(c => c.Arr("env"))
            .Where(e => e.Obj("valueFrom", "secretKeyRef") is not null).Select(e => (e.Str("name"), e.Str("valueFrom", "secretKeyRef", "key"))).ToArray();
        Assert.NotEmpty(workloadNames);
        Assert.All(workloadNames, n => Assert.Equal(n.Item2, n.Item1));
    }

    [Fact]
    public void The_Job_follows_the_workloads_rules_for_resources_security_service_account_environment_and_image()
    {
        var manifest = WithWorkloads;

        Assert.Contains(manifest.Workloads, w => w.Kind == "Job");
        Assert.Empty(ContainerTests.ResourceProblems(manifest));
        Assert.Empty(ContainerTests.SecurityProblems(manifest));
        Assert.Empty(ContainerTests.ServiceAccountProblems(manifest));
        Assert.Empty(ContainerTests.DuplicateEnvironmentProblems(manifest));
        Assert.Empty(RenderingTests.ImageProblems(manifest));
    }

    [Fact]
    public void The_kubernetes_api_schemas_accept_the_Job()
    {
        var result = Validator.Validate(Job.Yaml);

        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Contains("1 objects valid", result.StandardOutput);
    }
}
