using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Scheduler;
using Constructs;
using Exchange.Contracts;

namespace Exchange.Infra.Constructs;

/// <summary>One AWS API call the sleep makes on one resource: the universal target and the IAM action it needs.</summary>
public sealed record SleepActionProps
{
    public required SleepSchedule Schedule { get; init; }
    public required string ScheduleName { get; init; }
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
/// schedule's sleep time, in its time zone, with a role that may make exactly that call on exactly that resource.
/// Each stack holds the schedule of its own resource, so a stack's schedule lives and dies with it (Pause --deep
/// removes the EKS stack and its node-group schedule together) and no stack references another.
/// A call that finds its resource already asleep does no harm: ec2:StopInstances on a stopped instance is a no-op,
/// rds:StopDBInstance on a stopped database fails with InvalidDBInstanceState and changes nothing, and
/// eks:UpdateNodegroupConfig to the size it already has fails or changes nothing. Retries are off
/// (MaximumRetryAttempts 0) so such a failure is one failed invocation, not 185 over 24 hours.
/// </summary>
public sealed class SleepAction : Construct
{
    public SleepAction(Construct scope, string id, SleepActionProps props) : base(scope, id)
    {
        var schedule = props.Schedule.Validate();
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
                    ],
                }),
            },
        });

        Schedule = new CfnSchedule(this, "Schedule", new CfnScheduleProps
        {
            Name = props.ScheduleName,
            Description = $"Sleep: {props.What}, {schedule.Describe()}",
            ScheduleExpression = schedule.SleepCron,
            ScheduleExpressionTimezone = schedule.TimeZone,
            FlexibleTimeWindow = new CfnSchedule.FlexibleTimeWindowProperty { Mode = "OFF" },
            State = "ENABLED",
            Target = new CfnSchedule.TargetProperty
            {
                Arn = TargetArn(props.Service, props.Action),
                RoleArn = Role.RoleArn,
                Input = Stack.Of(this).ToJsonString(props.Input),
                RetryPolicy = new CfnSchedule.RetryPolicyProperty { MaximumRetryAttempts = 0 },
            },
        });
        Schedule.AddMetadata(SleepSchedule.MetadataKey, schedule.ToJson());
    }

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
                Service = service,
                Action = action,
                IamAction = iamAction,
                ResourceArn = resourceArn,
                Input = input,
                What = what,
            });
}
