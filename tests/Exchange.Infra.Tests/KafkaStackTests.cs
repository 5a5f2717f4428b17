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
        var launchTemplate = TemplateJson.Properties(app.Resources(StackKind.Kafka, "AWS::EC2::LaunchTemplate")[launchTemplateId]);
        Assert.Equal("required", (string?)launchTemplate["LaunchTemplateData"]!["MetadataOptions"]!["HttpTokens"]);
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
            ["ManagedPolicyArns"] = new object[]
            {
                new Props
                {
                    ["Fn::Join"] = Match.ArrayWith(new object[] { Match.ArrayWith(new object[] { ":iam::aws:policy/AmazonSSMManagedInstanceCore" }) }),
                },
            },
        });
        Template.HasResourceProperties("AWS::EC2::SecurityGroup", new Props
        {
            ["GroupName"] = Match.Absent(),
            ["Tags"] = Match.ArrayWith(new object[] { new Props { ["Key"] = "Name", ["Value"] = "exchange-dev-kafka-sg" } }),
            ["SecurityGroupIngress"] = Match.Absent(),
        });
    }

    [Fact]
    public void User_data_runs_the_pinned_image_with_docker_from_dnf_and_imdsv2_metadata_calls()
    {
        Assert.Contains($"'{app.Config.Of<KafkaConfig>().RedpandaImage}'", UserData);
        Assert.Matches(@":v\d+\.\d+\.\d+$", app.Config.Of<KafkaConfig>().RedpandaImage);
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
    public void Redpanda_host_makes_CloudFormation_wait_up_to_15_minutes_for_its_boot_script_to_signal()
    {
        var instance = app.Resources(StackKind.Kafka, "AWS::EC2::Instance")["RedpandaInstance"];

        Assert.Equal(1, (int?)instance["CreationPolicy"]?["ResourceSignal"]?["Count"]);
        Assert.Equal("PT15M", (string?)instance["CreationPolicy"]?["ResourceSignal"]?["Timeout"]);
        Assert.Contains("dnf install -y aws-cfn-bootstrap", UserData);
        Assert.Contains("--stack 'Exchange-dev-Kafka' --resource 'RedpandaInstance' --region 'ap-northeast-2'", UserData);
    }

    [Fact]
    public void The_data_volume_is_attached_with_the_instance_so_the_boot_never_waits_for_a_resource_created_after_it()
    {
        // A separate VolumeAttachment would only be created once the instance is CREATE_COMPLETE, which
        // with a creation policy means after the boot script signalled: the script would wait for the
        // volume and the volume for the script.
        var instance = app.Resources(StackKind.Kafka, "AWS::EC2::Instance")["RedpandaInstance"];

        Template.ResourceCountIs("AWS::EC2::VolumeAttachment", 0);
        var volume = Assert.Single(TemplateJson.Properties(instance)["Volumes"]!.AsArray())!;
        Assert.Equal("/dev/sdf", (string?)volume["Device"]);
        Assert.Equal("RedpandaDataVolume", (string?)volume["VolumeId"]!["Ref"]);
        // The sleep schedule (and its role) act on the running instance later; the boot needs neither.
        var dependents = TemplateJson.AllResources(app.Json[StackKind.Kafka])
            .Where(r => r.LogicalId != "RedpandaInstance" && r.Resource.ToJsonString().Contains("\"RedpandaInstance\"", StringComparison.Ordinal))
            .Where(r => !r.LogicalId.StartsWith("Sleep", StringComparison.Ordinal))
            .Select(r => r.LogicalId);
        Assert.Empty(dependents);
    }

    [Fact]
    public void Redpanda_runs_as_a_dev_container_broker()
    {
        Assert.Contains("redpanda start --mode dev-container", System.Text.RegularExpressions.Regex.Replace(UserData.Replace("\\\n", " "), @"\s+", " "));
    }

    [Fact]
    public void No_readiness_check_pipes_into_a_reader_that_stops_early()
    {
        // Under pipefail, `rpk ... | grep -q` fails with SIGPIPE when grep exits before rpk has written everything.
        Assert.DoesNotMatch(@"\|\s*grep\s+-[A-Za-z]*q", UserData);
        Assert.DoesNotMatch(@"\|\s*head\b", UserData);
    }

    private string SandboxScript => UserData.Replace("{\"Ref\":\"RedpandaDataVolume\"}", "vol-0abc123");

    private static readonly string[] DataDevice = ["disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0abc123"];

    [FactRequiringBootSandbox]
    public void A_normal_boot_creates_the_topics_and_signals_success_once()
    {
        var run = BootSandbox.Run(SandboxScript, DataDevice);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["0"], run.Signals);
        Assert.Equal(6, run.Count("docker exec redpanda rpk topic create"));
        Assert.Single(run.Calls, c => c.StartsWith("docker run -d --name redpanda", StringComparison.Ordinal)
            && c.Contains("--mode dev-container", StringComparison.Ordinal));
        Assert.Contains("Healthy", run.BootLog);
    }

    [FactRequiringBootSandbox]
    public void A_healthy_report_longer_than_the_pipe_buffer_still_counts_as_healthy()
    {
        var run = BootSandbox.Run(SandboxScript, DataDevice, new Dictionary<string, string?> { ["HEALTH_PADDING_KB"] = "1024" });

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(1, run.Count("docker exec redpanda rpk cluster health"));
        Assert.Equal(["0"], run.Signals);
    }

    [FactRequiringBootSandbox]
    public void Dnf_and_the_image_pull_are_retried_through_transient_failures()
    {
        var run = BootSandbox.Run(SandboxScript, DataDevice, new Dictionary<string, string?>
        {
            ["DNF_FAIL_PACKAGE"] = "docker", ["DNF_FAIL_TIMES"] = "2", ["PULL_FAIL_TIMES"] = "2",
        });

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(3, run.Count("dnf install -y docker"));
        Assert.Equal(3, run.Count("docker pull "));
        Assert.Equal(["0"], run.Signals);
    }

    [FactRequiringBootSandbox]
    public void A_failed_install_signals_failure_with_the_reason_in_the_boot_log()
    {
        var run = BootSandbox.Run(SandboxScript, DataDevice, new Dictionary<string, string?> { ["DNF_FAIL_PACKAGE"] = "docker" });

        Assert.NotEqual(0, run.ExitCode);
        Assert.Equal(["1"], run.Signals);
        Assert.Equal(0, run.Count("docker run"));
        Assert.Contains("failed during 'installing docker'", run.BootLog);
        Assert.Contains("dnf install -y docker", run.BootLog);
    }

    [FactRequiringBootSandbox]
    public void A_data_volume_that_never_appears_signals_failure_and_says_so()
    {
        var run = BootSandbox.Run(SandboxScript, []);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Equal(["1"], run.Signals);
        Assert.Contains("data volume vol-0abc123 is not attached", run.BootLog);
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
