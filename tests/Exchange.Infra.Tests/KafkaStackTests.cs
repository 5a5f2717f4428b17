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
    public void Redpanda_instance_and_security_group_keep_their_pinned_logical_ids()
    {
        Assert.Equal(["RedpandaInstance"], app.Resources(StackKind.Kafka, "AWS::EC2::Instance").Keys);
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
    public void Redpanda_storage_is_an_encrypted_gp3_root_and_a_10_gb_data_volume_of_the_instance_itself()
    {
        Template.HasResourceProperties("AWS::EC2::Instance", new Props
        {
            ["AvailabilityZone"] = "ap-northeast-2a",
            ["BlockDeviceMappings"] = new object[]
            {
                new Props
                {
                    ["DeviceName"] = "/dev/xvda",
                    ["Ebs"] = new Props { ["Encrypted"] = true, ["VolumeType"] = "gp3", ["VolumeSize"] = 20, ["DeleteOnTermination"] = true },
                },
                new Props
                {
                    ["DeviceName"] = "/dev/sdf",
                    ["Ebs"] = new Props { ["Encrypted"] = true, ["VolumeType"] = "gp3", ["VolumeSize"] = 10, ["DeleteOnTermination"] = true },
                },
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
    public void User_data_waits_for_a_healthy_cluster_with_a_deadline_before_it_signals()
    {
        var health = UserData.IndexOf("rpk cluster health", StringComparison.Ordinal);
        var signal = UserData.IndexOf("signal 0", StringComparison.Ordinal);

        Assert.InRange(health, 0, signal);
        Assert.Contains("DEADLINE=$((SECONDS + 300))", UserData);
        Assert.DoesNotContain("sleep 30", UserData);
    }

    [Fact]
    public void User_data_finds_the_data_volume_by_its_NVMe_id_never_by_the_mapping_name()
    {
        // On Nitro instances /dev/sdf does not exist; the kernel names (nvme0n1, nvme1n1) follow discovery order.
        Assert.Contains("/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol", UserData);
        Assert.DoesNotMatch(@"\[ -e /dev/sdf|/dev/nvme1n1", UserData);
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
    public void No_volume_outlives_the_host_so_a_replacement_never_meets_one_the_old_host_still_holds()
    {
        // CloudFormation creates a replacement instance before it deletes the old one: a separate volume attached through
        // the instance (Volumes) or an AWS::EC2::VolumeAttachment would still be attached to the old host (VolumeInUse).
        var instance = TemplateJson.Properties(app.Resources(StackKind.Kafka, "AWS::EC2::Instance")["RedpandaInstance"]);

        Template.ResourceCountIs("AWS::EC2::Volume", 0);
        Template.ResourceCountIs("AWS::EC2::VolumeAttachment", 0);
        Assert.Null(instance["Volumes"]);
        Assert.All(instance["BlockDeviceMappings"]!.AsArray(), m => Assert.True((bool)m!["Ebs"]!["DeleteOnTermination"]!));
        // The sleep schedule (and its role) act on the running instance later; the boot needs neither.
        var dependents = TemplateJson.AllResources(app.Json[StackKind.Kafka])
            .Where(r => r.LogicalId != "RedpandaInstance" && r.Resource.ToJsonString().Contains("\"RedpandaInstance\"", StringComparison.Ordinal))
            .Where(r => !r.LogicalId.StartsWith("Sleep", StringComparison.Ordinal))
            .Select(r => r.LogicalId);
        Assert.Empty(dependents);
    }

    [Fact]
    public void The_declared_topics_are_not_part_of_the_Kafka_template_so_changing_them_neither_restarts_nor_replaces_the_host()
    {
        // A user data change stops and starts the instance (and cloud-init would not run the boot script again):
        // DeployInfra applies the topics on the running broker instead.
        var more = app.Config with { ShardCount = app.Config.ShardCount + 1 };
        var synthesized = ExchangeApp.Create(app.Settings with { Config = more });
        var kafka = synthesized.Stack<Exchange.Infra.Stacks.KafkaStack>();
        var other = System.Text.Json.JsonSerializer.Serialize(Template.FromStack(kafka).ToJSON());

        Assert.Contains("RedpandaInstance", other, StringComparison.Ordinal);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(app[StackKind.Kafka].ToJSON()), other);
        Assert.DoesNotContain("matching-engine-shard", UserData);
        Assert.DoesNotContain("rpk topic create", UserData);
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

    private string SandboxScript => UserData;

    /// <summary>What udev makes of a Nitro instance's two EBS volumes: kernel names in discovery order, by-id links by volume id.</summary>
    private static readonly string[] Disks =
    [
        "nvme0n1", "nvme0n1p1", "nvme1n1",
        "disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0aaa111 -> ../../nvme0n1",
        "disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0aaa111-part1 -> ../../nvme0n1p1",
        "disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0bbb222 -> ../../nvme1n1",
        "disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0bbb222_1 -> ../../nvme1n1",
    ];

    /// <summary>Only the root volume (the data volume never appeared).</summary>
    private static readonly string[] RootOnly = ["nvme0n1", "nvme0n1p1", "disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0aaa111 -> ../../nvme0n1"];

    [FactRequiringBootSandbox]
    public void A_normal_boot_formats_and_mounts_the_data_volume_found_by_its_id_starts_redpanda_and_signals_success_once()
    {
        var run = BootSandbox.Run(SandboxScript, Disks);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["0"], run.Signals);
        Assert.Equal(["mkfs.xfs /dev/nvme1n1"], run.Calls.Where(c => c.StartsWith("mkfs", StringComparison.Ordinal)));
        Assert.Contains("data volume vol0bbb222 is /dev/nvme1n1", run.BootLog);
        Assert.Single(run.Calls, c => c.StartsWith("docker run -d --name redpanda", StringComparison.Ordinal)
            && c.Contains("--mode dev-container", StringComparison.Ordinal));
        Assert.Equal(0, run.Count("docker exec redpanda rpk topic"));
        Assert.Contains("Healthy", run.BootLog);
    }

    [FactRequiringBootSandbox]
    public void The_data_volume_is_the_EBS_disk_without_the_root_filesystem_even_when_the_kernel_found_it_first()
    {
        string[] swapped =
        [
            "nvme0n1", "nvme1n1", "nvme1n1p1",
            "disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0bbb222 -> ../../nvme0n1",
            "disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0aaa111 -> ../../nvme1n1",
        ];

        var run = BootSandbox.Run(SandboxScript, swapped, new Dictionary<string, string?> { ["ROOT_DISK"] = "nvme1n1" });

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["mkfs.xfs /dev/nvme0n1"], run.Calls.Where(c => c.StartsWith("mkfs", StringComparison.Ordinal)));
    }

    [FactRequiringBootSandbox]
    public void A_healthy_report_longer_than_the_pipe_buffer_still_counts_as_healthy()
    {
        var run = BootSandbox.Run(SandboxScript, Disks, new Dictionary<string, string?> { ["HEALTH_PADDING_KB"] = "1024" });

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(1, run.Count("docker exec redpanda rpk cluster health"));
        Assert.Equal(["0"], run.Signals);
    }

    [FactRequiringBootSandbox]
    public void Dnf_and_the_image_pull_are_retried_through_transient_failures()
    {
        var run = BootSandbox.Run(SandboxScript, Disks, new Dictionary<string, string?>
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
        var run = BootSandbox.Run(SandboxScript, Disks, new Dictionary<string, string?> { ["DNF_FAIL_PACKAGE"] = "docker" });

        Assert.NotEqual(0, run.ExitCode);
        Assert.Equal(["1"], run.Signals);
        Assert.Equal(0, run.Count("docker run"));
        Assert.Contains("failed during 'installing docker'", run.BootLog);
        Assert.Contains("dnf install -y docker", run.BootLog);
    }

    [FactRequiringBootSandbox]
    public void A_data_volume_that_never_appears_signals_failure_and_says_so()
    {
        var run = BootSandbox.Run(SandboxScript, RootOnly);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Equal(["1"], run.Signals);
        // The whole run on failure: CI once saw the boot log end after its first step, under heavy load.
        Assert.True(run.BootLog.Contains("no EBS data volume besides the root disk (nvme0n1) after 300 s", StringComparison.Ordinal),
            $"{run}\n--- boot log\n{run.BootLog}");
        Assert.Equal(0, run.Count("mkfs"));
    }

    [FactRequiringBootSandbox]
    public void Two_candidate_data_volumes_stop_the_boot_rather_than_format_the_wrong_one()
    {
        var run = BootSandbox.Run(SandboxScript, [.. Disks, "nvme2n1", "disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0ccc333 -> ../../nvme2n1"]);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Equal(["1"], run.Signals);
        Assert.Contains("expected one EBS data volume besides the root disk, found 2", run.BootLog);
        Assert.Equal(0, run.Count("mkfs"));
    }

    [Fact]
    public void Redpanda_construct_refuses_an_unpinned_image()
    {
        var stack = new Stack(new App(), "Scratch", new StackProps { Env = new Amazon.CDK.Environment { Region = "ap-northeast-2" } });
        var vpc = new Vpc(stack, "Vpc", new VpcProps { RestrictDefaultSecurityGroup = false });
        RedpandaInstanceProps PropsWith(string image) => new()
        {
            Vpc = vpc, InstanceName = "x", SecurityGroupName = "x-sg", InstanceType = "t3.medium", Image = image, DataVolumeGb = 10,
        };

        Assert.Throws<ArgumentException>(() => new RedpandaInstance(stack, "Latest", PropsWith("docker.redpanda.com/redpandadata/redpanda:latest")));
        Assert.Throws<ArgumentException>(() => new RedpandaInstance(stack, "Untagged", PropsWith("docker.redpanda.com/redpandadata/redpanda")));
    }
}
