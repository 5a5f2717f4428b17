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

/// <summary>A stack whose store the cluster's pods reach; the EKS stack admits the cluster security group to each it depends on.</summary>
public interface IDataStore
{
    DataStoreAccess ClusterAccess { get; }
}

/// <summary>
/// The Kubernetes cluster, with plain AWS::EKS::* resources (no custom resources, no Lambdas):
/// standard-support version, API authentication with one access entry per listed principal, control-plane
/// logs in a log group this stack owns, managed core add-ons and a SPOT managed node group.
/// It also opens the data stores to the EKS-created cluster security group, which is the group pods on
/// managed nodes actually use (the rules live here so the data stacks never reference this stack), and
/// the cluster's private API endpoint (443) to the jump instance the pipeline's SSM tunnel goes through.
/// </summary>
[Stack(StackKind.Eks)]
public sealed class EksStack : ExchangeStack<EksConfig>
{
    public const string ClusterLogicalId = "Cluster";
    public const string NodegroupLogicalId = "SpotNodegroup";
    /// <summary>The rule that lets the SSM tunnel (through the VPC stack's jump instance) reach the private API endpoint.</summary>
    public const string ApiFromJumpLogicalId = "ClusterApiFromJump";
    public const int ApiPort = 443;
    /// <summary>
    /// Every control-plane log type (cdk-nag EKS2). audit is the bulk of the volume; controllerManager and
    /// scheduler add little on a two-node cluster (our estimate: a few MB a day, cents a month at $0.76/GB
    /// ingestion, kept 7 days) and explain pods that are not created or not scheduled.
    /// </summary>
    public static readonly IReadOnlyList<string> LogTypes = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

    /// <summary>EKS1 flags any public endpoint; ours admits only the listed CIDRs (suppressed only then, never for 0.0.0.0/0).</summary>
    public const string PublicEndpointLimitedReason =
        "The public endpoint admits only the environment's configured CIDRs (the team's office/VPN ranges: " +
        "EksConfig.PublicAccessCidrs or --eks-public-cidrs), so developers and CI reach kubectl without a VPN " +
        "into the VPC; private access is on for the nodes, and every call still needs IAM and an EKS access entry.";

    /// <summary>IAM4 on the cluster role.</summary>
    public const string ClusterRoleManagedPolicyReason =
        "AmazonEKSClusterPolicy is the policy EKS documents for a cluster role; AWS updates it when EKS needs new " +
        "permissions, which a copied customer-managed policy would miss.";

    /// <summary>IAM4 on the node role.</summary>
    public const string NodeRoleManagedPolicyReason =
        "The AWS managed policies EKS documents for managed node groups (join the cluster, let the VPC CNI assign pod IPs, " +
        "pull images read-only from ECR); AWS keeps them in step with EKS.";

    public static readonly IReadOnlyList<string> ClusterRolePolicies = ["AmazonEKSClusterPolicy"];
    public static readonly IReadOnlyList<string> NodeRolePolicies = ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryPullOnly"];

    /// <summary>Installed before the nodes (networking), and after them (workloads that need a node to become ACTIVE).</summary>
    public static readonly IReadOnlyList<string> AddonsBeforeNodes = EksAddons.BeforeNodes;
    public static readonly IReadOnlyList<string> AddonsAfterNodes = EksAddons.AfterNodes;

