using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Constructs;
using Exchange.Contracts;
using Exchange.Infra.Constructs;

namespace Exchange.Infra.Stacks;

/// <summary>
/// The network: public / private-with-egress / isolated /24 subnets in the configured AZs, one NAT
/// (gateway or Graviton instance), Kubernetes load-balancer subnet tags, a free S3 gateway endpoint and
/// REJECT-only flow logs. The always-on NAT instance (or, with a NAT gateway, a small jump instance) is where
/// the pipeline's SSM port-forwarding tunnel to the private EKS API enters the VPC: it runs the SSM agent and
/// the EKS stack admits its security group, and only it, on 443.
/// </summary>
[Stack(StackKind.Vpc)]
public sealed class VpcStack : ExchangeStack<VpcConfig>
{
    public const string PublicSubnetGroup = "Public";
    public const string PrivateSubnetGroup = "Private";
    public const string IsolatedSubnetGroup = "Database";

    /// <summary>EC28 on the NAT instance.</summary>
    public const string NatBasicMonitoringReason =
        "Detailed (1-minute) monitoring would bill more than half of the t4g.nano itself (about $2 a month); the free " +
        "5-minute metrics are enough to see a dev NAT's traffic.";

    /// <summary>EC29 on the NAT instance.</summary>
    public const string NatNoTerminationProtectionReason =
        "The NAT instance is stateless and rebuilt from code; termination protection would stop DestroyDev, and a " +
        "switch to -c nat=gateway, from removing it.";

    /// <summary>IAM4 on the NAT or jump instance's role.</summary>
    public const string JumpSsmManagedPolicyReason =
        "AmazonSSMManagedInstanceCore is AWS's policy for Session Manager, which carries the pipeline's port-forwarding tunnel to the " +
        "private EKS API (no SSH, no open port); AWS keeps it in step with the SSM agent.";

    /// <summary>EC28 on the jump instance (NAT gateway VPCs only).</summary>
    public const string JumpBasicMonitoringReason =
        "Detailed (1-minute) monitoring would bill more than half of the t4g.nano itself; the jump instance only relays SSM sessions.";

    /// <summary>EC29 on the jump instance (NAT gateway VPCs only).</summary>
    public const string JumpNoTerminationProtectionReason =
        "The jump instance is stateless and rebuilt from code; termination protection would stop DestroyDev.";

    public static readonly IReadOnlyList<string> JumpRolePolicies = ["AmazonSSMManagedInstanceCore"];

    public VpcStack(Construct scope, StackBuild build)
        : base(scope, build)
    {
        var natUserData = NatInstanceUserData.Create();
        var natInstance = Config.Nat == NatKind.Instance ? NatInstance(natUserData) : null;

        Vpc = new Vpc(this, "Vpc", new VpcProps
        {
            VpcName = Names.VpcName,
            IpAddresses = IpAddresses.Cidr(Config.Cidr),
            AvailabilityZones = Env.AvailabilityZones.ToArray(),
            // One NAT for the whole VPC: a dev VPC does not need per-AZ egress redundancy.
            NatGateways = 1,
            NatGatewayProvider = natInstance is null ? NatProvider.Gateway() : natInstance,
            // The restriction is a Lambda-backed custom resource (a Node.js runtime we do not want to
            // track); nothing in this VPC uses the default security group.
            RestrictDefaultSecurityGroup = false,
            SubnetConfiguration =
            [
                new SubnetConfiguration { Name = PublicSubnetGroup, SubnetType = SubnetType.PUBLIC, CidrMask = 24 },
                new SubnetConfiguration { Name = PrivateSubnetGroup, SubnetType = SubnetType.PRIVATE_WITH_EGRESS, CidrMask = 24 },
                new SubnetConfiguration { Name = IsolatedSubnetGroup, SubnetType = SubnetType.PRIVATE_ISOLATED, CidrMask = 24 },
            ],
        });

        if (natInstance is not null)
        {
            SecureNatInstance(natInstance, natUserData);
            JumpInstance = natInstance.GatewayInstances[0];
            JumpSecurityGroup = natInstance.Connections.SecurityGroups[0];
        }
        else
        {
            (JumpInstance, JumpSecurityGroup) = NewJumpInstance();
        }

        JumpInstance.Role.AddManagedPolicy(ManagedPolicy.FromAwsManagedPolicyName(JumpRolePolicies[0]));
        NagSuppressions.Add((CfnResource)JumpInstance.Role.Node.DefaultChild!,
            new NagSuppression(NagSuppressions.ManagedPolicy, JumpSsmManagedPolicyReason, JumpRolePolicies.Select(NagSuppressions.AwsManagedPolicy).ToArray()));

        Vpc.AddGatewayEndpoint("S3Endpoint", new GatewayVpcEndpointOptions
        {
            Service = GatewayVpcEndpointAwsService.S3,
            Subnets = [new SubnetSelection { SubnetType = SubnetType.PRIVATE_WITH_EGRESS }, new SubnetSelection { SubnetType = SubnetType.PRIVATE_ISOLATED }],
        });

        TagSubnetsForLoadBalancers();
        AddRejectFlowLog();

        Output(Outputs.VpcId, Vpc.VpcId);
        Output(Outputs.JumpInstanceId, JumpInstance.InstanceId);
        Output(Outputs.JumpSecurityGroupId, JumpSecurityGroup.SecurityGroupId);
    }

