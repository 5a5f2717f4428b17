using System.Text.Json.Nodes;
using Exchange.Contracts;
using Exchange.Infra.Constructs;
using Exchange.Infra.Stacks;

namespace Exchange.Infra.Tests;

/// <summary>
/// cdk-nag's AwsSolutions pack over the synthesized templates (tests/cdk-nag-check): no unsuppressed
/// error, every exception with its reason on the resource, and the check notices a removed
/// suppression or a removed fix.
/// </summary>
[Collection(SynthesizedAppCollection.Name)]
public sealed class CdkNagTests(SynthesizedApp app, EndpointVariants variants) : IClassFixture<EndpointVariants>, IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("exchange-infra-nag-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Every_synthesized_template_passes_the_AwsSolutions_pack_with_every_exception_explained()
    {
        var report = NagCheck.Run(app.TemplateFiles.Values);

        Assert.True(report.Failures.Count == 0, report.Describe());
        Assert.Equal(app.App.Stacks.Count, report.Templates);
        Assert.True(report.ResourcesChecked > 50, $"only {report.ResourcesChecked} resources were checked: are the templates loaded?");
        // Every suppression written into the templates is used: none is stale.
        Assert.Equal(Suppressions(app.Json.Select(j => (app.Config.Names.Stack(j.Key), j.Value))).Count(),
            report.Suppressed.Select(f => (f.Stack, f.LogicalId, f.Rule)).Distinct().Count());
        Assert.All(report.Suppressed, f => Assert.False(string.IsNullOrWhiteSpace(f.Reason)));
    }

    [Fact]
    public void Eks1_fires_when_the_endpoint_is_open_to_anywhere()
    {
        var report = NagCheck.Run([variants.OpenEksTemplate]);

        var failure = Assert.Single(report.Failures);
        Assert.Equal((NagSuppressions.EksPublicEndpoint, "Exchange-dev-Eks", EksStack.ClusterLogicalId), (failure.Rule, failure.Stack, failure.LogicalId));
    }

    [Fact]
    public void A_public_endpoint_limited_to_the_configured_cidrs_passes_with_its_reason_and_keeps_private_access()
    {
        var template = EndpointVariants.Read(variants.RestrictedEksTemplate);
        var vpcConfig = TemplateJson.Properties(template["Resources"]![EksStack.ClusterLogicalId]!.AsObject())["ResourcesVpcConfig"]!;

        var report = NagCheck.Run([variants.RestrictedEksTemplate]);

        Assert.Equal(EndpointVariants.TeamCidrs, vpcConfig["PublicAccessCidrs"]!.AsArray().Select(c => (string?)c));
        Assert.True((bool?)vpcConfig["EndpointPublicAccess"]);
        Assert.True((bool?)vpcConfig["EndpointPrivateAccess"]);
        Assert.True(report.Failures.Count == 0, report.Describe());
        var eks1 = Assert.Single(report.Suppressed, f => f.Rule == NagSuppressions.EksPublicEndpoint);
        Assert.Equal(EksStack.ClusterLogicalId, eks1.LogicalId);
        Assert.Equal(EksStack.PublicEndpointLimitedReason, eks1.Reason);
    }

    [Fact]
    public void Removing_any_one_suppression_makes_the_check_fail_on_exactly_that_rule_and_resource()
    {
        var stripped = Suppressions(AllVariants(app, variants))
            .Select((s, i) =>
            {
                var copy = s.Template.DeepClone().AsObject();
                var rules = copy["Resources"]![s.LogicalId]!["Metadata"]![NagSuppressions.MetadataKey]!["rules_to_suppress"]!.AsArray();
                rules.RemoveAt(s.Index);
                var stack = $"Strip{i}-{s.LogicalId}";
                return (s.Rule, s.LogicalId, Stack: stack, File: NagCheck.Write(dir, stack, copy));
            })
            .ToArray();

        var report = NagCheck.Run(stripped.Select(s => s.File));

        // The dev templates' 18, EKS1 of a restricted public endpoint, and SQS3 of the three sleep dead-letter queues (and the restricted EKS's).
        Assert.Equal(18 + 1 + 3 + 1, stripped.Length);
        Assert.All(stripped, s =>
        {
            var failures = report.Failures.Where(f => f.Stack == s.Stack).ToArray();
            Assert.True(failures.Length > 0, $"{s.Rule} on {s.LogicalId} was removed, yet the check still passes");
            Assert.All(failures, f => Assert.Equal((s.Rule, s.LogicalId), (f.Rule, f.LogicalId)));
        });
    }

    [Theory]
    [InlineData("scheduler logs off", "AwsSolutions-EKS2")]
    [InlineData("public endpoint without CIDRs", "AwsSolutions-EKS1")]
    [InlineData("database storage unencrypted", "AwsSolutions-RDS2")]
    [InlineData("Redpanda data volume unencrypted", "AwsSolutions-EC26")]
    [InlineData("Redis open to 0.0.0.0/0", "AwsSolutions-EC23")]
    [InlineData("no VPC flow log", "AwsSolutions-VPC7")]
    [InlineData("backend load balancer without access logs", "AwsSolutions-ELB2")]
    public void Undoing_a_fix_makes_the_check_fail_on_its_rule(string fix, string rule)
    {
        var logicalId = Undo(fix, out var template);

        var report = NagCheck.Run([NagCheck.Write(dir, "Undone", template)]);

        Assert.Contains(report.Failures, f => f.Rule == rule && (logicalId is null || f.LogicalId == logicalId));
        Assert.All(report.Failures, f => Assert.Equal(rule, f.Rule));
    }

    [Fact]
    public void The_readme_lists_every_suppression_with_its_reason_and_nothing_else()
    {
        var expected = Suppressions(AllVariants(app, variants))
            .Select(s => ReadmeRow(s.Rule, s.Stack, s.LogicalId, s.AppliesTo, s.Reason))
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToArray();
        var readme = File.ReadAllLines(Path.Combine(NagCheck.Root, "README.md"));

        var listed = readme
            .SkipWhile(l => l != ReadmeSection).Skip(1).TakeWhile(l => !l.StartsWith('#'))
            .Where(l => l.StartsWith("| `AwsSolutions-", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.True(expected.SequenceEqual(listed),
            $"README.md's section '{ReadmeSection}' must list exactly the suppressions in the templates. Expected rows:\n" +
            string.Join("\n", expected) + "\n\nListed:\n" + string.Join("\n", listed));
    }

    public const string ReadmeSection = "### Security checks (cdk-nag): every exception and its reason";

    private static string ReadmeRow(string rule, string stack, string logicalId, IReadOnlyList<string> appliesTo, string reason)
    {
        const string policyPrefix = "Policy::arn:<AWS::Partition>:iam::aws:policy/";
        var findings = appliesTo.Count == 0 ? ""
            : " (" + string.Join(", ", appliesTo.Select(a => a.StartsWith(policyPrefix, StringComparison.Ordinal) ? a[policyPrefix.Length..] : a)) + ")";
        return $"| `{rule}` | `{stack}/{logicalId}`{findings} | {reason} |";
    }

    /// <summary>Applies the opposite of one fix to a copy of its stack's template.</summary>
    private string? Undo(string fix, out JsonObject template)
    {
        JsonObject Copy(StackKind kind) => app.Json[kind].DeepClone().AsObject();
        JsonObject Props(JsonObject t, string id) => t["Resources"]![id]!["Properties"]!.AsObject();
        switch (fix)
        {
            case "scheduler logs off":
                template = Copy(StackKind.Eks);
                var types = Props(template, EksStack.ClusterLogicalId)["Logging"]!["ClusterLogging"]!["EnabledTypes"]!.AsArray();
                types.Remove(types.Single(t => (string?)t!["Type"] == "scheduler"));
                return EksStack.ClusterLogicalId;
            case "public endpoint without CIDRs":
                template = Copy(StackKind.Eks);
                Props(template, EksStack.ClusterLogicalId)["ResourcesVpcConfig"]!["EndpointPublicAccess"] = true;
                return EksStack.ClusterLogicalId;
            case "database storage unencrypted":
                template = Copy(StackKind.Rds);
                Props(template, RdsStack.DatabaseLogicalId)["StorageEncrypted"] = false;
                return RdsStack.DatabaseLogicalId;
            case "Redpanda data volume unencrypted":
                template = Copy(StackKind.Kafka);
                Props(template, KafkaStack.InstanceLogicalId)["BlockDeviceMappings"]!.AsArray()
                    .Single(m => (string?)m!["DeviceName"] == RedpandaInstance.DataDeviceName)!["Ebs"]!["Encrypted"] = false;
                return KafkaStack.InstanceLogicalId;
            case "Redis open to 0.0.0.0/0":
                template = Copy(StackKind.Redis);
                Props(template, RedisStack.SecurityGroupLogicalId)["SecurityGroupIngress"] = new JsonArray(
                    new JsonObject { ["CidrIp"] = "0.0.0.0/0", ["IpProtocol"] = "tcp", ["FromPort"] = 6379, ["ToPort"] = 6379 });
                return RedisStack.SecurityGroupLogicalId;
            case "backend load balancer without access logs":
                template = Copy(StackKind.Eks);
                var balancer = template["Resources"]!.AsObject().Single(r => (string?)r.Value!["Type"] == "AWS::ElasticLoadBalancingV2::LoadBalancer");
                var attributes = balancer.Value!["Properties"]!["LoadBalancerAttributes"]!.AsArray();
                attributes.Single(a => (string?)a!["Key"] == "access_logs.s3.enabled")!["Value"] = "false";
                return balancer.Key;
            case "no VPC flow log":
                template = Copy(StackKind.Vpc);
                var resources = template["Resources"]!.AsObject();
                foreach (var id in resources.Where(r => (string?)r.Value!["Type"] == "AWS::EC2::FlowLog").Select(r => r.Key).ToArray())
                {
                    resources.Remove(id);
                }

                return null;
            default:
                throw new ArgumentOutOfRangeException(nameof(fix), fix, "no such fix");
        }
    }

    /// <summary>
    /// The dev templates by stack name, and the EKS template of a public endpoint limited to the team's CIDRs (the only place EKS1 is suppressed).
    /// </summary>
    public static IEnumerable<(string Stack, JsonObject Template)> AllVariants(SynthesizedApp app, EndpointVariants variants) =>
        app.Json.Select(j => (app.Config.Names.Stack(j.Key), j.Value))
            .Append((app.Config.Names.Stack(StackKind.Eks), EndpointVariants.Read(variants.RestrictedEksTemplate)));

    /// <summary>Every rules_to_suppress entry in <paramref name="templates"/>, with where it sits.</summary>
    public static IEnumerable<(JsonObject Template, string Stack, string LogicalId, int Index, string Rule, string Reason, IReadOnlyList<string> AppliesTo)>
        Suppressions(IEnumerable<(string Stack, JsonObject Template)> templates) =>
        from t in templates
        let template = t.Template
        from resource in template["Resources"]!.AsObject()
        let rules = resource.Value!["Metadata"]?[NagSuppressions.MetadataKey]?["rules_to_suppress"]?.AsArray()
        where rules is not null
        from entry in rules.Select((r, i) => (Rule: r!.AsObject(), Index: i))
        select (template, t.Stack, resource.Key, entry.Index, (string)entry.Rule["id"]!, (string)entry.Rule["reason"]!,
            (IReadOnlyList<string>)(entry.Rule["applies_to"]?.AsArray().Select(a => (string)a!).ToArray() ?? []));
}
