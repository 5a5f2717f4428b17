using Amazon.CDK;

namespace Exchange.Infra;

/// <summary>One accepted cdk-nag finding: the rule, why it is accepted, and (optionally) which findings of the rule it covers.</summary>
/// <param name="Rule">The rule id, e.g. <see cref="NagSuppressions.RdsMultiAz"/>.</param>
/// <param name="Reason">Why this is a deliberate choice; a reviewer reads it in the template and in the README.</param>
/// <param name="AppliesTo">
/// The findings covered, for rules that report several per resource (IAM4 reports one per managed policy:
/// <c>Policy::arn:&lt;AWS::Partition&gt;:iam::aws:policy/NAME</c>); empty covers the whole rule.
/// </param>
public sealed record NagSuppression(string Rule, string Reason, IReadOnlyList<string>? AppliesTo = null);

/// <summary>
/// Resource-level cdk-nag suppressions in the form cdk-nag reads from a synthesized template:
/// <c>Metadata: { cdk_nag: { rules_to_suppress: [ { id, reason, applies_to } ] } }</c>.
/// tests/cdk-nag-check runs the AwsSolutions pack over the templates; every reason is a named constant
/// next to the decision it explains, and the README's dev trade-offs table lists them all (a test keeps
/// the two equal). Nothing is suppressed stack- or app-wide.
/// </summary>
public static class NagSuppressions
{
    public const string MetadataKey = "cdk_nag";

    public const string ManagedPolicy = "AwsSolutions-IAM4";
    public const string SecretRotation = "AwsSolutions-SMG4";
    public const string RdsMultiAz = "AwsSolutions-RDS3";
    public const string RdsDeletionProtection = "AwsSolutions-RDS10";
    public const string RdsDefaultPort = "AwsSolutions-RDS11";
    public const string CacheEncryption = "AwsSolutions-AEC3";
    public const string CacheMultiAz = "AwsSolutions-AEC4";
    public const string CacheDefaultPort = "AwsSolutions-AEC5";
    public const string CacheAuth = "AwsSolutions-AEC6";
    public const string Ec2DetailedMonitoring = "AwsSolutions-EC28";
    public const string Ec2TerminationProtection = "AwsSolutions-EC29";
    public const string EksPublicEndpoint = "AwsSolutions-EKS1";
    public const string SqsDeadLetterQueue = "AwsSolutions-SQS3";

    /// <summary>The IAM4 finding for the AWS managed policy <paramref name="name"/>, for <see cref="NagSuppression.AppliesTo"/>.</summary>
    public static string AwsManagedPolicy(string name) => $"Policy::arn:<AWS::Partition>:iam::aws:policy/{name}";

    /// <summary>
    /// Writes <paramref name="suppressions"/> into the resource's template metadata. All of a resource's
    /// suppressions go in one call: a second call would replace the first, so it is refused.
    /// </summary>
    public static void Add(CfnResource resource, params NagSuppression[] suppressions)
    {
        if (suppressions.Length == 0)
        {
            throw new ArgumentException("Name at least one rule to suppress.", nameof(suppressions));
        }

        if (resource.GetMetadata(MetadataKey) is not null)
        {
            throw new InvalidOperationException(
                $"{resource.Node.Path} already has cdk-nag suppressions; add all of a resource's suppressions in one NagSuppressions.Add call.");
        }

        foreach (var s in suppressions)
        {
            // cdk-nag rejects a reason under 10 characters; a reviewer needs far more than that.
            if (!s.Rule.StartsWith("AwsSolutions-", StringComparison.Ordinal) || s.Reason.Trim().Length < 20)
            {
                throw new ArgumentException($"Suppression of '{s.Rule}' on {resource.Node.Path} needs an AwsSolutions rule id and a reason a reviewer can " +
                    "judge.");
            }
        }

        resource.AddMetadata(MetadataKey, new Dictionary<string, object>
        {
            ["rules_to_suppress"] = suppressions.Select(s =>
            {
                var rule = new Dictionary<string, object> { ["id"] = s.Rule, ["reason"] = s.Reason };
                if (s.AppliesTo is { Count: > 0 } findings)
                {
                    rule["applies_to"] = findings.ToArray();
                }

                return rule;
            }).ToArray(),
        });
    }
}
