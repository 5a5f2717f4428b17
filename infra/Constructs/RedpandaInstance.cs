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
}

/// <summary>
/// A single-broker Redpanda on an Amazon Linux 2023 instance: private subnet, no public IP, no SSH key
/// (SSM Session Manager instead), IMDSv2 only, an encrypted gp3 root volume and an encrypted gp3 data volume,
/// both in the instance's block device mappings. User data installs docker, mounts the data volume, starts the
/// pinned image and waits until the cluster is healthy; CloudFormation waits for it to signal (<see cref="BootScript"/>).
/// The topics are not part of the boot: DeployInfra applies the declared topics on the running broker (a change to
/// them changes no template, so it neither restarts nor replaces the host).
/// <para>
/// The data lives and dies with the instance, on purpose. CloudFormation replaces an instance by creating the new one
/// before it deletes the old one (a new AMI, subnet, launch template or data volume size): a separate volume attached
/// through the instance's <c>Volumes</c> would still be attached to the old instance, and the new one would fail with
/// VolumeInUse. A volume of each instance's own lets the replacement come up beside the old broker, which keeps running
/// (and keeps its data) until the new one has signalled; a failed replacement rolls back to it untouched. The new broker
/// starts empty: DeployInfra creates the declared topics on it, and the messages and consumer offsets of the old one are
/// gone (one dev broker, replication factor 1, data disposable by design).
/// </para>
/// </summary>
public sealed class RedpandaInstance : Construct
{
    public const int KafkaPort = Exchange.Contracts.DataStorePorts.Kafka;
    public const int AdminPort = 9644;
    /// <summary>The data volume's block device mapping name; on these Nitro (NVMe) instances the kernel names it nvme1n1 or so, not this.</summary>
    public const string DataDeviceName = "/dev/sdf";
    public const string RootDeviceName = "/dev/xvda";
    public const int RootVolumeGb = 20;

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

        // Always the first private subnet: another subnet would replace the host (and recreate its data).
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
                    DeviceName = RootDeviceName,
                    Volume = BlockDeviceVolume.Ebs(RootVolumeGb,
                        new EbsDeviceOptions { VolumeType = EbsDeviceVolumeType.GP3, Encrypted = true, DeleteOnTermination = true }),
                },
                // The data volume goes with the instance: see the class comment for why it is not a volume of its own.
                new BlockDevice
                {
                    DeviceName = DataDeviceName,
                    Volume = BlockDeviceVolume.Ebs(props.DataVolumeGb,
                        new EbsDeviceOptions { VolumeType = EbsDeviceVolumeType.GP3, Encrypted = true, DeleteOnTermination = true }),
                },
            ],
        });

        var cfnInstance = (CfnResource)Instance.Node.DefaultChild!;
        CfnLint.Ignore(cfnInstance, CfnLint.AmiIdPattern);
        // User data is rendered at synth, so the script can name the instance it signals for.
        userData.AddCommands(RedpandaUserData.Script(props, cfnInstance));
        BootScript.RequireSignal(cfnInstance);
    }

    public SecurityGroup SecurityGroup { get; }

    public Instance_ Instance { get; }
}
