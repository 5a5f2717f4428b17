using System.Text.Json.Nodes;
using Exchange.Fakes.Core;

namespace Exchange.Fakes.Aws;

/// <summary>`aws sts get-caller-identity`: the identity from FAKE_AWS_ACCOUNT / FAKE_AWS_ARN.</summary>
internal static class Sts
{
    public static IEnumerable<AwsOperation> Operations =>
    [
        new("sts", "get-caller-identity", [], [], GetCallerIdentity),
    ];

    private static AwsResponse GetCallerIdentity(AwsCall call) => AwsResponse.Ok(new JsonObject
    {
        ["UserId"] = "AROA" + Json.StableHex(16, FakeEnv.CallerArn).ToUpperInvariant() + ":" + FakeEnv.CallerArn.Split('/').Last(),
        ["Account"] = call.Account,
        ["Arn"] = FakeEnv.CallerArn,
    });
}
