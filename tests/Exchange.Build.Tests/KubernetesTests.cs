using System.Text;
using Exchange.Build.Kubernetes;
using Exchange.Contracts;

namespace Exchange.Build.Tests;

public class KubernetesTests
{
    private static Dictionary<SecretDefinition, IReadOnlyDictionary<string, string>> Values() => new()
    {
        [KubernetesSecrets.Db] = KubernetesSecrets.Db.Keys.ToDictionary(k => k, k => k == KubernetesSecrets.MysqlPassword ? "pa:ss\"word" : "v-" + k),
        [KubernetesSecrets.Kafka] = new Dictionary<string, string> { [KubernetesSecrets.KafkaBootstrapServers] = "10.0.1.5:9092" },
        [KubernetesSecrets.Redis] = new Dictionary<string, string> { [KubernetesSecrets.RedisHost] = "r", [KubernetesSecrets.RedisPort] = "6379" },
    };

    [Fact]
    public void The_three_secrets_carry_every_shared_key_base64_encoded_in_the_namespace()
    {
        var stream = SecretManifests.Build("exchange-dev", Values());
        var documents = ManifestDocuments.Parse(stream);

        Assert.Equal(["db-credentials", "kafka-credentials", "redis-credentials"], documents.Select(d => d.Name));
        Assert.All(documents, d => Assert.Equal(("Secret", "exchange-dev"), (d.Kind, d.Namespace)));
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes("pa:ss\"word"));
        Assert.Contains($"\"MYSQL_PASSWORD\":\"{encoded}\"", documents[0].Text);
        Assert.DoesNotContain("pa:ss", stream);
    }

    [Fact]
    public void A_secret_missing_a_shared_key_is_refused()
    {
        var values = Values();
        values[KubernetesSecrets.Redis] = new Dictionary<string, string> { [KubernetesSecrets.RedisHost] = "r" };

        var error = Assert.Throws<InvalidOperationException>(() => SecretManifests.Build("ns", values));

        Assert.Contains("missing: REDIS_PORT", error.Message);
    }

    [Fact]
    public void The_value_table_resolves_outputs_secret_fields_and_constants_reading_each_secret_once()
    {
        var names = Environments.Dev.Names;
        var outputs = new Aws.DeploymentOutputs(names, new Dictionary<string, Dictionary<string, string>>
        {
            [names.Stack(StackKind.Rds)] = new() { [Outputs.RdsEndpoint.Key] = "db.example" }, // no RdsPort: an older stack
            [names.Stack(StackKind.Kafka)] = new() { [Outputs.KafkaPrivateIp.Key] = "10.0.1.5" },
            [names.Stack(StackKind.Redis)] = new() { [Outputs.RedisEndpoint.Key] = "r", [Outputs.RedisPort.Key] = "6380" },
        });
        var reads = new List<string>();
        var resolver = new ClusterValueResolver(Environments.Dev, outputs, id =>
        {
            reads.Add(id);
            return new Processes.Secret("""{"username":"admin","password":"pw"}""", new Logging.Redactor());
        });

        var db = resolver.Resolve(KubernetesSecrets.Db.Values);

        Assert.Equal("db.example", db[KubernetesSecrets.MysqlHost]);
        Assert.Equal("3306", db[KubernetesSecrets.MysqlPort]);
        Assert.Equal(("admin", "pw"), (db[KubernetesSecrets.MysqlUsername], db[KubernetesSecrets.MysqlPassword]));
        Assert.Equal(Environments.Dev.Of<RdsConfig>().DbName, db[KubernetesSecrets.MysqlDatabase]);
        Assert.Equal([names.DbSecretName], reads);
        Assert.Equal("10.0.1.5:9092", resolver.Resolve(KubernetesSecrets.Kafka.Values)[KubernetesSecrets.KafkaBootstrapServers]);
        Assert.Equal("6380", resolver.Resolve(KubernetesSecrets.Redis.Values)[KubernetesSecrets.RedisPort]);
        Assert.Equal("ap-northeast-2", resolver.Resolve(EnvironmentConfigMap.Definition.Values.Single(v => v.Key == EnvironmentConfigMap.AwsRegion).Source));
    }

    [Fact]
    public void A_missing_secret_field_or_output_is_an_error_naming_it()
    {
        var names = Environments.Dev.Names;
        var resolver = new ClusterValueResolver(Environments.Dev, new Aws.DeploymentOutputs(names, []),
            _ => new Processes.Secret("""{"username":"admin"}""", new Logging.Redactor()));

        Assert.Equal($"Secret '{names.DbSecretName}' has no password field.",
            Assert.Throws<InvalidOperationException>(() => resolver.Resolve(new ValueSource.SecretField(n => n.DbSecretName, "password"))).Message);
        Assert.Contains("RdsEndpoint", Assert.Throws<Aws.MissingOutputException>(() => resolver.Resolve(KubernetesSecrets.Db.Values)).Message);
    }

    [Fact]
    public void The_config_map_carries_exactly_its_keys_in_the_namespace()
    {
        var definition = EnvironmentConfigMap.Definition;
        var document = Assert.Single(ManifestDocuments.Parse(SecretManifests.ConfigMap("exchange-dev", definition,
            definition.Keys.ToDictionary(k => k, k => "v-" + k))));

        Assert.Equal(("ConfigMap", definition.Name, "exchange-dev"), (document.Kind, document.Name, document.Namespace));
        Assert.Contains($"\"{EnvironmentConfigMap.AwsRegion}\":\"v-{EnvironmentConfigMap.AwsRegion}\"", document.Text);
        Assert.Throws<InvalidOperationException>(() => SecretManifests.ConfigMap("ns", definition, new Dictionary<string, string> { ["OTHER"] = "x" }));
    }

    [Fact]
    public void Apply_output_is_read_per_object()
    {
        var result = ApplyResult.Parse("namespace/exchange-dev unchanged\nsecret/db-credentials configured\nstatefulset.apps/shard-1 created\n");

        Assert.Equal(3, result.Objects.Count);
        Assert.True(result.AnyChanged);
        Assert.Equal(["secret/db-credentials configured", "statefulset.apps/shard-1 created"], result.Changed);
        Assert.False(ApplyResult.Parse("namespace/x unchanged\nsecret/y unchanged\n").AnyChanged);
    }

    [Fact]
    public void Rendered_streams_split_into_objects_and_workloads()
    {
        const string yaml = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: exchange-dev\n---\napiVersion: apps/v1\nkind: StatefulSet\n" +
                            "metadata:\n  name: shard-1\n  namespace: exchange-dev\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: backend\n";

        var documents = ManifestDocuments.Parse(yaml);

        Assert.Equal(3, documents.Count);
        Assert.Equal(["statefulset/shard-1", "deployment/backend"], ManifestDocuments.Workloads(documents).Select(d => d.Resource));
        Assert.StartsWith("apiVersion: v1\nkind: Namespace", documents[0].Text);
    }

    [Theory]
    [InlineData("latest")]
    [InlineData("")]
    public void The_image_layer_refuses_mutable_or_missing_tags(string tag)
    {
        using var dir = new TempDir();
        dir.Write("overlay/kustomization.yaml", "resources: []\n");

        Assert.Throws<ArgumentException>(() => KustomizeImageLayer.Write(dir.Combine("layer"), dir.Combine("overlay"),
            [new ImageOverride("future-backend", "127.0.0.1:5000/exchange/future-backend", tag)]));
    }

    [Fact]
    public void The_image_layer_refuses_a_new_name_that_already_carries_a_tag()
    {
        using var dir = new TempDir();
        dir.Write("overlay/kustomization.yaml", "resources: []\n");

        Assert.Throws<ArgumentException>(() => KustomizeImageLayer.Write(dir.Combine("layer"), dir.Combine("overlay"),
            [new ImageOverride("future-backend", "127.0.0.1:5000/exchange/future-backend:v1", "v2")]));
    }

    [Fact]
    public void The_image_layer_points_at_the_overlay_by_relative_path()
    {
        using var dir = new TempDir();
        dir.Write("repo/k8s/overlays/aws-dev/kustomization.yaml", "resources: []\n");

        var layer = KustomizeImageLayer.Write(dir.Combine("tmp", "layer"), dir.Combine("repo", "k8s", "overlays", "aws-dev"),
            [new ImageOverride("future-backend", "127.0.0.1:5000/exchange/future-backend", "git-abc")]);

        var text = File.ReadAllText(Path.Combine(layer, "kustomization.yaml"));
        Assert.Contains("- \"../../repo/k8s/overlays/aws-dev\"", text);
        Assert.Contains("newTag: \"git-abc\"", text);
    }
}
