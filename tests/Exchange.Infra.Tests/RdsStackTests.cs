using Amazon.CDK.Assertions;
using Exchange.Contracts;
using Props = System.Collections.Generic.Dictionary<string, object>;

namespace Exchange.Infra.Tests;

[Collection(SynthesizedAppCollection.Name)]
public sealed class RdsStackTests(SynthesizedApp app)
{
    private Template Template => app[StackKind.Rds];

    [Fact]
    public void Database_and_its_secret_keep_their_pinned_logical_ids()
    {
        Assert.Equal(["Database"], app.Resources(StackKind.Rds, "AWS::RDS::DBInstance").Keys);
        Assert.Equal(["DatabaseSecret"], app.Resources(StackKind.Rds, "AWS::SecretsManager::Secret").Keys);
    }

    [Fact]
    public void Database_is_mysql_8_4_on_a_graviton_micro_instance()
    {
        Template.ResourceCountIs("AWS::RDS::DBInstance", 1);
        Template.HasResourceProperties("AWS::RDS::DBInstance", new Props
        {
            ["Engine"] = "mysql",
            ["EngineVersion"] = "8.4",
            ["DBInstanceClass"] = "db.t4g.micro",
            ["DBInstanceIdentifier"] = "exchange-dev-mysql",
            ["DBName"] = "future_exchange",
        });
    }

    [Fact]
    public void Database_is_private_encrypted_gp3_in_one_zone()
    {
        Template.HasResourceProperties("AWS::RDS::DBInstance", new Props
        {
            ["PubliclyAccessible"] = false,
            ["StorageEncrypted"] = true,
            ["StorageType"] = "gp3",
            ["MultiAZ"] = false,
            ["AllocatedStorage"] = "20",
            ["MaxAllocatedStorage"] = 100,
        });
    }

    [Fact]
    public void Database_lives_in_the_isolated_subnets()
    {
        var subnets = TemplateJson.Properties(app.Resources(StackKind.Rds, "AWS::RDS::DBSubnetGroup").Values.Single())["SubnetIds"]!.AsArray();

        Assert.Equal(2, subnets.Count);
        Assert.All(subnets, s => Assert.Matches("^Exchange-dev-Vpc:ExportsOutputRefVpcDatabaseSubnet[12]", TemplateJson.ImportName(s)));
    }

    [Fact]
    public void Database_uses_the_dev_settings()
    {
        Template.HasResource("AWS::RDS::DBInstance", new Props
        {
            ["Properties"] = Match.ObjectLike(new Props
            {
                ["BackupRetentionPeriod"] = 1,
                ["DeletionProtection"] = false,
                ["DeleteAutomatedBackups"] = true,
                ["AutoMinorVersionUpgrade"] = true,
                ["AllowMajorVersionUpgrade"] = false,
                ["EnablePerformanceInsights"] = false,
                ["MonitoringInterval"] = 0,
                ["CopyTagsToSnapshot"] = true,
            }),
            ["DeletionPolicy"] = "Delete",
            ["UpdateReplacePolicy"] = "Delete",
        });
    }

    [Fact]
    public void Credentials_are_generated_into_the_contract_secret_without_punctuation()
    {
        Template.HasResourceProperties("AWS::SecretsManager::Secret", new Props
        {
            ["Name"] = "exchange-dev-db-credentials",
            ["GenerateSecretString"] = Match.ObjectLike(new Props
            {
                ["SecretStringTemplate"] = """{"username":"admin"}""",
                ["GenerateStringKey"] = "password",
                ["ExcludePunctuation"] = true,
            }),
        });
        var database = TemplateJson.Properties(app.Resources(StackKind.Rds, "AWS::RDS::DBInstance").Values.Single());
        Assert.Contains("resolve:secretsmanager:", database["MasterUserPassword"]!.ToJsonString());
        Assert.Contains("DatabaseSecret", database["MasterUserPassword"]!.ToJsonString());
    }

    [Fact]
    public void Parameter_group_makes_the_server_utf8mb4()
    {
        Template.HasResourceProperties("AWS::RDS::DBParameterGroup", new Props
        {
            ["Family"] = "mysql8.4",
            ["Parameters"] = new Props
            {
                ["character_set_server"] = "utf8mb4",
                ["collation_server"] = "utf8mb4_unicode_ci",
            },
        });
    }

    [Fact]
    public void Rds_security_group_admits_nothing_by_itself_and_sends_nothing()
    {
        Template.HasResourceProperties("AWS::EC2::SecurityGroup", new Props
        {
            ["GroupName"] = Match.Absent(),
            ["Tags"] = Match.ArrayWith(new object[] { new Props { ["Key"] = "Name", ["Value"] = "exchange-dev-rds-sg" } }),
            ["SecurityGroupIngress"] = Match.Absent(),
            // CDK's "no egress" marker rule: nothing real leaves.
            ["SecurityGroupEgress"] = new object[] { Match.ObjectLike(new Props { ["CidrIp"] = "255.255.255.255/32" }) },
        });
        Template.ResourceCountIs("AWS::EC2::SecurityGroupIngress", 0);
    }
}
