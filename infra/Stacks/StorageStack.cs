using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.RegionInfo;
using Constructs;
using Exchange.Contracts;

namespace Exchange.Infra.Stacks;

/// <summary>
/// The design document's two buckets. <c>artifacts</c>: what CI and people share between runs (the stack
/// outputs, images.json, the deploy policy), so a rerun of one step works on any machine. <c>logs</c>: the VPC
/// flow logs (all traffic) and the artifacts bucket's access logs (cdk-nag S1 accepts the log destination itself
/// without access logs of its own: logging it into itself would loop), expired after
/// <see cref="StorageConfig.LogExpirationDays"/>. Both SSE-S3 encrypted, public access blocked, TLS only, named
/// <c>exchange-{env}-{purpose}-{account}-{region}</c> (bucket names are global). No auto-delete (CDK's needs a
/// Lambda): DestroyDev empties them before the stack goes (the EmptyBucket teardown of the registration).
/// </summary>
[Stack(StackKind.Storage)]
public sealed class StorageStack : ExchangeStack<StorageConfig>
{
    public const string ArtifactsLogicalId = "ArtifactsBucket";
    public const string LogsLogicalId = "LogsBucket";
    public const string FlowLogPrefix = "vpc-flow-logs/";
    public const string AccessLogPrefix = "access-logs/artifacts/";
    /// <summary>Where the backend's load balancer (Eks stack) writes its access logs; ELB appends AWSLogs/ACCOUNT/elasticloadbalancing/...</summary>
    public const string LoadBalancerLogPrefix = "access-logs/backend-lb/";

    public StorageStack(Construct scope, StackBuild build)
        : base(scope, build)
    {
        Logs = Bucket(LogsLogicalId, EnvironmentNames.LogsPurpose, new BucketProps
        {
            LifecycleRules =
            [
                new LifecycleRule { Id = "Expire", Expiration = Duration.Days(Config.LogExpirationDays),
                    AbortIncompleteMultipartUploadAfter = Duration.Days(1) },
            ],
        });

        Artifacts = Bucket(ArtifactsLogicalId, EnvironmentNames.ArtifactsPurpose, new BucketProps
        {
            LifecycleRules = [new LifecycleRule { Id = "AbortUploads", AbortIncompleteMultipartUploadAfter = Duration.Days(1) }],
        });
        // Access logs through a bucket policy (ACLs stay disabled): CDK's serverAccessLogsBucket would want an ACL here.
        ((CfnBucket)Artifacts.Node.DefaultChild!).LoggingConfiguration = new CfnBucket.LoggingConfigurationProperty
        {
            DestinationBucketName = Logs.BucketName,
            LogFilePrefix = AccessLogPrefix,
        };
        Logs.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ArtifactsAccessLogs",
            Principals = [new ServicePrincipal("logging.s3.amazonaws.com")],
            Actions = ["s3:PutObject"],
            Resources = [Logs.ArnForObjects(AccessLogPrefix + "*")],
            Conditions = new Dictionary<string, object>
            {
                ["ArnLike"] = new Dictionary<string, object> { ["aws:SourceArn"] = Artifacts.BucketArn },
                ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Aws.ACCOUNT_ID },
            },
        }));

        // Log delivery's own statements, declared here: AWS would otherwise add them to the bucket policy itself when
        // the flow log is created, and the next update of the policy by CloudFormation would remove them again.
        var fromThisAccount = new Dictionary<string, object>
        {
            ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Aws.ACCOUNT_ID },
            ["ArnLike"] = new Dictionary<string, object> { ["aws:SourceArn"] = $"arn:{Aws.PARTITION}:logs:{Env.Region}:{Aws.ACCOUNT_ID}:*" },
        };
        Logs.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "FlowLogDeliveryWrite",
            Principals = [new ServicePrincipal("delivery.logs.amazonaws.com")],
            Actions = ["s3:PutObject"],
            Resources = [Logs.ArnForObjects($"{FlowLogPrefix}AWSLogs/{Aws.ACCOUNT_ID}/*")],
            Conditions = fromThisAccount,
        }));
        Logs.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "FlowLogDeliveryCheck",
            Principals = [new ServicePrincipal("delivery.logs.amazonaws.com")],
            Actions = ["s3:GetBucketAcl", "s3:ListBucket"],
            Resources = [Logs.BucketArn],
            Conditions = fromThisAccount,
        }));

        // The backend load balancer's access logs (Eks stack): Elastic Load Balancing writes them as its regional account, in
        // the regions that have one (Seoul does), else as its log delivery service. Declared here, with the bucket, so the Eks
        // stack only names the bucket and the prefix; the load balancer checks this permission when it is created.
        var elbAccount = RegionInfo.Get(Env.Region).Elbv2Account;
        Logs.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "LoadBalancerAccessLogs",
            Principals = [elbAccount is null ? new ServicePrincipal("logdelivery.elasticloadbalancing.amazonaws.com") : new AccountPrincipal(elbAccount)],
            Actions = ["s3:PutObject"],
            Resources = [Logs.ArnForObjects($"{LoadBalancerLogPrefix}AWSLogs/{Aws.ACCOUNT_ID}/*")],
        }));

        // All traffic, not only rejects (the Vpc stack keeps a week of those in CloudWatch for quick looks).
        _ = new FlowLog(this, "VpcFlowLogs", new FlowLogProps
        {
            ResourceType = FlowLogResourceType.FromVpc(build.Stack<VpcStack>().Vpc),
            Destination = FlowLogDestination.ToS3(Logs, FlowLogPrefix),
            TrafficType = FlowLogTrafficType.ALL,
        });

        Output(Outputs.ArtifactsBucketName, Artifacts.BucketName);
        Output(Outputs.LogsBucketName, Logs.BucketName);
    }

    public Bucket Artifacts { get; }

    public Bucket Logs { get; }

    private Bucket Bucket(string logicalId, string purpose, BucketProps props)
    {
        var bucket = new Bucket(this, logicalId, new BucketProps
        {
            BucketName = Names.Bucket(purpose, Aws.ACCOUNT_ID, Env.Region),
            Encryption = BucketEncryption.S3_MANAGED,
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            EnforceSSL = true,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            RemovalPolicy = RemovalPolicy.DESTROY,
            AutoDeleteObjects = false,
            LifecycleRules = props.LifecycleRules,
        });
        PinLogicalId(bucket, logicalId);
        return bucket;
    }
}
