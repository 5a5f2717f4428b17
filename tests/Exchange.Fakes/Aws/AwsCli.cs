using System.Text.Json.Nodes;
using Exchange.Fakes.Core;

namespace Exchange.Fakes.Aws;

/// <summary>The fake `aws` (CLI v2): argument checks, region and credentials, FAKE_FAIL, dispatch and output.</summary>
internal static class AwsCli
{
    public const string Version = "aws-cli/2.22.35 Python/3.12.9 Linux/6.1.0 exe/x86_64.debian.12";
    private const int UsageExit = 252;
    private const int ConfigurationExit = 253;

    private static readonly string[] GlobalOptions =
    [
        "--region", "--output", "--query", "--profile", "--endpoint-url", "--color", "--debug", "--no-cli-pager",
        "--no-paginate", "--no-verify-ssl", "--no-sign-request", "--ca-bundle", "--cli-read-timeout",
        "--cli-connect-timeout", "--cli-binary-format", "--no-cli-auto-prompt", "--max-items", "--page-size", "--starting-token",
    ];

    private static readonly HashSet<string> Flags =
    [
        "--debug", "--version", "--force-delete-without-recovery", "--dry-run", "--force", "--include-all-instances",
        "--skip-final-snapshot", "--recursive",
    ];

    private static readonly HashSet<string> ListOptions =
    [
        "--instance-ids", "--image-ids", "--repository-names", "--tag-filters", "--resource-type-filters", "--filters",
        "--names", "--tags", "--tag-keys",
    ];

    private static readonly IReadOnlyList<AwsOperation> Operations =
    [
        .. Sts.Operations, .. Iam.Operations, .. CloudFormation.Operations, .. Ecr.Operations, .. SecretsManager.Operations,
        .. Eks.Operations, .. Ec2.Operations, .. Rds.Operations, .. Logs.Operations, .. Tagging.Operations, .. Ssm.Operations,
        .. Scheduler.Operations,
    ];

    private const string Usage =
        "\nusage: aws [options] <command> <subcommand> [<subcommand> ...] [parameters]\n" +
        "To see help text, you can run:\n\n  aws help\n  aws <command> help\n  aws <command> <subcommand> help\n\n";

    public static int Run(CallContext context)
    {
        var args = CommandLine.Parse(context.Args, a => Flags.Contains(a) || a.StartsWith("--no-"), ListOptions.Contains);
        if (args.Has("--version"))
        {
            context.Out.WriteLine(Version);
            return 0;
        }
        var operation = Resolve(args, out var usageError);
        if (operation is null)
            return context.Fail(UsageExit, Usage + usageError);

        var region = args.Get("--region") ?? FakeEnv.Region;
        if (region is null)
            return context.Fail(ConfigurationExit, "You must specify a region. You can also configure your region by running \"aws configure\".");
        if (FakeEnv.IsOn(FakeEnv.AwsNoCredentials))
            return context.Fail(ConfigurationExit, "Unable to locate credentials. You can configure credentials by running \"aws configure\".");

        using var call = new AwsCall(context, args, operation, region);
        var response = FailureInjection.Match(args.CommandKey("aws")) is null ? operation.Handler(call) : Injected(call);
        return Print(context, args, response);
    }

    private static AwsOperation? Resolve(CommandLine args, out string error)
    {
        var service = args.Positional(0);
        var candidates = Operations.Where(o => o.Service == service).ToList();
        if (candidates.Count == 0)
        {
            error = service == "" ? "aws: error: the following arguments are required: command\n"
                : $"aws: error: argument command: Invalid choice, valid choices are:\n\n{string.Join('\n', Operations.Select(o => o.Service).Distinct())}\n";
            return null;
        }
        var name = string.Join(' ', args.Positionals.Skip(1));
        var operation = candidates.FirstOrDefault(o => o.Name == name);
        if (operation is null)
        {
            error = $"aws: error: argument operation: Invalid choice, valid choices are:\n\n{string.Join('\n', candidates.Select(o => o.Name))}\n";
            return null;
        }
        var unknown = args.OptionNames.Where(o => !GlobalOptions.Contains(o) && !operation.Options.Contains(o)).ToList();
        var missing = operation.Required.Where(o => !args.Has(o)).ToList();
        error = unknown.Count > 0 ? $"Unknown options: {string.Join(", ", unknown)}\n"
            : missing.Count > 0 ? $"aws: error: the following arguments are required: {string.Join(", ", missing)}\n"
            : "";
        return error == "" ? operation : null;
    }

    /// <summary>FAKE_FAIL: waiters give up (255); everything else is denied by IAM (254).</summary>
    private static AwsResponse Injected(AwsCall call)
    {
        var op = call.Operation;
        if (op.Name.StartsWith("wait "))
            return call.WaiterFailed(op.ApiName);
        var (prefix, code) = op.Service switch
        {
            "ec2" => ("ec2", "UnauthorizedOperation"),
            "sts" or "cloudformation" or "rds" => (op.Service, "AccessDenied"),
            "resourcegroupstaggingapi" => ("tag", "AccessDeniedException"),
            _ => (op.Service, "AccessDeniedException"),
        };
        return call.ServiceError(code,
            $"User: {FakeEnv.CallerArn} is not authorized to perform: {prefix}:{op.ApiName} because no identity-based policy allows the {prefix}:{op.ApiName} action");
    }

    private static int Print(CallContext context, CommandLine args, AwsResponse response)
    {
        switch (response)
        {
            case AwsResponse.Error e:
                return context.Fail(e.Exit, e.Stderr);
            case AwsResponse.RawText t:
                context.Out.Write(t.Value);
                return 0;
        }
        var body = ((AwsResponse.JsonBody)response).Body;
        var query = args.Get("--query");
        if (query is null && body is JsonObject { Count: 0 })
            return 0;
        try
        {
            var result = query is null ? body : JmesPath.Search(body, query);
            context.Out.Write((args.Get("--output") ?? FakeEnv.Get("AWS_DEFAULT_OUTPUT") ?? "json") switch
            {
                "text" or "table" => AwsText.Format(result),
                "yaml" or "yaml-stream" => Yaml.Write(result),
                _ => Json.Aws(result) + "\n",
            });
            return 0;
        }
        catch (FormatException e)
        {
            return context.Fail(UsageExit, $"\nBad value for --query {query}: {e.Message}\n");
        }
    }
}
