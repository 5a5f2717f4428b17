using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.EKS;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Constructs;
using Exchange.Contracts;
using Exchange.Infra.Constructs;

namespace Exchange.Infra.Stacks;

/// <summary>A data store the cluster's pods must reach: its security group and the TCP ports to open.</summary>
public sealed record DataStoreAccess(string Name, ISecurityGroup SecurityGroup, IReadOnlyList<int> Ports);

public sealed record EksStackProps(IVpc Vpc, IReadOnlyList<DataStoreAccess> DataStores, string? AdminPrincipalArn);

/// <summary>
/// The Kubernetes cluster, with plain AWS::EKS::* resources (no custom resources, no Lambdas):
/// standard-support version, API authentication with an optional admin access entry, control-plane
/// logs in a log group this stack owns, managed core add-ons and a SPOT managed node group.
/// It also opens the data stores to the EKS-created cluster security group, which is the group pods on
/// managed nodes actually use; the rules live here so the data stacks never reference this stack.
/// </summary>
public sealed class EksStack : ExchangeStack
{
    public const string ClusterLogicalId = "Cluster";
    public const string NodegroupLogicalId = "SpotNodegroup";
    public const string AdminAccessEntryLogicalId = "AdminAccessEntry";
    public static readonly IReadOnlyList<string> LogTypes = ["api", "audit", "authenticator"];

    /// <summary>Installed before the nodes (networking), and after them (workloads that need a node to become ACTIVE).</summary>
    public static readonly IReadOnlyList<string> AddonsBeforeNodes = ["vpc-cni", "kube-proxy"];
    public static readonly IReadOnlyList<string> AddonsAfterNodes = ["coredns", "eks-pod-identity-agent"];

    public EksStack(Construct scope, InfraSettings settings, EksStackProps props)
        : base(scope, StackKind.Eks, settings, "EKS cluster and SPOT node group")
    {
        var privateSubnets = props.Vpc.SelectSubnets(new SubnetSelection { SubnetType = SubnetType.PRIVATE_WITH_EGRESS }).SubnetIds;

        // EKS writes control-plane logs to exactly this name; creating it first gives it a retention
        // and lets `cdk destroy` delete it (EKS would otherwise create a never-expiring group).
        var logGroup = new LogGroup(this, "ControlPlaneLogs", new LogGroupProps
        {
            LogGroupName = Names.EksClusterLogGroupName,
            Retention = RetentionDays.ONE_WEEK,
            RemovalPolicy = RemovalPolicy.DESTROY,
        });

        var clusterRole = new Role(this, "ClusterRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("eks.amazonaws.com"),
            Description = $"{Names.ClusterName} control plane",
            ManagedPolicies = [ManagedPolicy.FromAwsManagedPolicyName("AmazonEKSClusterPolicy")],
        });

        Cluster = new CfnCluster(this, ClusterLogicalId, new CfnClusterProps
        {
            Name = Names.ClusterName,
            Version = Config.KubernetesVersion,
            RoleArn = clusterRole.RoleArn,
            // Standard support only: extended support bills six times the control-plane price.
            UpgradePolicy = new CfnCluster.UpgradePolicyProperty { SupportType = "STANDARD" },
            AccessConfig = new CfnCluster.AccessConfigProperty
            {
                AuthenticationMode = "API",
                // The creator would be the CloudFormation execution role; admins come from access entries.
                BootstrapClusterCreatorAdminPermissions = false,
            },
            // The managed add-ons below replace the self-managed defaults.
            BootstrapSelfManagedAddons = false,
            ResourcesVpcConfig = new CfnCluster.ResourcesVpcConfigProperty
            {
                SubnetIds = privateSubnets,
                EndpointPublicAccess = true,
                EndpointPrivateAccess = true,
            },
            Logging = new CfnCluster.LoggingProperty
            {
                ClusterLogging = new CfnCluster.ClusterLoggingProperty
                {
                    EnabledTypes = LogTypes.Select(t => (object)new CfnCluster.LoggingTypeConfigProperty { Type = t }).ToArray(),
                },
            },
        });
        Cluster.Node.AddDependency(logGroup);

        var networkAddons = AddonsBeforeNodes.Select(Addon).ToArray();

