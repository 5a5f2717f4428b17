using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;

namespace Exchange.Infra.Tests;

/// <summary>The one helper that writes cdk-nag suppressions: the template form, and no silent overwrite.</summary>
[Collection(SynthesizedAppCollection.Name)]
public sealed class NagSuppressionsTests
{
    private static CfnResource Resource(out Stack stack)
    {
        stack = new Stack(new App(), "Probe");
        return new CfnResource(stack, "Thing", new CfnResourceProps { Type = "AWS::SNS::Topic" });
    }

    [Fact]
    public void Suppressions_land_in_the_resource_metadata_in_the_form_cdk_nag_reads_from_templates()
    {
        var resource = Resource(out var stack);

        NagSuppressions.Add(resource,
            new NagSuppression("AwsSolutions-SNS2", "A dev topic without server-side encryption, for this test."),
            new NagSuppression(NagSuppressions.ManagedPolicy, "Two managed policies this test names on purpose.",
                [NagSuppressions.AwsManagedPolicy("A"), NagSuppressions.AwsManagedPolicy("B")]));

        var json = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Template.FromStack(stack).ToJSON()))!;
        var rules = json["Resources"]!["Thing"]!["Metadata"]!["cdk_nag"]!["rules_to_suppress"]!.AsArray();
        Assert.Equal(2, rules.Count);
        Assert.Equal("AwsSolutions-SNS2", (string?)rules[0]!["id"]);
        Assert.Equal("A dev topic without server-side encryption, for this test.", (string?)rules[0]!["reason"]);
        Assert.Null(rules[0]!["applies_to"]);
        Assert.Equal(["Policy::arn:<AWS::Partition>:iam::aws:policy/A", "Policy::arn:<AWS::Partition>:iam::aws:policy/B"],
            rules[1]!["applies_to"]!.AsArray().Select(a => (string?)a));
    }

    [Fact]
    public void A_second_call_on_the_same_resource_is_refused_instead_of_replacing_the_first()
    {
        var resource = Resource(out _);
        NagSuppressions.Add(resource, new NagSuppression("AwsSolutions-SNS2", "The first call's reason, long enough."));

        var error = Assert.Throws<InvalidOperationException>(() =>
            NagSuppressions.Add(resource, new NagSuppression("AwsSolutions-SNS3", "The second call's reason, long enough.")));

        Assert.Contains("Probe/Thing already has cdk-nag suppressions", error.Message);
    }

    [Theory]
    [InlineData("AwsSolutions-SNS2", "dev")]
    [InlineData("SNS2", "A reason that is long enough to judge.")]
    public void A_suppression_without_a_rule_id_or_a_real_reason_is_refused(string rule, string reason)
    {
        var resource = Resource(out _);

        Assert.Throws<ArgumentException>(() => NagSuppressions.Add(resource, new NagSuppression(rule, reason)));
    }
}
