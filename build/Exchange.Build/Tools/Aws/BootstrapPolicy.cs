using System.Text.Json;
using System.Text.Json.Nodes;

namespace Exchange.Build.Aws;

/// <summary>
/// What `cdk bootstrap` needs, once per account and region, from whoever runs it: an administrator. CloudFormation creates the
/// CDKToolkit stack's resources with the caller's own permissions: the staging bucket, the container assets repository, the version
/// parameter and five IAM roles, one of them CloudFormation's execution role with AdministratorAccess (CDK's default). Whoever may create
/// that role can make themselves an administrator, so this policy is an administrator's in effect; it is scoped to exactly the
/// bootstrap's resources (its names follow from the default qualifier), with each service's actions on them.
/// </summary>
public static class BootstrapPolicy
{
    public const string Qualifier = "hnb659fds";

    /// <summary>The command an administrator runs, from a checkout of this repository (the pinned CDK CLI).</summary>
    public static string Command(string account, string region) =>
        $"npm ci --prefix infra && infra/node_modules/.bin/cdk bootstrap aws://{account}/{region}";

    /// <summary>The CloudFormation calls `cdk bootstrap` makes itself (the CDK CLI 2.1148, seen against the AWS stand-in).</summary>
    public static readonly IReadOnlyList<string> CloudFormationActions =
    [
        "cloudformation:CreateChangeSet", "cloudformation:DeleteChangeSet", "cloudformation:DescribeChangeSet", "cloudformation:DescribeStackEvents",
        "cloudformation:DescribeStacks", "cloudformation:ExecuteChangeSet", "cloudformation:GetTemplate",
    ];

    public static IReadOnlyList<PolicyStatement> Statements(IamScope s)
    {
        var suffix = $"{s.Account}-{s.Region}";
        return
        [
            new("CallerIdentity", ["sts:GetCallerIdentity"], ["*"], null),
            new("ToolkitStack", CloudFormationActions, [s.Arn("cloudformation", "stack/CDKToolkit/*")], null),
            new("ToolkitRoles", ["iam:*"], [$"arn:{s.Partition}:iam::{s.Account}:role/cdk-{Qualifier}-*-{suffix}"], null),
            new("StagingBucket", ["s3:*"],
                [$"arn:{s.Partition}:s3:::cdk-{Qualifier}-assets-{suffix}", $"arn:{s.Partition}:s3:::cdk-{Qualifier}-assets-{suffix}/*"], null),
            new("ContainerAssets", ["ecr:*"], [s.Arn("ecr", $"repository/cdk-{Qualifier}-container-assets-{suffix}")], null),
            new("VersionParameter", ["ssm:*"], [s.Arn("ssm", $"parameter/cdk-bootstrap/{Qualifier}/version")], null),
        ];
    }

    /// <summary>The policy document (the same form as the deploy policy's).</summary>
    public static string Render(IamScope scope)
    {
        var statements = new JsonArray();
        foreach (var s in Statements(scope))
            statements.Add(new JsonObject
            {
                ["Sid"] = s.Sid, ["Effect"] = "Allow",
                ["Action"] = s.Actions is [var action] ? action : new JsonArray(s.Actions.Select(a => (JsonNode)a).ToArray()),
                ["Resource"] = s.Resources is [var one] ? one : new JsonArray(s.Resources.Select(r => (JsonNode)r).ToArray()),
            });
        return new JsonObject { ["Version"] = DeployPolicy.Version, ["Statement"] = statements }
            .ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }
}
