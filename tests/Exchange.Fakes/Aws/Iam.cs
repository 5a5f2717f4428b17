using System.Text.Json.Nodes;
using Exchange.Fakes.Core;

namespace Exchange.Fakes.Aws;

/// <summary>
/// `aws iam get-role`: the one role the fake knows is the caller's (an assumed-role FAKE_AWS_ARN), under
/// FAKE_AWS_ROLE_PATH (default "/"; SSO roles sit under /aws-reserved/sso.amazonaws.com/REGION/).
/// Any other name is NoSuchEntity, as in IAM.
/// </summary>
internal static class Iam
{
    public static IEnumerable<AwsOperation> Operations =>
    [
        new("iam", "get-role", ["--role-name"], ["--role-name"], GetRole),
    ];

    private static AwsResponse GetRole(AwsCall call)
    {
        var name = call.Req("--role-name");
        var caller = FakeEnv.CallerArn.Split(':', 6) is [_, _, "sts", _, _, var resource] && resource.StartsWith("assumed-role/", StringComparison.Ordinal)
            ? resource.Split('/')[1]
            : null;
        if (name != caller)
            return call.ServiceError("NoSuchEntity", $"The role with name {name} cannot be found.");
        var path = FakeEnv.Get(FakeEnv.AwsRolePath) ?? "/";
        return AwsResponse.Ok(new JsonObject
        {
            ["Role"] = new JsonObject
            {
                ["Path"] = path,
                ["RoleName"] = name,
                ["RoleId"] = "AROA" + Json.StableHex(16, name).ToUpperInvariant(),
                ["Arn"] = $"arn:aws:iam::{call.Account}:role{path}{name}",
                ["CreateDate"] = "2026-01-05T09:00:00+00:00",
                ["MaxSessionDuration"] = 3600,
            },
        });
    }
}
