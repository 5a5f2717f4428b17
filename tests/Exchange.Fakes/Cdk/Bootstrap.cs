using Exchange.Fakes.Core;
using Exchange.Fakes.State;

namespace Exchange.Fakes.Cdk;

/// <summary>`cdk bootstrap [aws://ACCOUNT/REGION...]`: records the CDKToolkit stack that deploys require.</summary>
internal static class Bootstrap
{
    /// <summary>The bootstrap template version of aws-cdk CLI 2.1148 (its Outputs.BootstrapVersion).</summary>
    public const int Version = 32;
    public const string DefaultToolkitStack = "CDKToolkit";
    private const string Qualifier = "hnb659fds";

    public static int Run(CdkCall call)
    {
        var stackName = call.Args.Get("--toolkit-stack-name") ?? DefaultToolkitStack;
        using var session = FakeState.Open(call.Context.StateDir);
        foreach (var (account, region) in Environments(call))
        {
            var name = $"aws://{account}/{region}";
            call.Console.Info($" ⏳  Bootstrapping environment {name}...");
            call.RequireCredentials(account);
            var existing = session.Data.Stacks.GetValueOrDefault(stackName);
            if (existing is null)
            {
                call.Console.Info("Trusted accounts for deployment: (none)");
                call.Console.Info("Trusted accounts for lookup: (none)");
                call.Console.Info("Using default execution policy of 'arn:aws:iam::aws:policy/AdministratorAccess'. " +
                                  "Pass '--cloudformation-execution-policies' to customize.");
                call.Console.Info($"{stackName}: creating CloudFormation changeset...");
                session.Data.Stacks[stackName] = ToolkitStack(stackName, account, region);
            }
            call.Console.Info(existing is null ? $" ✅  Environment {name} bootstrapped." : $" ✅  Environment {name} bootstrapped (no changes).");
        }
        return 0;
    }

    /// <summary>Deploys need the toolkit stack when they use the bootstrap roles or assets, with the CLI's messages.</summary>
    public static void Require(FakeStateData state, StackArtifact stack, string account, string region)
    {
        if (state.Stacks.Values.Any(s => s.StackName == DefaultToolkitStack && s.Region == region))
            return;
        if (stack.RequiresBootstrapVersion)
            throw new CdkException($"❌  {stack.DisplayName} failed: {stack.DisplayName}: SSM parameter /cdk-bootstrap/{Qualifier}/version not found. " +
                                   "Has the environment been bootstrapped? Please run 'cdk bootstrap' " +
                                   "(see https://docs.aws.amazon.com/cdk/latest/guide/bootstrapping.html)");
        if (stack.HasAssets)
            throw new CdkException($"❌  {stack.DisplayName} failed: {stack.DisplayName}: This stack uses assets, so the toolkit stack must be " +
                                   $"deployed to the environment (Run \"cdk bootstrap aws://{account}/{region}\")");
    }

    /// <summary>aws://ACCOUNT/REGION arguments, else the environments of the app's stacks, else the default environment.</summary>
    private static IEnumerable<(string Account, string Region)> Environments(CdkCall call)
    {
        var given = call.StackPatterns.Where(p => p.StartsWith("aws://")).Select(p => p["aws://".Length..].Split('/')).ToList();
        if (given.Count > 0)
            return given.Select(p => (p[0], p.Length > 1 ? p[1] : FakeEnv.Region ?? "us-east-1")).Distinct();
        if (call.Args.Has("--app", "-a"))
            return call.Assembly().Stacks.Select(call.Environment).Distinct();
        return [(FakeEnv.Account, FakeEnv.Region ?? "us-east-1")];
    }

    private static StackState ToolkitStack(string stackName, string account, string region)
    {
        var stack = new StackContext(stackName, region, account, []);
        return new StackState
        {
            StackName = stackName, StackId = stack.StackId, Status = "CREATE_COMPLETE", TemplateSha256 = $"bootstrap-v{Version}",
            Region = region, CreationTime = DateTimeOffset.UtcNow,
            Outputs =
            [
                new("BucketName", $"cdk-{Qualifier}-assets-{account}-{region}", "The name of the S3 bucket owned by the CDK toolkit stack", null),
                new("BucketDomainName", $"cdk-{Qualifier}-assets-{account}-{region}.s3.{region}.amazonaws.com",
                    "The domain name of the S3 bucket owned by the CDK toolkit stack", null),
                new("ImageRepositoryName", $"cdk-{Qualifier}-container-assets-{account}-{region}",
                    "The name of the ECR repository which hosts docker image assets", null),
                new("BootstrapVersion", Version.ToString(), "The version of the bootstrap resources that are currently mastered in this stack", null),
            ],
        };
    }
}