    public Vpc Vpc { get; }

    /// <summary>The instance the SSM tunnel to the EKS API goes through: the NAT instance, or the jump instance of a NAT gateway VPC.</summary>
    public Instance_ JumpInstance { get; }

    /// <summary>Its security group, the one source the cluster security group admits on 443 (the EKS stack adds the rule).</summary>
    public ISecurityGroup JumpSecurityGroup { get; }

    /// <summary>
    /// With a NAT gateway: a t4g.nano in a private subnet that only runs the SSM agent (AL2023 ships it), egress only (through the
    /// NAT gateway to SSM), no ingress, no SSH key, IMDSv2, an encrypted root volume.
    /// </summary>
    private (Instance_ Instance, ISecurityGroup Group) NewJumpInstance()
    {
        var group = new SecurityGroup(this, "JumpSecurityGroup", new SecurityGroupProps
        {
            Vpc = Vpc,
            Description = "SSM jump to the EKS API: no ingress; egress to SSM and the cluster",
            AllowAllOutbound = true,
        });
        var type = new InstanceType(Config.JumpInstanceType);
        var instance = new Instance_(this, "JumpInstance", new InstanceProps
        {
            InstanceName = Names.JumpInstanceName,
            Vpc = Vpc,
            VpcSubnets = new SubnetSelection { SubnetType = SubnetType.PRIVATE_WITH_EGRESS },
            InstanceType = type,
            MachineImage = AmazonLinux.Al2023(type),
            SecurityGroup = group,
            RequireImdsv2 = true,
            AssociatePublicIpAddress = false,
            CreditSpecification = CpuCredits.STANDARD,
            BlockDevices =
            [
                new BlockDevice
                {
                    DeviceName = "/dev/xvda",
                    Volume = BlockDeviceVolume.Ebs(8,
                        new EbsDeviceOptions { VolumeType = EbsDeviceVolumeType.GP3, Encrypted = true, DeleteOnTermination = true }),
                },
            ],
        });
        var cfnInstance = (CfnResource)instance.Node.DefaultChild!;
        CfnLint.Ignore(cfnInstance, CfnLint.AmiIdPattern);
        NagSuppressions.Add(cfnInstance,
            new NagSuppression(NagSuppressions.Ec2DetailedMonitoring, JumpBasicMonitoringReason),
            new NagSuppression(NagSuppressions.Ec2TerminationProtection, JumpNoTerminationProtectionReason));
        return (instance, group);
    }

