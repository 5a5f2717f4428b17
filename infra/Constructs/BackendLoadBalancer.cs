using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Constructs;
using Exchange.Contracts;

namespace Exchange.Infra.Constructs;

/// <summary>What the backend's load balancer is built from: the network, the group it forwards to, who it admits, where it logs.</summary>
public sealed record BackendLoadBalancerProps
{
    public required IVpc Vpc { get; init; }

    /// <summary>The EKS-created cluster security group: the nodes' group on managed node groups, admitted the NodePort from the load balancer only.</summary>
    public required string ClusterSecurityGroupId { get; init; }

    /// <summary>IPv4 CIDRs admitted on the listener port; empty: no ingress rule at all.</summary>
    public required IReadOnlyList<string> AdmittedCidrs { get; init; }

    /// <summary>The logs bucket's name (Storage stack), whose policy lets Elastic Load Balancing write under <see cref="LogPrefix"/>.</summary>
    public required string LogsBucketName { get; init; }

    public required string LogPrefix { get; init; }

    public required EnvironmentNames Names { get; init; }
}

/// <summary>
/// The backend behind an internet-facing Application Load Balancer in the public subnets (the design document's diagram),
/// with plain CloudFormation resources (no AWS Load Balancer Controller): an HTTP listener forwarding to a target group of
/// type instance on the backend Service's fixed NodePort, health-checked on the backend's readiness path through that port.
/// CloudFormation cannot put a managed node group's Auto Scaling group into a target group, so the pipeline attaches it
/// after each deploy of the stack (DeployInfra; Resume after Pause --deep). Its security group admits only the configured
/// CIDRs (none: no ingress rule) and may only reach the NodePort on the cluster security group, which admits that port from
/// this group alone. Access logs go to the environment's logs bucket. Each preview slot (<see cref="Previews.MaxSlots"/>) has a
/// target group of its own on the slot's NodePort, in no listener rule until DeployPreview adds one (an unused target group is
/// not health-checked and costs nothing); the security groups admit the NodePort range of the main backend and the slots.
/// </summary>
public sealed class BackendLoadBalancer : Construct
{
    /// <summary>EKS drains a spot node in two minutes: deregister a leaving target in 30 s, not the default 300 s.</summary>
    public const int DeregistrationDelaySeconds = 30;

