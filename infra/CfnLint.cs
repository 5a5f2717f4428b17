using Amazon.CDK;

namespace Exchange.Infra;

/// <summary>
/// Resource-level cfn-lint suppressions, for findings that are wrong about this template. Each call
/// site says why; nothing is suppressed template-wide.
/// </summary>
public static class CfnLint
{
    /// <summary>E1152 expects an ami-* id; EC2 also accepts <c>resolve:ssm:PARAMETER</c> and resolves it at launch.</summary>
    public const string AmiIdPattern = "E1152";

    /// <summary>
    /// E3691 knows only full engine versions; RDS also accepts a major version and picks its current
    /// default minor ("If a major version is specified but a minor version is not, Amazon RDS defaults
    /// to a recent release of the major version").
    /// </summary>
    public const string RdsEngineVersion = "E3691";

    public static void Ignore(CfnResource resource, params string[] rules) =>
        resource.AddMetadata("cfn-lint", new Dictionary<string, object>
        {
            ["config"] = new Dictionary<string, object> { ["ignore_checks"] = rules },
        });
}
