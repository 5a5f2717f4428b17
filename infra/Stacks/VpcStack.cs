using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.Logs;
using Constructs;
using Exchange.Contracts;
using Exchange.Infra.Constructs;

namespace Exchange.Infra.Stacks;

/// <summary>
/// The network: public / private-with-egress / isolated /24 subnets in the configured AZs, one NAT
/// (gateway or Graviton instance), Kubernetes load-balancer subnet tags, a free S3 gateway endpoint and
/// REJECT-only flow logs.
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
        }

        Vpc.AddGatewayEndpoint("S3Endpoint", new GatewayVpcEndpointOptions
        {
            Service = GatewayVpcEndpointAwsService.S3,
            Subnets = [new SubnetSelection { SubnetType = SubnetType.PRIVATE_WITH_EGRESS }, new SubnetSelection { SubnetType = SubnetType.PRIVATE_ISOLATED }],
        });

        TagSubnetsForLoadBalancers();
        AddRejectFlowLog();

        Output(Outputs.VpcId, Vpc.VpcId);
    }

    public Vpc Vpc { get; }

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
