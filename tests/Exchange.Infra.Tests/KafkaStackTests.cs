using Amazon.CDK;
using Amazon.CDK.Assertions;
using Amazon.CDK.AWS.EC2;
using Exchange.Contracts;
using Exchange.Infra.Constructs;
using Props = System.Collections.Generic.Dictionary<string, object>;

namespace Exchange.Infra.Tests;

[Collection(SynthesizedAppCollection.Name)]
public sealed class KafkaStackTests(SynthesizedApp app)
{
    private Template Template => app[StackKind.Kafka];

    private string UserData => TemplateJson.UserData(app.Resources(StackKind.Kafka, "AWS::EC2::Instance")["RedpandaInstance"]);

    [Fact]
    public void Redpanda_instance_data_volume_and_security_group_keep_their_pinned_logical_ids()
    {
        Assert.Equal(["RedpandaInstance"], app.Resources(StackKind.Kafka, "AWS::EC2::Instance").Keys);
        Assert.Equal(["RedpandaDataVolume"], app.Resources(StackKind.Kafka, "AWS::EC2::Volume").Keys);
        Assert.Equal(["RedpandaSecurityGroup"], app.Resources(StackKind.Kafka, "AWS::EC2::SecurityGroup").Keys);
    }

    [Fact]
    public void Redpanda_host_runs_al2023_resolved_at_launch_without_key_or_public_ip()
    {
        Template.HasResourceProperties("AWS::EC2::Instance", new Props
        {
            ["InstanceType"] = "t4g.small",
            ["ImageId"] = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
            ["KeyName"] = Match.Absent(),
            ["NetworkInterfaces"] = new object[]
            {
                Match.ObjectLike(new Props
                {
                    ["AssociatePublicIpAddress"] = false,
                    ["SubnetId"] = new Props { ["Fn::ImportValue"] = Match.StringLikeRegexp("^Exchange-dev-Vpc:ExportsOutputRefVpcPrivateSubnet1") },
                }),
            },
            ["Tags"] = Match.ArrayWith(new object[] { new Props { ["Key"] = "Name", ["Value"] = "exchange-dev-kafka" } }),
        });
    }

    [Fact]
    public void Redpanda_host_requires_imdsv2()
    {
        var instance = TemplateJson.Properties(app.Resources(StackKind.Kafka, "AWS::EC2::Instance")["RedpandaInstance"]);
        var launchTemplateId = (string)instance["LaunchTemplate"]!["Version"]!["Fn::GetAtt"]![0]!;

        Template.HasResourceProperties("AWS::EC2::LaunchTemplate", new Props
        {
            ["LaunchTemplateData"] = new Props { ["MetadataOptions"] = new Props { ["HttpTokens"] = "required" } },
        });
        Assert.Equal("required", (string?)TemplateJson.Properties(app.Resources(StackKind.Kafka, "AWS::EC2::LaunchTemplate")[launchTemplateId])["LaunchTemplateData"]!["MetadataOptions"]!["HttpTokens"]);
    }

    [Fact]
    public void Redpanda_storage_is_encrypted_gp3_with_a_10_gb_data_volume_in_the_instance_zone()
    {
        Template.HasResourceProperties("AWS::EC2::Volume", new Props
        {
            ["Size"] = 10,
            ["VolumeType"] = "gp3",
            ["Encrypted"] = true,
            ["AvailabilityZone"] = "ap-northeast-2a",
        });
        Template.HasResourceProperties("AWS::EC2::VolumeAttachment", new Props
        {
            ["InstanceId"] = new Props { ["Ref"] = "RedpandaInstance" },
            ["VolumeId"] = new Props { ["Ref"] = "RedpandaDataVolume" },
            ["Device"] = "/dev/sdf",
        });
        Template.HasResourceProperties("AWS::EC2::Instance", new Props
        {
            ["AvailabilityZone"] = "ap-northeast-2a",
            ["BlockDeviceMappings"] = new object[]
            {
                new Props { ["DeviceName"] = "/dev/xvda", ["Ebs"] = Match.ObjectLike(new Props { ["Encrypted"] = true, ["VolumeType"] = "gp3" }) },
            },
        });
    }

