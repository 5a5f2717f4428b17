using Amazon.CDK;
using Constructs;
using Exchange.Contracts;

namespace Exchange.Infra.Stacks;

/// <summary>
/// Base of every stack: the Contracts stack name and description (from its registration), the environment
/// (region from config, account when known) and availability zones from config, so synth never asks AWS
/// which AZs exist.
/// </summary>
public abstract class ExchangeStack : Stack
{
    private readonly string[] availabilityZones;

    protected ExchangeStack(Construct scope, StackBuild build)
        : base(scope, build.Environment.Names.Stack(build.Definition.Kind), new StackProps
        {
            Env = new Amazon.CDK.Environment { Region = build.Environment.Region, Account = build.Account },
            Description = $"Exchange {build.Environment.EnvName}: {build.Definition.Description}",
        })
    {
        Env = build.Environment;
        Kind = build.Definition.Kind;
        availabilityZones = build.Environment.AvailabilityZones.ToArray();
    }

    /// <summary>What the whole environment shares (name, region, zones, sleep schedule).</summary>
    public StackEnvironment Env { get; }

    public StackKind Kind { get; }

    public EnvironmentNames Names => Env.Names;

    /// <summary>
    /// The configured AZs. Without this override an environment-agnostic or offline synth falls back to
    /// dummy AZs or a context lookup that needs credentials.
    /// </summary>
    public override string[] AvailabilityZones => availabilityZones;

    /// <summary>
    /// Gives a stateful resource a fixed logical ID, independent of where it sits in the construct tree:
    /// a changed logical ID would make CloudFormation replace (delete) it.
    /// </summary>
    protected static void PinLogicalId(IConstruct construct, string logicalId) =>
        ((CfnElement)construct.Node.DefaultChild!).OverrideLogicalId(logicalId);

    /// <summary>
    /// A data store's security group with a pinned logical ID, a Name tag, no egress and no ingress of its own:
    /// the EKS stack adds the only ingress rule, from the cluster security group.
    /// </summary>
    protected Amazon.CDK.AWS.EC2.SecurityGroup ClosedSecurityGroup(Amazon.CDK.AWS.EC2.IVpc vpc, string logicalId, string purpose, string what)
    {
        var group = new Amazon.CDK.AWS.EC2.SecurityGroup(this, logicalId, new Amazon.CDK.AWS.EC2.SecurityGroupProps
        {
            Vpc = vpc,
            Description = $"{what}: ingress only from the EKS cluster security group (added by the EKS stack)",
            AllowAllOutbound = false,
        });
        // No GroupName: CloudFormation creates a replacement (e.g. after a description edit) before it
        // deletes the old group, and a fixed name would fail that. People find it by its Name tag.
        Amazon.CDK.Tags.Of(group).Add("Name", Names.SecurityGroup(purpose));
        PinLogicalId(group, logicalId);
        return group;
    }

    /// <summary>Declares a Contracts output in this stack: its key, description and (when it has one) export name.</summary>
    protected CfnOutput Output(StackOutput output, string value)
    {
        if (output.Stack != Kind)
        {
            throw new InvalidOperationException($"Output {output.Key} belongs to the {output.Stack} stack, not {Kind}.");
        }

        return new CfnOutput(this, output.Key, new CfnOutputProps
        {
            Value = value,
            Description = output.Description,
            ExportName = output.ExportName(Env.EnvName),
        });
    }
}

/// <summary>A stack with a configuration record of its own: <see cref="Config"/> is all it reads of EnvironmentConfig.Stacks.</summary>
public abstract class ExchangeStack<TConfig> : ExchangeStack where TConfig : StackConfig
{
    protected ExchangeStack(Construct scope, StackBuild build) : base(scope, build)
    {
        Config = build.Config<TConfig>();
    }

    public TConfig Config { get; }
}
