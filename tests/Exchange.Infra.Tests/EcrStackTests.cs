using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using Exchange.Contracts;
using Props = System.Collections.Generic.Dictionary<string, object>;

namespace Exchange.Infra.Tests;

[Collection(SynthesizedAppCollection.Name)]
public sealed class EcrStackTests(SynthesizedApp app)
{
    private Template Template => app[StackKind.Ecr];

    [Fact]
    public void Every_image_has_a_repository_with_its_pinned_logical_id_and_contract_name()
    {
        var repositories = app.Resources(StackKind.Ecr, "AWS::ECR::Repository")
            .ToDictionary(r => r.Key, r => (string?)TemplateJson.Properties(r.Value)["RepositoryName"]);

        Assert.Equal(
            new Dictionary<string, string?>
            {
                ["MatchingEngineRepository"] = "exchange/matching-engine-shard",
                ["BackendRepository"] = "exchange/future-backend",
                ["CheckerRepository"] = "exchange/exchange-checker",
            },
            repositories);
        Assert.Equal(ContainerImages.All.Count, repositories.Count);
    }

    [Fact]
    public void Repositories_scan_on_push_and_are_emptied_and_deleted_with_the_stack()
    {
        Template.ResourceCountIs("AWS::ECR::Repository", ContainerImages.All.Count);
        Template.AllResources("AWS::ECR::Repository", new Props
        {
            ["Properties"] = Match.ObjectLike(new Props
            {
                ["ImageScanningConfiguration"] = new Props { ["ScanOnPush"] = true },
                ["EmptyOnDelete"] = true,
            }),
            ["DeletionPolicy"] = "Delete",
            ["UpdateReplacePolicy"] = "Delete",
        });
    }

    [Fact]
    public void Tags_are_immutable_so_a_tag_always_names_the_same_build()
    {
        Template.AllResourcesProperties("AWS::ECR::Repository", Match.ObjectLike(new Props { ["ImageTagMutability"] = "IMMUTABLE" }));
    }

    [Fact]
    public void Repositories_keep_only_the_last_ten_images()
    {
        foreach (var repository in app.Resources(StackKind.Ecr, "AWS::ECR::Repository").Values)
        {
            var text = (string)TemplateJson.Properties(repository)["LifecyclePolicy"]!["LifecyclePolicyText"]!;
            var rule = Assert.Single(JsonNode.Parse(text)!["rules"]!.AsArray())!;

            Assert.Equal("imageCountMoreThan", (string?)rule["selection"]!["countType"]);
            Assert.Equal(10, (int?)rule["selection"]!["countNumber"]);
            Assert.Equal("any", (string?)rule["selection"]!["tagStatus"]);
            Assert.Equal("expire", (string?)rule["action"]!["type"]);
        }
    }
}
