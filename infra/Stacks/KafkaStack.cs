using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Constructs;
using Exchange.Contracts;
using Exchange.Infra.Constructs;

namespace Exchange.Infra.Stacks;


/// <summary>Kafka for the engine shards: one Redpanda host (see <see cref="RedpandaInstance"/>).</summary>
[Stack(StackKind.Kafka)]
public sealed class KafkaStack : ExchangeStack<KafkaConfig>, IDataStore
{
    public const string InstanceLogicalId = "RedpandaInstance";
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

    public KafkaStack(Construct scope, StackBuild build)
        : base(scope, build)
    {
        Redpanda = new RedpandaInstance(this, "Redpanda", new RedpandaInstanceProps
        {
            Vpc = build.Stack<VpcStack>().Vpc,
            InstanceName = Names.KafkaInstanceName,
            SecurityGroupName = Names.SecurityGroup("kafka"),
            InstanceType = Config.InstanceType,
            Image = Config.RedpandaImage,
            DataVolumeGb = Config.VolumeGb,
        });
        PinLogicalId(Redpanda.Instance, InstanceLogicalId);
        PinLogicalId(Redpanda.SecurityGroup, SecurityGroupLogicalId);
        NagSuppressions.Add((CfnResource)Redpanda.Instance.Node.DefaultChild!,
            new NagSuppression(NagSuppressions.Ec2DetailedMonitoring, BasicMonitoringReason),
            new NagSuppression(NagSuppressions.Ec2TerminationProtection, NoTerminationProtectionReason));
        NagSuppressions.Add((CfnResource)Redpanda.Instance.Role.Node.DefaultChild!,
            new NagSuppression(NagSuppressions.ManagedPolicy, SsmManagedPolicyReason, [NagSuppressions.AwsManagedPolicy("AmazonSSMManagedInstanceCore")]));

        Sleep = SleepAction.For(this, Env, SleepTarget.Kafka, "ec2", "stopInstances", "ec2:StopInstances",
            FormatArn(new Amazon.CDK.ArnComponents { Service = "ec2", Resource = "instance", ResourceName = Redpanda.Instance.InstanceId }),
            new Dictionary<string, object> { ["InstanceIds"] = new[] { Redpanda.Instance.InstanceId } },
            $"Redpanda host {Names.KafkaInstanceName}");

        Output(Outputs.KafkaPrivateIp, Redpanda.Instance.InstancePrivateIp);
        Output(Outputs.KafkaInstanceId, Redpanda.Instance.InstanceId);
        Output(Outputs.KafkaSecurityGroupId, Redpanda.SecurityGroup.SecurityGroupId);
    }

    public RedpandaInstance Redpanda { get; }

    public ISecurityGroup SecurityGroup => Redpanda.SecurityGroup;

    public DataStoreAccess ClusterAccess => new("Redpanda", SecurityGroup, [RedpandaInstance.KafkaPort, RedpandaInstance.AdminPort]);

    public SleepAction? Sleep { get; }
}