    [Fact]
    public void Redpanda_is_reached_through_ssm_not_ssh()
    {
        Template.HasResourceProperties("AWS::IAM::Role", new Props
        {
            ["ManagedPolicyArns"] = new object[] { new Props { ["Fn::Join"] = Match.ArrayWith(new object[] { Match.ArrayWith(new object[] { ":iam::aws:policy/AmazonSSMManagedInstanceCore" }) }) } },
        });
        Template.HasResourceProperties("AWS::EC2::SecurityGroup", new Props
        {
            ["GroupName"] = "exchange-dev-kafka-sg",
            ["SecurityGroupIngress"] = Match.Absent(),
        });
    }

    [Fact]
    public void User_data_runs_the_pinned_image_with_docker_from_dnf_and_imdsv2_metadata_calls()
    {
        Assert.Contains($"'{app.Config.RedpandaImage}'", UserData);
        Assert.Matches(@":v\d+\.\d+\.\d+$", app.Config.RedpandaImage);
        Assert.Contains("dnf install -y docker", UserData);
        Assert.Contains("X-aws-ec2-metadata-token-ttl-seconds", UserData);
        Assert.Contains("-H \"X-aws-ec2-metadata-token: ${IMDS_TOKEN}\" http://169.254.169.254/latest/meta-data/local-ipv4", UserData);
        Assert.DoesNotContain("yum", UserData);
        Assert.DoesNotContain("amazon-linux-extras", UserData);
        Assert.DoesNotContain(":latest", UserData);
    }

    [Fact]
    public void User_data_waits_for_a_healthy_cluster_with_a_deadline_then_creates_the_six_topics()
    {
        var health = UserData.IndexOf("rpk cluster health", StringComparison.Ordinal);
        var create = UserData.IndexOf("rpk topic create", StringComparison.Ordinal);

        Assert.InRange(health, 0, create);
        Assert.Contains("DEADLINE=$((SECONDS + 300))", UserData);
        Assert.DoesNotContain("sleep 30", UserData);
        Assert.Contains("rpk topic create \"$topic\" -p 3 -r 1", UserData);
        Assert.Equal(6, app.Config.KafkaTopics.Count);
        Assert.All(app.Config.KafkaTopics, topic => Assert.Contains($" {topic}", UserData));
    }

    [Fact]
    public void User_data_is_valid_bash()
    {
        var result = Tools.Run("bash", ["-n"], stdin: UserData);

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [FactRequiringTool("shellcheck", "apt-get install -y shellcheck")]
    public void User_data_passes_shellcheck()
    {
        var result = Tools.Run("shellcheck", ["--severity=warning", "--shell=bash", "-"], stdin: UserData);

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public void Redpanda_construct_refuses_an_unpinned_image()
    {
        var stack = new Stack(new App(), "Scratch", new StackProps { Env = new Amazon.CDK.Environment { Region = "ap-northeast-2" } });
        var vpc = new Vpc(stack, "Vpc", new VpcProps { RestrictDefaultSecurityGroup = false });
        RedpandaInstanceProps PropsWith(string image) => new()
        {
            Vpc = vpc, InstanceName = "x", SecurityGroupName = "x-sg", InstanceType = "t3.medium", Image = image,
            DataVolumeGb = 10, Topics = ["t"], Partitions = 1, Replicas = 1,
        };

        Assert.Throws<ArgumentException>(() => new RedpandaInstance(stack, "Latest", PropsWith("docker.redpanda.com/redpandadata/redpanda:latest")));
        Assert.Throws<ArgumentException>(() => new RedpandaInstance(stack, "Untagged", PropsWith("docker.redpanda.com/redpandadata/redpanda")));
    }
}