    public EksStack(Construct scope, StackBuild build)
        : base(scope, build)
    {
        var vpc = build.Stack<VpcStack>().Vpc;
        var privateSubnets = vpc.SelectSubnets(new SubnetSelection { SubnetType = SubnetType.PRIVATE_WITH_EGRESS }).SubnetIds;

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
            ManagedPolicies = ClusterRolePolicies.Select(ManagedPolicy.FromAwsManagedPolicyName).ToArray(),
        });
        SuppressManagedPolicies(clusterRole, ClusterRolePolicies, ClusterRoleManagedPolicyReason);

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
                // Public only for the configured CIDRs; none configured means private only (see EksEndpointAccess).
                EndpointPublicAccess = Config.PublicAccessCidrs.Count > 0,
                PublicAccessCidrs = Config.PublicAccessCidrs.Count > 0 ? Config.PublicAccessCidrs.ToArray() : null,
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
        if (Config.PublicAccessCidrs.Count > 0 && !EksEndpointAccess.IsOpenToAnywhere(Config.PublicAccessCidrs))
        {
            NagSuppressions.Add(Cluster, new NagSuppression(NagSuppressions.EksPublicEndpoint, PublicEndpointLimitedReason));
        }

        var networkAddons = AddonsBeforeNodes.Select(Addon).ToArray();

        var nodeRole = new Role(this, "NodeRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("ec2.amazonaws.com"),
            Description = $"{Names.NodegroupName} worker nodes",
            ManagedPolicies = NodeRolePolicies.Select(ManagedPolicy.FromAwsManagedPolicyName).ToArray(),
        });
        SuppressManagedPolicies(nodeRole, NodeRolePolicies, NodeRoleManagedPolicyReason);

        Nodegroup = new CfnNodegroup(this, NodegroupLogicalId, new CfnNodegroupProps
        {
            ClusterName = Cluster.Ref,
            // No NodegroupName: changing instance types, capacity type or disk size replaces the node
            // group, and CloudFormation creates the new one before it deletes the old: a fixed name fails.
            // The pipeline reads the generated name from the NodegroupName output.
            NodeRole = nodeRole.RoleArn,
            Subnets = privateSubnets,
            CapacityType = Config.NodesOnSpot ? "SPOT" : "ON_DEMAND",
            InstanceTypes = Config.NodeInstanceTypes.ToArray(),
            AmiType = Config.NodeArchitecture.AmiType(),
            // Pinned: every scale-up from 0 (each morning) starts this AMI, and a new one arrives only through the Upgrade target,
            // which changes these two alone in a deploy of their own (CloudFormation refuses them combined with other node group changes).
            Version = Config.NodeKubernetesVersion,
            ReleaseVersion = Config.NodeReleaseVersion,
            DiskSize = Config.NodeDiskGb,
            ScalingConfig = new CfnNodegroup.ScalingConfigProperty
            {
                DesiredSize = Config.NodeDesiredSize,
                MinSize = Config.NodeMinSize,
                MaxSize = Config.NodeMaxSize,
            },
            UpdateConfig = new CfnNodegroup.UpdateConfigProperty { MaxUnavailable = 1 },
            Labels = new Dictionary<string, string>
            {
                // k8s/overlays/aws-dev selects these nodes by this label.
                [NodeGroupLabels.NodeType] = Config.NodesOnSpot ? NodeGroupLabels.Spot : "on-demand",
                ["environment"] = Env.EnvName,
            },
            Tags = new Dictionary<string, string> { ["Name"] = Names.NodegroupName },
        });
        foreach (var addon in networkAddons)
        {
            Nodegroup.AddDependency(addon);
        }

        foreach (var addon in AddonsAfterNodes.Select(Addon))
        {
            addon.AddDependency(Nodegroup);
        }

        AccessEntries = Principals(build).Select(p => AccessEntry(p.Entry, p.Level, build)).ToArray();

        // The backend behind an internet-facing ALB (infra/Constructs/BackendLoadBalancer.cs). The node group depends on its
        // target group, so a delete (DestroyDev, Pause --deep) removes the nodes' Auto Scaling group before the group it is attached to.
        if (Config.BackendLoadBalancer)
        {
            Backend = new BackendLoadBalancer(this, "Backend", new BackendLoadBalancerProps
            {
                Vpc = vpc,
                ClusterSecurityGroupId = Cluster.AttrClusterSecurityGroupId,
                AdmittedCidrs = Config.BackendPublicCidrs,
                // The Storage stack's own export (always there), not a generated one: turning the load balancer off must not
                // leave the Storage stack unable to drop an export the Eks stack still imports.
                LogsBucketName = Fn.ImportValue(Outputs.LogsBucketName.ExportName(Env.EnvName)!),
                LogPrefix = StorageStack.LoadBalancerLogPrefix,
                Names = Names,
            });
            // The pipeline attaches the node group's Auto Scaling group to these: on a destroy the node group must go first.
            Nodegroup.AddDependency(Backend.TargetGroup);
            foreach (var slot in Backend.PreviewTargetGroups) Nodegroup.AddDependency(slot);
        }

        foreach (var store in build.Dependencies.OfType<IDataStore>().Select(d => d.ClusterAccess))
        {
            AdmitClusterTo(store);
        }

        // The private endpoint's network interfaces carry the cluster security group: the SSM tunnel's traffic arrives from the jump
        // instance, and from nowhere else outside the cluster.
        var jump = build.Stack<VpcStack>().JumpSecurityGroup;
        _ = new CfnSecurityGroupIngress(this, ApiFromJumpLogicalId, new CfnSecurityGroupIngressProps
        {
            GroupId = Cluster.AttrClusterSecurityGroupId,
            SourceSecurityGroupId = jump.SecurityGroupId,
            IpProtocol = "tcp",
            FromPort = ApiPort,
            ToPort = ApiPort,
            Description = "EKS API (443) from the jump instance (the pipeline's SSM tunnel)",
        });

        // Sleep: the node group to 0 (max unchanged). Here, not in a stack of its own: Pause --deep removes it with the cluster.
        Sleep = SleepAction.For(this, Env, SleepTarget.Nodes, "eks", "updateNodegroupConfig", "eks:UpdateNodegroupConfig",
            Nodegroup.AttrArn,
            new Dictionary<string, object>
            {
                ["ClusterName"] = Cluster.Ref,
                ["NodegroupName"] = Nodegroup.AttrNodegroupName,
                ["ScalingConfig"] = new Dictionary<string, object> { ["MinSize"] = 0, ["MaxSize"] = Config.NodeMaxSize, ["DesiredSize"] = 0 },
            },
            $"node group {Names.NodegroupName} to 0");

        Output(Outputs.EksClusterName, Cluster.Ref);
        Output(Outputs.EksClusterEndpoint, Cluster.AttrEndpoint);
        Output(Outputs.EksClusterArn, Cluster.AttrArn);
        Output(Outputs.EksClusterSecurityGroupId, Cluster.AttrClusterSecurityGroupId);
        Output(Outputs.EksNodegroupName, Nodegroup.AttrNodegroupName);
        Output(Outputs.KubeconfigCommand, KubeconfigCommand(Env));
        // The pipeline reads this back: while that principal stays listed, its entry keeps the old logical ID.
        Output(Outputs.EksLegacyAdminEntryPrincipal, LegacyEntryKept ?? Outputs.NoLegacyAdminEntry);
        Output(Outputs.BackendUrl, Backend?.Url ?? BackendAccess.NoLoadBalancer);
        Output(Outputs.BackendTargetGroupArn, Backend?.TargetGroup.Ref ?? BackendAccess.NoLoadBalancer);
        Output(Outputs.BackendListenerArn, Backend?.Listener.Ref ?? BackendAccess.NoLoadBalancer);
        Output(Outputs.BackendPreviewTargetGroupArns,
            Backend is null ? BackendAccess.NoLoadBalancer : Fn.Join(",", Backend.PreviewTargetGroups.Select(g => g.Ref).ToArray()));
        Output(Outputs.BackendPublicCidrs, EksEndpointAccess.Format(Config.BackendPublicCidrs));
    }

    /// <summary>The backend's load balancer; null when <see cref="EksConfig.BackendLoadBalancer"/> is false.</summary>
    public BackendLoadBalancer? Backend { get; }

    public CfnCluster Cluster { get; }

    public CfnNodegroup Nodegroup { get; }

    /// <summary>One per principal: the configured admins and viewers, and the deploying identity when they do not name it.</summary>
    public IReadOnlyList<CfnAccessEntry> AccessEntries { get; }

    /// <summary>The principal whose entry kept the logical ID AdminAccessEntry, when there is one.</summary>
    public string? LegacyEntryKept { get; private set; }

    /// <summary>Every principal with its level: admins, then viewers, then the deployer (an admin for this deploy) unless listed.</summary>
    private static IEnumerable<(string Entry, ClusterAccessLevel Level)> Principals(StackBuild build)
    {
        var config = build.Config<EksConfig>();
        var listed = config.AdminPrincipals.Select(p => (p, ClusterAccessLevel.Admin))
            .Concat(config.ViewPrincipals.Select(p => (p, ClusterAccessLevel.View))).ToList();
        if (build.DeployerPrincipalArn is { } deployer
            && !listed.Any(l => ClusterPrincipals.Key(l.p, build.Account) == ClusterPrincipals.Key(deployer, build.Account)))
        {
            listed.Add((deployer, ClusterAccessLevel.Admin));
        }

        return listed;
    }

    /// <summary>
    /// A principal's access entry with one cluster-wide access policy. Its logical ID depends only on the principal (see
    /// <see cref="ClusterPrincipals.LogicalId"/>), except that the principal of a cluster deployed before the list keeps its old one.
    /// </summary>
    private CfnAccessEntry AccessEntry(string entry, ClusterAccessLevel level, StackBuild build)
    {
        var key = ClusterPrincipals.Key(entry, build.Account);
        var legacy = build.LegacyAdminEntryPrincipal is { } old && ClusterPrincipals.Key(old, build.Account) == key;
        if (legacy)
        {
            LegacyEntryKept = build.LegacyAdminEntryPrincipal;
        }

        return new CfnAccessEntry(this, legacy ? ClusterPrincipals.LegacyLogicalId : ClusterPrincipals.LogicalId(key), new CfnAccessEntryProps
        {
            ClusterName = Cluster.Ref,
            // Relative to the account: the pinned one, else the account the stack deploys into.
            PrincipalArn = ClusterPrincipals.Arn(entry, build.Account ?? Aws.ACCOUNT_ID, Aws.PARTITION),
            Type = "STANDARD",
            AccessPolicies = new object[]
            {
                new CfnAccessEntry.AccessPolicyProperty
                {
                    PolicyArn = $"arn:{Aws.PARTITION}:eks::aws:cluster-access-policy/{ClusterPrincipals.PolicyName(level)}",
                    AccessScope = new CfnAccessEntry.AccessScopeProperty { Type = "cluster" },
                },
            },
        });
    }

    public SleepAction? Sleep { get; }

    public static string KubeconfigCommand(StackEnvironment config) =>
        $"aws eks update-kubeconfig --region {config.Region} --name {config.Names.ClusterName}";

    private CfnAddon Addon(string name) => new(this, AddonLogicalId(name), new CfnAddonProps
    {
        ClusterName = Cluster.Ref,
        AddonName = name,
        // No version: EKS installs the default version for the cluster's Kubernetes version, and the Upgrade target moves it to
        // the default of each new minor version (aws eks update-addon). CloudFormation never touches a version it does not declare.
        ResolveConflicts = "OVERWRITE",
        ConfigurationValues = AddonConfiguration.GetValueOrDefault(name),
    });

    private static void SuppressManagedPolicies(Role role, IReadOnlyList<string> policies, string reason) =>
        NagSuppressions.Add((CfnResource)role.Node.DefaultChild!,
            new NagSuppression(NagSuppressions.ManagedPolicy, reason, policies.Select(NagSuppressions.AwsManagedPolicy).ToArray()));
    /// <summary>
    /// Add-on settings. vpc-cni enforces NetworkPolicies only with its network policy agent on: without it
    /// k8s/base/network-policies.yaml would be accepted and do nothing.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> AddonConfiguration = new Dictionary<string, string>
    {
        ["vpc-cni"] = """{"enableNetworkPolicy":"true"}""",
    };

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
}