    public BackendLoadBalancer(Construct scope, string id, BackendLoadBalancerProps props) : base(scope, id)
    {
        SecurityGroup = new CfnSecurityGroup(this, "SecurityGroup", new CfnSecurityGroupProps
        {
            VpcId = props.Vpc.VpcId,
            GroupDescription = $"Backend load balancer: HTTP {BackendAccess.ListenerPort} from the configured CIDRs only, " +
                               $"out to the backend NodePorts {NodePorts} on the nodes",
            // No rule when no CIDR is configured: nobody reaches the listener from outside.
            SecurityGroupIngress = props.AdmittedCidrs.Count == 0
                ? null
                : props.AdmittedCidrs.Select(cidr => (object)new CfnSecurityGroup.IngressProperty
                {
                    IpProtocol = "tcp",
                    FromPort = BackendAccess.ListenerPort,
                    ToPort = BackendAccess.ListenerPort,
                    CidrIp = cidr,
                    Description = $"Backend HTTP from {cidr} (configured)",
                }).ToArray(),
            // Replaces the default allow-all egress: the load balancer only talks to the NodePort on the nodes.
            SecurityGroupEgress = new object[]
            {
                new CfnSecurityGroup.EgressProperty
                {
                    IpProtocol = "tcp",
                    FromPort = BackendAccess.NodePort,
                    ToPort = Previews.LastNodePort,
                    DestinationSecurityGroupId = props.ClusterSecurityGroupId,
                    Description = $"Backend NodePorts {NodePorts} on the nodes (cluster security group; the main backend, then the preview slots)",
                },
            },
        });
        // No GroupName (a replacement must be able to coexist with the old group); people find it by its Name tag.
        Tags.Of(SecurityGroup).Add("Name", props.Names.SecurityGroup("backend-lb"));

        NodePortIngress = new CfnSecurityGroupIngress(this, "NodePortFromLoadBalancer", new CfnSecurityGroupIngressProps
        {
            GroupId = props.ClusterSecurityGroupId,
            SourceSecurityGroupId = SecurityGroup.AttrGroupId,
            IpProtocol = "tcp",
            FromPort = BackendAccess.NodePort,
            ToPort = Previews.LastNodePort,
            Description = $"Backend NodePorts {NodePorts} from the backend load balancer only",
        });

        TargetGroup = BackendTargetGroup("TargetGroup", props, BackendAccess.NodePort);
        PreviewTargetGroups = Enumerable.Range(1, Previews.MaxSlots)
            .Select(slot => BackendTargetGroup($"PreviewSlot{slot}TargetGroup", props, Previews.NodePort(slot))).ToArray();

        LoadBalancer = new CfnLoadBalancer(this, "LoadBalancer", new CfnLoadBalancerProps
        {
            // No Name: CloudFormation generates one, so a replacement (e.g. other subnets) can be created beside the old one.
            Type = "application",
            Scheme = "internet-facing",
            IpAddressType = "ipv4",
            Subnets = props.Vpc.PublicSubnets.Select(s => s.SubnetId).ToArray(),
            SecurityGroups = [SecurityGroup.AttrGroupId],
            LoadBalancerAttributes = new object[]
            {
                Attribute("access_logs.s3.enabled", "true"),
                Attribute("access_logs.s3.bucket", props.LogsBucketName),
                Attribute("access_logs.s3.prefix", props.LogPrefix.TrimEnd('/')),
                // Requests with header names that are not valid HTTP are dropped instead of passed to the backend.
                Attribute("routing.http.drop_invalid_header_fields.enabled", "true"),
                Attribute("deletion_protection.enabled", "false"),
            },
        });

        Listener = new CfnListener(this, "HttpListener", new CfnListenerProps
        {
            LoadBalancerArn = LoadBalancer.Ref,
            Port = BackendAccess.ListenerPort,
            Protocol = "HTTP",
            DefaultActions = new object[] { new CfnListener.ActionProperty { Type = "forward", TargetGroupArn = TargetGroup.Ref } },
        });
    }

    public CfnSecurityGroup SecurityGroup { get; }

    public CfnSecurityGroupIngress NodePortIngress { get; }

    public CfnTargetGroup TargetGroup { get; }

    /// <summary>The preview slots' target groups, slot 1 first.</summary>
    public IReadOnlyList<CfnTargetGroup> PreviewTargetGroups { get; }

    private static string NodePorts => $"{BackendAccess.NodePort}-{Previews.LastNodePort}";

    /// <summary>A target group of type instance on a backend NodePort, health-checked on the readiness path through that port.</summary>
    private CfnTargetGroup BackendTargetGroup(string id, BackendLoadBalancerProps props, int nodePort) => new(this, id, new CfnTargetGroupProps
    {
        // No Name: a changed port or protocol replaces the group, and the replacement must not collide with the old one.
        VpcId = props.Vpc.VpcId,
        TargetType = "instance",
        Protocol = "HTTP",
        Port = nodePort,
        HealthCheckEnabled = true,
        HealthCheckProtocol = "HTTP",
        HealthCheckPath = BackendAccess.HealthCheckPath,
        // Through the NodePort (the traffic port): with externalTrafficPolicy Local a node answers only while it runs a ready backend pod.
        HealthCheckPort = "traffic-port",
        HealthCheckIntervalSeconds = 10,
        HealthCheckTimeoutSeconds = 5,
        HealthyThresholdCount = 2,
        UnhealthyThresholdCount = 2,
        Matcher = new CfnTargetGroup.MatcherProperty { HttpCode = "200" },
        TargetGroupAttributes = new object[]
        {
            new CfnTargetGroup.TargetGroupAttributeProperty { Key = "deregistration_delay.timeout_seconds", Value = $"{DeregistrationDelaySeconds}" },
        },
    });

    public CfnLoadBalancer LoadBalancer { get; }

    public CfnListener Listener { get; }

    /// <summary>http://DNS-NAME of the load balancer.</summary>
    public string Url => Fn.Join("", [BackendAccess.Url(""), LoadBalancer.AttrDnsName]);

    private static CfnLoadBalancer.LoadBalancerAttributeProperty Attribute(string key, string value) => new() { Key = key, Value = value };
}