    /// <summary>A t4g.nano NAT on Amazon Linux 2023, resolved at launch so a new AMI does not replace it on deploy.</summary>
    private NatInstanceProviderV2 NatInstance(UserData userData) => NatProvider.InstanceV2(new NatInstanceProps
    {
        InstanceType = new InstanceType(Config.NatInstanceType),
        MachineImage = AmazonLinux.Al2023(new InstanceType(Config.NatInstanceType)),
        // The provider's default opens the instance to 0.0.0.0/0; we admit the VPC CIDR only (above).
        DefaultAllowedTraffic = NatTrafficDirection.OUTBOUND_ONLY,
        CreditSpecification = CpuCredits.STANDARD,
        UserData = userData,
    });

    /// <summary>
    /// The tags the AWS load balancer controller uses to pick subnets. Only the subnets themselves carry
    /// them (not the NAT instance that sits inside a public subnet's construct).
    /// </summary>
    /// <summary>
    /// Only now, with the VPC built, do the NAT instance and its security group exist: admit the VPC
    /// CIDR (nothing from outside), require IMDSv2 and encrypt the root volume (the provider offers
    /// neither), and complete its user data with the signal CloudFormation waits for.
    /// </summary>
    private void SecureNatInstance(NatInstanceProviderV2 natInstance, UserData userData)
    {
        if (natInstance.GatewayInstances.Length != 1)
        {
            throw new InvalidOperationException($"Expected one NAT instance, found {natInstance.GatewayInstances.Length}: its user data signals for one " +
                "instance.");
        }

        natInstance.Connections.AllowFrom(Peer.Ipv4(Config.Cidr), Port.AllTraffic(), "All traffic from inside the VPC (NAT)");
        Aspects.Of(this).Add(new InstanceRequireImdsv2Aspect());
        foreach (var instance in natInstance.GatewayInstances)
        {
            var cfnInstance = (CfnResource)instance.Node.DefaultChild!;
            CfnLint.Ignore(cfnInstance, CfnLint.AmiIdPattern);
            NagSuppressions.Add(cfnInstance,
                new NagSuppression(NagSuppressions.Ec2DetailedMonitoring, NatBasicMonitoringReason),
                new NagSuppression(NagSuppressions.Ec2TerminationProtection, NatNoTerminationProtectionReason));
            NatInstanceUserData.Complete(userData, cfnInstance);
            BootScript.RequireSignal(cfnInstance);
            cfnInstance.AddPropertyOverride("BlockDeviceMappings", new object[]
            {
                new Dictionary<string, object>
                {
                    ["DeviceName"] = "/dev/xvda",
                    ["Ebs"] = new Dictionary<string, object> { ["Encrypted"] = true, ["VolumeType"] = "gp3", ["DeleteOnTermination"] = true },
                },
            });
        }
    }

    private void TagSubnetsForLoadBalancers()
    {
        var clusterTag = $"kubernetes.io/cluster/{Names.ClusterName}";
        void Tag(ISubnet subnet, string key, string value) =>
            Amazon.CDK.Tags.Of(subnet).Add(key, value, new TagProps { IncludeResourceTypes = ["AWS::EC2::Subnet"] });

        foreach (var subnet in Vpc.PublicSubnets)
        {
            Tag(subnet, "kubernetes.io/role/elb", "1");
            Tag(subnet, clusterTag, "shared");
        }

        foreach (var subnet in Vpc.PrivateSubnets)
        {
            Tag(subnet, "kubernetes.io/role/internal-elb", "1");
            Tag(subnet, clusterTag, "shared");
        }
    }

    /// <summary>
    /// Rejected flows only: pennies a month, and the first thing to look at when a pod cannot reach the
    /// database. The log group is ours so that it has a short retention and goes away with the stack.
    /// </summary>
    private void AddRejectFlowLog()
    {
        var logGroup = new LogGroup(this, "FlowLogGroup", new LogGroupProps
        {
            Retention = RetentionDays.ONE_WEEK,
            RemovalPolicy = RemovalPolicy.DESTROY,
        });

        Vpc.AddFlowLog("RejectedFlows", new FlowLogOptions
        {
            TrafficType = FlowLogTrafficType.REJECT,
            Destination = FlowLogDestination.ToCloudWatchLogs(logGroup),
        });
    }
}
