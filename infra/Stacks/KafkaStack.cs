using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Constructs;
using Exchange.Contracts;
using Exchange.Infra.Constructs;

namespace Exchange.Infra.Stacks;

public sealed record KafkaStackProps(IVpc Vpc);

/// <summary>Kafka for the engine shards: one Redpanda host (see <see cref="RedpandaInstance"/>).</summary>
public sealed class KafkaStack : ExchangeStack
{
    public const string InstanceLogicalId = "RedpandaInstance";
    public const string DataVolumeLogicalId = "RedpandaDataVolume";
    public const string SecurityGroupLogicalId = "RedpandaSecurityGroup";

    /// <summary>EC28.</summary>
    public const string BasicMonitoringReason =
        "Detailed (1-minute) monitoring bills about $2 a month per instance; the free 5-minute metrics are enough for a dev host.";

    /// <summary>EC29.</summary>
    public const string NoTerminationProtectionReason =
        "DestroyDev deletes the environment unattended; termination protection would stop it. The host is rebuilt from " +
        "its user data, and its data is disposable (one broker, replication factor 1, by design).";

    /// <summary>IAM4 on the Redpanda role.</summary>
    public const string SsmManagedPolicyReason =
        "AmazonSSMManagedInstanceCore is AWS's policy for Session Manager and Run Command, which replace SSH on this host; " +
        "AWS keeps it in step with the SSM agent.";

    public KafkaStack(Construct scope, InfraSettings settings, KafkaStackProps props)
        : base(scope, StackKind.Kafka, settings, "Redpanda (Kafka API) host")
    {
        Redpanda = new RedpandaInstance(this, "Redpanda", new RedpandaInstanceProps
        {
            Vpc = props.Vpc,
            InstanceName = Names.KafkaInstanceName,
            SecurityGroupName = Names.SecurityGroup("kafka"),
            InstanceType = Config.KafkaInstanceType,
            Image = Config.RedpandaImage,
            DataVolumeGb = Config.KafkaVolumeGb,
            Topics = Config.KafkaTopics,
            Partitions = Config.KafkaPartitions,
            Replicas = Config.KafkaReplicas,
        });
        PinLogicalId(Redpanda.Instance, InstanceLogicalId);
        PinLogicalId(Redpanda.DataVolume, DataVolumeLogicalId);
        PinLogicalId(Redpanda.SecurityGroup, SecurityGroupLogicalId);
        NagSuppressions.Add((CfnResource)Redpanda.Instance.Node.DefaultChild!,
            new NagSuppression(NagSuppressions.Ec2DetailedMonitoring, BasicMonitoringReason),
            new NagSuppression(NagSuppressions.Ec2TerminationProtection, NoTerminationProtectionReason));
        NagSuppressions.Add((CfnResource)Redpanda.Instance.Role.Node.DefaultChild!,
            new NagSuppression(NagSuppressions.ManagedPolicy, SsmManagedPolicyReason, [NagSuppressions.AwsManagedPolicy("AmazonSSMManagedInstanceCore")]));

        Sleep = SleepAction.For(this, Config, SleepTarget.Kafka, "ec2", "stopInstances", "ec2:StopInstances",
            FormatArn(new Amazon.CDK.ArnComponents { Service = "ec2", Resource = "instance", ResourceName = Redpanda.Instance.InstanceId }),
            new Dictionary<string, object> { ["InstanceIds"] = new[] { Redpanda.Instance.InstanceId } },
            $"Redpanda host {Names.KafkaInstanceName}");

        Output(Outputs.KafkaPrivateIp, Redpanda.Instance.InstancePrivateIp);
        Output(Outputs.KafkaInstanceId, Redpanda.Instance.InstanceId);
        Output(Outputs.KafkaSecurityGroupId, Redpanda.SecurityGroup.SecurityGroupId);
    }

    public RedpandaInstance Redpanda { get; }

    public ISecurityGroup SecurityGroup => Redpanda.SecurityGroup;

    public SleepAction? Sleep { get; }
}
