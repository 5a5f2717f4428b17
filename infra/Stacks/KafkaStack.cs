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
