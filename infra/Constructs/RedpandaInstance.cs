using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Constructs;
using Exchange.Infra.Stacks;

namespace Exchange.Infra.Constructs;

/// <summary>What a Redpanda host needs to know.</summary>
public sealed record RedpandaInstanceProps
{
    public required IVpc Vpc { get; init; }
    public required string InstanceName { get; init; }
    /// <summary>The security group's Name tag (not its GroupName, which would make replacing it fail).</summary>
    public required string SecurityGroupName { get; init; }
    public required string InstanceType { get; init; }
    public required string Image { get; init; }
    public required int DataVolumeGb { get; init; }
    public required IReadOnlyList<string> Topics { get; init; }
    public required int Partitions { get; init; }
    public required int Replicas { get; init; }
}

/// <summary>
/// A single-broker Redpanda on an Amazon Linux 2023 instance: private subnet, no public IP, no SSH key
/// (SSM Session Manager instead), IMDSv2 only, encrypted gp3 root and a separate encrypted gp3 data
/// volume that outlives the instance. User data installs docker, mounts the data volume, starts the
/// pinned image, waits until the cluster is healthy and creates the topics idempotently; CloudFormation
/// waits for it to signal (<see cref="BootScript"/>).
/// </summary>
public sealed class RedpandaInstance : Construct
{
    public const int KafkaPort = Exchange.Contracts.DataStorePorts.Kafka;
    public const int AdminPort = 9644;
    public const string DataDeviceName = "/dev/sdf";

    /// <summary>What the user data gives Redpanda (<c>--memory 1G</c>), and what the OS, docker and the SSM agent keep.</summary>
    public const int RedpandaMemoryMiB = 1024;
    public const int HostReserveMiB = 640;

    /// <summary>Memory of the burstable sizes a Redpanda host may use (t3, t3a, t4g share them).</summary>
    public static readonly IReadOnlyDictionary<string, int> MemoryMiBBySize = new Dictionary<string, int>
    {
        ["nano"] = 512, ["micro"] = 1024, ["small"] = 2048, ["medium"] = 4096, ["large"] = 8192, ["xlarge"] = 16384, ["2xlarge"] = 32768,
    };

    /// <summary>Throws unless <paramref name="instanceType"/> holds Redpanda's memory plus the host's reserve.</summary>
    public static void CheckMemoryBudget(string instanceType)
    {
        var parts = instanceType.Split('.');
        if (parts.Length != 2 || parts[0] is not ("t3" or "t3a" or "t4g") || !MemoryMiBBySize.TryGetValue(parts[1], out var memory))
            throw new ArgumentException($"Redpanda instance type '{instanceType}': its memory is not known here; use a t3, t3a or t4g size " +
                                        "(or add the family to RedpandaInstance.MemoryMiBBySize).");
        if (memory < RedpandaMemoryMiB + HostReserveMiB)
            throw new ArgumentException($"Redpanda instance type '{instanceType}' has {memory} MiB; Redpanda needs {RedpandaMemoryMiB} MiB plus " +
                                        $"{HostReserveMiB} MiB for the OS and docker. Use t4g.small (2 GiB) or larger.");
    }

    public RedpandaInstance(Construct scope, string id, RedpandaInstanceProps props) : base(scope, id)
    {
        if (props.Image.EndsWith(":latest", StringComparison.Ordinal) || !props.Image.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException($"Redpanda image '{props.Image}' must be pinned to a version tag, never latest.", nameof(props));
        }

        CheckMemoryBudget(props.InstanceType);

        // The instance and its data volume must share an AZ: place both in the first private subnet.
        var subnet = props.Vpc.SelectSubnets(new SubnetSelection { SubnetType = SubnetType.PRIVATE_WITH_EGRESS }).Subnets[0];
        var instanceType = new InstanceType(props.InstanceType);

        SecurityGroup = new SecurityGroup(this, "SecurityGroup", new SecurityGroupProps
        {
            Vpc = props.Vpc,
            Description = "Redpanda: ingress only from the EKS cluster security group (added by the EKS stack)",
            // Egress for dnf, the image pull and SSM, through the NAT.
            AllowAllOutbound = true,
        });
        // No GroupName: editing the description replaces the group, and a fixed name would fail that.
        Tags.Of(SecurityGroup).Add("Name", props.SecurityGroupName);

        var role = new Role(this, "Role", new RoleProps
        {
            AssumedBy = new ServicePrincipal("ec2.amazonaws.com"),
            Description = $"{props.InstanceName}: SSM Session Manager access",
            ManagedPolicies = [ManagedPolicy.FromAwsManagedPolicyName("AmazonSSMManagedInstanceCore")],
        });

        DataVolume = new Volume(this, "DataVolume", new VolumeProps
        {
            AvailabilityZone = subnet.AvailabilityZone,
            Size = Size.Gibibytes(props.DataVolumeGb),
            VolumeType = EbsDeviceVolumeType.GP3,
            Encrypted = true,
            VolumeName = $"{props.InstanceName}-data",
            RemovalPolicy = RemovalPolicy.DESTROY,
        });

        var userData = UserData.ForLinux();

        Instance = new Instance_(this, "Instance", new InstanceProps
        {
            InstanceName = props.InstanceName,
            Vpc = props.Vpc,
            VpcSubnets = new SubnetSelection { Subnets = [subnet] },
            InstanceType = instanceType,
            MachineImage = AmazonLinux.Al2023(instanceType),
            SecurityGroup = SecurityGroup,
            Role = role,
            UserData = userData,
            RequireImdsv2 = true,
            AssociatePublicIpAddress = false,
            CreditSpecification = CpuCredits.STANDARD,
            BlockDevices =
            [
                new BlockDevice
                {
                    DeviceName = "/dev/xvda",
                    Volume = BlockDeviceVolume.Ebs(20,
                        new EbsDeviceOptions { VolumeType = EbsDeviceVolumeType.GP3, Encrypted = true, DeleteOnTermination = true }),
                },
            ],
        });

        var cfnInstance = (CfnResource)Instance.Node.DefaultChild!;
        CfnLint.Ignore(cfnInstance, CfnLint.AmiIdPattern);
        // User data is rendered at synth, so the script can name the instance it signals for.
        userData.AddCommands(RedpandaUserData.Script(props, DataVolume.VolumeId, cfnInstance));
        BootScript.RequireSignal(cfnInstance);
        // Attached as part of the instance, not by an AWS::EC2::VolumeAttachment: that resource would wait
        // for the instance to be complete, i.e. for the boot script that waits for the volume.
        cfnInstance.AddPropertyOverride("Volumes", new object[]
        {
            new Dictionary<string, object> { ["Device"] = DataDeviceName, ["VolumeId"] = DataVolume.VolumeId },
        });
    }

    public SecurityGroup SecurityGroup { get; }

    public Instance_ Instance { get; }

    public Volume DataVolume { get; }
}
