using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Scheduler;
using Amazon.CDK.AWS.SQS;
using Constructs;
using Exchange.Contracts;

namespace Exchange.Infra.Constructs;

/// <summary>One AWS API call the sleep makes on one resource: the universal target and the IAM action it needs.</summary>
public sealed record SleepActionProps
{
    public required SleepSchedule Schedule { get; init; }
    public required string ScheduleName { get; init; }
    public required string DeadLetterQueueName { get; init; }
    /// <summary>Universal target service and action: <c>arn:aws:scheduler:::aws-sdk:SERVICE:ACTION</c>.</summary>
    public required string Service { get; init; }
    public required string Action { get; init; }
    /// <summary>The IAM action (<c>rds:StopDBInstance</c>) the role may call, on <see cref="ResourceArn"/> only.</summary>
    public required string IamAction { get; init; }
    public required string ResourceArn { get; init; }
    /// <summary>The API's request, as the schedule sends it (tokens allowed).</summary>
    public required object Input { get; init; }
    public required string What { get; init; }
}

/// <summary>
/// An EventBridge Scheduler schedule that calls one AWS API directly (a universal target, no Lambda) every day at the
/// schedule's sleep time, in its time zone, with a role that may make exactly that call on exactly that resource, and send
/// dead-letter events to exactly its own queue. Each stack holds the schedule of its own resource, so a stack's schedule
/// lives and dies with it (Pause --deep removes the EKS stack and its node-group schedule together) and no stack
/// references another.
/// <para>
/// A failed call is retried with backoff (<see cref="SleepFailures"/>: a node group mid-update, throttling) and then lands
/// in an encrypted SQS queue (HTTPS only, kept a week), which Status reads. A call that finds its resource already asleep
/// does no harm: ec2:StopInstances on a stopped instance is a no-op; rds:StopDBInstance on a stopped database fails with
/// InvalidDBInstanceState and eks:UpdateNodegroupConfig to the size it already has fails too, both changing nothing. Those
/// are retried like any failure (a database still starting after RDS restarted it on day 7 may be stoppable minutes later)
/// and then land in the queue as one dead-letter event for the night: Status names them as "already asleep" rather than as
/// failed sleeps, and only an environment awake when the schedule says asleep is reported as a problem.
/// </para>
/// </summary>
public sealed class SleepAction : Construct
{
    public SleepAction(Construct scope, string id, SleepActionProps props) : base(scope, id)
    {
        var schedule = props.Schedule.Validate();
        DeadLetterQueue = new Queue(this, "DeadLetterQueue", new QueueProps
        {
            QueueName = props.DeadLetterQueueName,
            Encryption = QueueEncryption.SQS_MANAGED,
            EnforceSSL = true,
            RetentionPeriod = Duration.Seconds(SleepFailures.DeadLetterRetention.TotalSeconds),
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        NagSuppressions.Add((CfnResource)DeadLetterQueue.Node.DefaultChild!,
            new NagSuppression(NagSuppressions.SqsDeadLetterQueue, DeadLetterQueueReason));
        Role = new Role(this, "Role", new RoleProps
        {
            // Only EventBridge Scheduler acting for this account may assume it (confused-deputy guard).
            AssumedBy = new ServicePrincipal("scheduler.amazonaws.com", new ServicePrincipalOpts
            {
                Conditions = new Dictionary<string, object>
                {
                    ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Aws.ACCOUNT_ID },
                },
            }),
            Description = $"{props.ScheduleName}: {props.IamAction} on {props.What} only",
            InlinePolicies = new Dictionary<string, PolicyDocument>
            {
                ["Sleep"] = new(new PolicyDocumentProps
                {
                    Statements =
                    [
                        new PolicyStatement(new PolicyStatementProps
                        {
                            Effect = Effect.ALLOW,
                            Actions = [props.IamAction],
                            Resources = [props.ResourceArn],
                        }),
                        // EventBridge Scheduler delivers dead-letter events with the schedule's role.
                        new PolicyStatement(new PolicyStatementProps
                        {
                            Effect = Effect.ALLOW,
                            Actions = ["sqs:SendMessage"],
                            Resources = [DeadLetterQueue.QueueArn],
                        }),
                    ],
                }),
            },
        });

        Schedule = new CfnSchedule(this, "Schedule", new CfnScheduleProps
        {
            Name = props.ScheduleName,
            // Only what the schedule itself does: the holidays and the wake-up are the workflow's, and an edit of them should not
            // rewrite the schedule (an update drops a wake-on-demand's StartDate; DeployInfra puts it back, see FollowSchedule).
            Description = $"Sleep: {props.What}, every day at {schedule.SleepAt:HH\\:mm} {schedule.TimeZone}",
            ScheduleExpression = schedule.SleepCron,
            ScheduleExpressionTimezone = schedule.TimeZone,
            FlexibleTimeWindow = new CfnSchedule.FlexibleTimeWindowProperty { Mode = "OFF" },
            State = "ENABLED",
            Target = new CfnSchedule.TargetProperty
            {
                Arn = TargetArn(props.Service, props.Action),
                RoleArn = Role.RoleArn,
                Input = Stack.Of(this).ToJsonString(props.Input),
                RetryPolicy = new CfnSchedule.RetryPolicyProperty
                {
                    MaximumRetryAttempts = SleepFailures.MaximumRetryAttempts,
                    MaximumEventAgeInSeconds = SleepFailures.MaximumEventAge.TotalSeconds,
                },
                DeadLetterConfig = new CfnSchedule.DeadLetterConfigProperty { Arn = DeadLetterQueue.QueueArn },
            },
        });
        Schedule.AddMetadata(SleepSchedule.MetadataKey, schedule.ToJson());
    }

    /// <summary>SQS3.</summary>
    public const string DeadLetterQueueReason =
        "This queue is itself a dead-letter queue: the sleep schedule's (EventBridge Scheduler's DeadLetterConfig, which cdk-nag does not " +
        "recognise as a DLQ). A queue for its undeliverable messages would only collect what nobody reads; its events expire after a week.";

    public Queue DeadLetterQueue { get; }

    public Role Role { get; }

    public CfnSchedule Schedule { get; }

    public static string TargetArn(string service, string action) => $"arn:aws:scheduler:::aws-sdk:{service}:{action}";

    /// <summary>
    /// The sleep action of <paramref name="target"/> in <paramref name="scope"/>'s stack, or null when the environment has no sleep schedule.
    /// </summary>
    public static SleepAction? For(Construct scope, Stacks.StackEnvironment config, SleepTarget target, string service, string action,
        string iamAction, string resourceArn, object input, string what) =>
        config.Sleep is not { } schedule
            ? null
            : new SleepAction(scope, $"Sleep{target}", new SleepActionProps
            {
                Schedule = schedule,
                ScheduleName = config.Names.SleepScheduleName(target),
                DeadLetterQueueName = config.Names.SleepDeadLetterQueueName(target),
                Service = service,
                Action = action,
                IamAction = iamAction,
                ResourceArn = resourceArn,
                Input = input,
                What = what,
            });
}
