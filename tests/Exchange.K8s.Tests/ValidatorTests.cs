using Exchange.K8s.Tests.Support;

namespace Exchange.K8s.Tests;

/// <summary>The rendered manifests against the Kubernetes API schemas (npm kubernetes-models, tests/k8s-validate).</summary>
public class ValidatorTests
{
    [Theory]
    [MemberData(nameof(Renderings.AllNames), MemberType = typeof(Renderings))]
    public void The_kubernetes_api_schemas_accept_every_rendered_object(string name)
    {
        var manifest = Renderings.Named(name).Render();

        var result = Validator.Validate(manifest.Yaml);

        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Contains($"{manifest.Objects.Count} objects valid", result.StandardOutput);
    }

    [Fact]
    public void The_validator_rejects_objects_that_break_the_api_schema_and_names_them()
    {
        const string broken = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: fine
            data:
              KEY: value
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: replicas-as-text
            spec:
              replicas: two
              selector:
                matchLabels: {app: x}
              template:
                metadata:
                  labels: {app: x}
                spec:
                  containers:
                  - name: x
                    image: x:1
                    resources:
                      limits: {cpu: plenty}
            ---
            apiVersion: apps/v1
            kind: StatefulSett
            metadata:
              name: misspelt-kind
            """;

        var result = Validator.Validate(broken);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("(Deployment/replicas-as-text): data/spec/replicas must be integer", result.StandardOutput);
        Assert.Contains("(Deployment/replicas-as-text): data/spec/template/spec/containers/0/resources/limits/cpu", result.StandardOutput);
        Assert.Contains("(StatefulSett/misspelt-kind): no schema for apps/v1 StatefulSett", result.StandardOutput);
        Assert.Contains("2 of 3 objects invalid", result.StandardOutput);
    }

    [Fact]
    public void The_validator_fails_when_it_is_given_no_objects()
    {
        var result = Validator.Validate("# nothing rendered\n");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no Kubernetes objects found", result.StandardOutput);
    }
}
