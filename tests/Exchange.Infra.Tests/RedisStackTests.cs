using Amazon.CDK.Assertions;
using Exchange.Contracts;
using Props = System.Collections.Generic.Dictionary<string, object>;

namespace Exchange.Infra.Tests;

[Collection(SynthesizedAppCollection.Name)]
public sealed class RedisStackTests(SynthesizedApp app)
{
    private Template Template => app[StackKind.Redis];

    [Fact]
    public void Cache_keeps_its_pinned_logical_id()
    {
        Assert.Equal(["Cache"], app.Resources(StackKind.Redis, "AWS::ElastiCache::ReplicationGroup").Keys);
        Template.ResourceCountIs("AWS::ElastiCache::CacheCluster", 0);
    }

    [Fact]
    public void Cache_is_one_encrypted_graviton_micro_redis_node()
    {
        Template.HasResourceProperties("AWS::ElastiCache::ReplicationGroup", new Props
        {
            ["ReplicationGroupId"] = "exchange-dev-redis",
            ["Engine"] = "redis",
            ["EngineVersion"] = "7.1",
            ["CacheNodeType"] = "cache.t4g.micro",
            ["NumCacheClusters"] = 1,
            ["AutomaticFailoverEnabled"] = false,
            ["AtRestEncryptionEnabled"] = true,
            ["Port"] = 6379,
        });
    }

    [Fact]
    public void Cache_lives_in_the_isolated_subnets()
    {
        var subnets = TemplateJson.Properties(app.Resources(StackKind.Redis, "AWS::ElastiCache::SubnetGroup").Values.Single())["SubnetIds"]!.AsArray();

        Assert.Equal(2, subnets.Count);
        Assert.All(subnets, s => Assert.Matches("^Exchange-dev-Vpc:ExportsOutputRefVpcDatabaseSubnet[12]", TemplateJson.ImportName(s)));
    }

    [Fact]
    public void Redis_outputs_come_from_the_primary_endpoint()
    {
        Template.HasOutput(Outputs.RedisEndpoint.Key, new Props { ["Value"] = new Props { ["Fn::GetAtt"] = new[] { "Cache", "PrimaryEndPoint.Address" } } });
        Template.HasOutput(Outputs.RedisPort.Key, new Props { ["Value"] = new Props { ["Fn::GetAtt"] = new[] { "Cache", "PrimaryEndPoint.Port" } } });
    }

    [Fact]
    public void Redis_security_group_admits_nothing_by_itself()
    {
        Template.HasResourceProperties("AWS::EC2::SecurityGroup", new Props
        {
            ["GroupName"] = Match.Absent(),
            ["Tags"] = Match.ArrayWith(new object[] { new Props { ["Key"] = "Name", ["Value"] = "exchange-dev-redis-sg" } }),
            ["SecurityGroupIngress"] = Match.Absent(),
        });
        Template.ResourceCountIs("AWS::EC2::SecurityGroupIngress", 0);
    }
}
