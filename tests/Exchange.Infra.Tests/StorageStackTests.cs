using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using Exchange.Contracts;
using Exchange.Infra.Stacks;
using Props = System.Collections.Generic.Dictionary<string, object>;

namespace Exchange.Infra.Tests;

[Collection(SynthesizedAppCollection.Name)]
public sealed class StorageStackTests(SynthesizedApp app)
{
    private Template Template => app[StackKind.Storage];

    private IReadOnlyDictionary<string, JsonObject> Buckets => app.Resources(StackKind.Storage, "AWS::S3::Bucket");

    private JsonObject PolicyOf(string bucket) => app.Resources(StackKind.Storage, "AWS::S3::BucketPolicy").Values
        .Single(p => (string?)TemplateJson.Properties(p)["Bucket"]?["Ref"] == bucket);

    [Fact]
    public void Both_buckets_are_named_by_purpose_account_and_region_and_deleted_with_the_stack()
    {
        Assert.Equal([StorageStack.ArtifactsLogicalId, StorageStack.LogsLogicalId], Buckets.Keys.Order());
        foreach (var (id, purpose) in new[] { (StorageStack.ArtifactsLogicalId, "artifacts"), (StorageStack.LogsLogicalId, "logs") })
        {
            var name = TemplateJson.Properties(Buckets[id])["BucketName"]!["Fn::Join"]![1]!.AsArray();
            Assert.Equal($"exchange-dev-{purpose}-", (string?)name[0]);
            Assert.Equal("AWS::AccountId", (string?)name[1]!["Ref"]);
            Assert.Equal("-ap-northeast-2", (string?)name[2]);
            Assert.Equal("Delete", (string?)Buckets[id]["DeletionPolicy"]);
        }
    }

    [Fact]
    public void Both_buckets_are_encrypted_private_and_tls_only_without_an_auto_delete_lambda()
    {
        Template.AllResources("AWS::S3::Bucket", new Props
        {
            ["Properties"] = Match.ObjectLike(new Props
            {
                ["BucketEncryption"] = new Props
                {
                    ["ServerSideEncryptionConfiguration"] = new object[]
                    {
                        new Props { ["ServerSideEncryptionByDefault"] = new Props { ["SSEAlgorithm"] = "AES256" } },
                    },
                },
                ["PublicAccessBlockConfiguration"] = new Props
                {
                    ["BlockPublicAcls"] = true, ["BlockPublicPolicy"] = true, ["IgnorePublicAcls"] = true, ["RestrictPublicBuckets"] = true,
                },
            }),
        });
        foreach (var bucket in Buckets.Keys)
        {
            var statements = TemplateJson.Properties(PolicyOf(bucket))["PolicyDocument"]!["Statement"]!.AsArray();
            Assert.Contains(statements, s => (string?)s!["Effect"] == "Deny" && (string?)s["Condition"]?["Bool"]?["aws:SecureTransport"] == "false");
        }
        Assert.Empty(app.Resources(StackKind.Storage, "AWS::Lambda::Function"));
        Assert.DoesNotContain(app.Json[StackKind.Storage]["Resources"]!.AsObject(), r
            => ((string?)r.Value!["Type"])!.StartsWith("Custom::", StringComparison.Ordinal));
    }

    [Fact]
    public void The_logs_bucket_receives_all_vpc_flow_logs_and_the_artifacts_access_logs_and_expires_them()
    {
        Template.HasResourceProperties("AWS::EC2::FlowLog", new Props
        {
            ["ResourceType"] = "VPC",
            ["TrafficType"] = "ALL",
            ["LogDestinationType"] = "s3",
            ["LogDestination"] = new Props
            {
                ["Fn::Join"] = new object[] { "",
                    new object[] { new Props { ["Fn::GetAtt"] = new[] { StorageStack.LogsLogicalId, "Arn" } }, "/" + StorageStack.FlowLogPrefix } },
            },
        });
        var expiry = TemplateJson.Properties(Buckets[StorageStack.LogsLogicalId])["LifecycleConfiguration"]!["Rules"]!.AsArray();
        Assert.Contains(expiry, r => (int?)r!["ExpirationInDays"] == app.Config.Of<StorageConfig>().LogExpirationDays && (string?)r["Status"] == "Enabled");
        var logging = TemplateJson.Properties(Buckets[StorageStack.ArtifactsLogicalId])["LoggingConfiguration"]!;
        Assert.Equal(StorageStack.LogsLogicalId, (string?)logging["DestinationBucketName"]!["Ref"]);
        var writers = TemplateJson.Properties(PolicyOf(StorageStack.LogsLogicalId))["PolicyDocument"]!["Statement"]!.AsArray()
            .Where(s => (string?)s!["Effect"] == "Allow")
            .Select(s => (string?)s!["Principal"]!["Service"] ?? "account " + s["Principal"]!["AWS"]!.ToJsonString())
            .ToHashSet();
        // Elastic Load Balancing writes the backend load balancer's access logs as its Seoul account (tested in BackendLoadBalancerTests).
        Assert.Equal(3, writers.Count);
        Assert.Contains(writers, w => w!.Contains(":iam::600734575887:root", StringComparison.Ordinal));
        Assert.Contains("delivery.logs.amazonaws.com", writers);
        Assert.Contains("logging.s3.amazonaws.com", writers);
    }

    [Fact]
    public void Destroy_empties_both_buckets_first_and_the_backend_gets_the_artifacts_bucket_name()
    {
        var emptied = StackRegistry.Storage.Teardown.Before.OfType<TeardownStep.EmptyBucket>().Select(s => s.Bucket);
        Assert.Equal([Outputs.ArtifactsBucketName, Outputs.LogsBucketName], emptied);
        Assert.Contains(EnvironmentConfigMap.Definition.Values,
            v => v is { Key: EnvironmentConfigMap.ArtifactsBucket, Source: ValueSource.Output { Of: var o } } && o == Outputs.ArtifactsBucketName);
        Assert.Equal([StackKind.Vpc], StackRegistry.Storage.DependsOn);
    }
}