        var nodeRole = new Role(this, "NodeRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("ec2.amazonaws.com"),
            Description = $"{Names.NodegroupName} worker nodes",
            ManagedPolicies =
            [
                ManagedPolicy.FromAwsManagedPolicyName("AmazonEKSWorkerNodePolicy"),
                ManagedPolicy.FromAwsManagedPolicyName("AmazonEKS_CNI_Policy"),
                ManagedPolicy.FromAwsManagedPolicyName("AmazonEC2ContainerRegistryPullOnly"),
            ],
        });

        Nodegroup = new CfnNodegroup(this, NodegroupLogicalId, new CfnNodegroupProps
        {
            ClusterName = Cluster.Ref,
            NodegroupName = Names.NodegroupName,
            NodeRole = nodeRole.RoleArn,
            Subnets = privateSubnets,
            CapacityType = Config.EksNodesOnSpot ? "SPOT" : "ON_DEMAND",
            InstanceTypes = Config.EksNodeInstanceTypes.ToArray(),
            AmiType = AmiType(Config.EksNodeInstanceTypes),
            DiskSize = Config.EksNodeDiskGb,
            ScalingConfig = new CfnNodegroup.ScalingConfigProperty
            {
                DesiredSize = Config.EksNodeDesiredSize,
                MinSize = Config.EksNodeMinSize,
                MaxSize = Config.EksNodeMaxSize,
            },
            UpdateConfig = new CfnNodegroup.UpdateConfigProperty { MaxUnavailable = 1 },
            Labels = new Dictionary<string, string>
            {
                // k8s/overlays/aws-dev selects these nodes by this label.
                [NodeGroupLabels.NodeType] = Config.EksNodesOnSpot ? NodeGroupLabels.Spot : "on-demand",
                ["environment"] = Config.EnvName,
            },
        });
        foreach (var addon in networkAddons)
        {
            Nodegroup.AddDependency(addon);
        }

        foreach (var addon in AddonsAfterNodes.Select(Addon))
        {
            addon.AddDependency(Nodegroup);
        }

        if (props.AdminPrincipalArn is { } admin)
        {
            AdminAccessEntry = new CfnAccessEntry(this, AdminAccessEntryLogicalId, new CfnAccessEntryProps
            {
                ClusterName = Cluster.Ref,
                PrincipalArn = admin,
                Type = "STANDARD",
                AccessPolicies = new object[]
                {
                    new CfnAccessEntry.AccessPolicyProperty
                    {
                        PolicyArn = $"arn:{Aws.PARTITION}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                        AccessScope = new CfnAccessEntry.AccessScopeProperty { Type = "cluster" },
                    },
                },
            });
        }

        foreach (var store in props.DataStores)
        {
            AdmitClusterTo(store);
        }

        // Sleep: the node group to 0 (max unchanged). Here, not in a stack of its own: Pause --deep removes it with the cluster.
        Sleep = SleepAction.For(this, Config, SleepTarget.Nodes, "eks", "updateNodegroupConfig", "eks:UpdateNodegroupConfig",
            Nodegroup.AttrArn,
            new Dictionary<string, object>
            {
                ["ClusterName"] = Cluster.Ref,
                ["NodegroupName"] = Nodegroup.AttrNodegroupName,
                ["ScalingConfig"] = new Dictionary<string, object> { ["MinSize"] = 0, ["MaxSize"] = Config.EksNodeMaxSize, ["DesiredSize"] = 0 },
            },
            $"node group {Names.NodegroupName} to 0");

        Output(Outputs.EksClusterName, Cluster.Ref);
        Output(Outputs.EksClusterEndpoint, Cluster.AttrEndpoint);
        Output(Outputs.EksClusterArn, Cluster.AttrArn);
        Output(Outputs.EksClusterSecurityGroupId, Cluster.AttrClusterSecurityGroupId);
        Output(Outputs.EksNodegroupName, Nodegroup.AttrNodegroupName);
        Output(Outputs.KubeconfigCommand, KubeconfigCommand(Config));
        // The pipeline reads this back so a later deploy by another identity keeps the same admin.
        Output(Outputs.EksAdminPrincipalArn, props.AdminPrincipalArn ?? Outputs.NoAdminPrincipal);
    }

    public CfnCluster Cluster { get; }

    public CfnNodegroup Nodegroup { get; }

    public CfnAccessEntry? AdminAccessEntry { get; }

    public SleepAction? Sleep { get; }

    public static string KubeconfigCommand(EnvironmentConfig config) =>
        $"aws eks update-kubeconfig --region {config.Region} --name {config.Names.ClusterName}";

    private CfnAddon Addon(string name) => new(this, AddonLogicalId(name), new CfnAddonProps
    {
        ClusterName = Cluster.Ref,
        AddonName = name,
        // No version: EKS installs the default version for the cluster's Kubernetes version.
        ResolveConflicts = "OVERWRITE",
    });

    /// <summary>vpc-cni -> AddonVpcCni.</summary>
    public static string AddonLogicalId(string addonName) =>
        "Addon" + string.Concat(addonName.Split('-').Select(part => char.ToUpperInvariant(part[0]) + part[1..]));

    /// <summary>One ingress rule per port, from the cluster security group, on the data store's group.</summary>
    private void AdmitClusterTo(DataStoreAccess store)
    {
        foreach (var port in store.Ports)
        {
            _ = new CfnSecurityGroupIngress(this, $"{store.Name}From{ClusterLogicalId}{port}", new CfnSecurityGroupIngressProps
            {
                GroupId = store.SecurityGroup.SecurityGroupId,
                SourceSecurityGroupId = Cluster.AttrClusterSecurityGroupId,
                IpProtocol = "tcp",
                FromPort = port,
                ToPort = port,
                Description = $"{store.Name} {port} from EKS pods (cluster security group)",
            });
        }
    }

    private static string AmiType(IReadOnlyList<string> instanceTypes)
    {
        var architectures = instanceTypes.Select(t => new Amazon.CDK.AWS.EC2.InstanceType(t).Architecture).Distinct().ToArray();
        if (architectures.Length != 1)
        {
            throw new InvalidOperationException($"Node instance types {string.Join(", ", instanceTypes)} mix CPU architectures; a node group has one AMI type.");
        }

        return architectures[0] == InstanceArchitecture.ARM_64 ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD";
    }
}
