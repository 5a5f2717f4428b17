using System.Text.Json.Nodes;
using Exchange.Fakes.Core;

namespace Exchange.Fakes.Cdk;

/// <summary>The fake `cdk` (CLI 2.1148.1): synth goes to the real CLI; deploy, diff, destroy, list and bootstrap act on state.</summary>
internal static class CdkCli
{
    public const string Version = "2.1148.1 (build 0a1b2c3)";

    private static readonly HashSet<string> Flags =
    [
        "--all", "--ci", "--exclusively", "-e", "--force", "-f", "--fail", "--verbose", "-v", "--json", "-j", "--long", "-l",
        "--debug", "--quiet", "-q", "--strict", "--trace", "--lookups", "--ignore-errors", "--hotswap", "--hotswap-fallback",
        "--watch", "--show-dependencies", "-d", "--version", "--help", "-h", "--yes", "-y",
    ];

    public static int Run(CallContext context)
    {
        var args = CommandLine.Parse(context.Args, a => Flags.Contains(a) || a.StartsWith("--no-"));
        if (args.Has("--version"))
        {
            context.Out.WriteLine(Version);
            return 0;
        }
        var command = args.Positional(0);
        if (command is "synth" or "synthesize")
            return Delegation.Exec(FakeEnv.RealCdk, "cdk", context.Args);

        var call = new CdkCall(context, args);
        try
        {
            if (FailureInjection.Match(args.CommandKey("cdk")) is not null)
                throw new CdkException(command == "deploy"
                    ? $"❌  {call.StackPatterns.FirstOrDefault() ?? "Deployment"} failed: Error: The stack failed to deploy: UPDATE_ROLLBACK_COMPLETE: " +
                      "Resource handler returned message: \"Rate exceeded (Service: CloudFormation, Status Code: 400)\""
                    : "ExpiredToken: The security token included in the request is expired");
            return command switch
            {
                "deploy" => Deploy.Run(call),
                "diff" => Diff.Run(call),
                "destroy" => Destroy.Run(call),
                "list" or "ls" => List(call),
                "bootstrap" => Bootstrap.Run(call),
                _ => throw new CdkException(command == "" ? "You must specify a command" : $"Unknown command: {command}"),
            };
        }
        catch (CdkException e)
        {
            call.Console.Error(e.Message);
            return 1;
        }
    }

    private static int List(CdkCall call)
    {
        var stacks = call.StackPatterns.Count == 0
            ? call.Assembly().Stacks
            : call.Assembly().Select(call.StackPatterns, all: false, Extend.None);
        foreach (var stack in stacks)
            call.Console.Result(stack.DisplayName);
        return 0;
    }
}

/// <summary>Where the CLI writes: results to stdout, errors to stderr, everything else to stderr (stdout under CI).</summary>
internal sealed class CdkConsole(CallContext context, bool ci)
{
    public void Info(string text) => (ci ? context.Out : context.Err).WriteLine(text);
    public void Result(string text) => context.Out.WriteLine(text);
    public void Error(string text) => context.Err.WriteLine(text);
}

/// <summary>One cdk command: its arguments, console and cloud assembly, and the environment each stack deploys to.</summary>
internal sealed class CdkCall(CallContext context, CommandLine args)
{
    private CloudAssembly? assembly;

    public CallContext Context { get; } = context;
    public CommandLine Args { get; } = args;
    public CdkConsole Console { get; } = new(context, args.Flag("--ci") || FakeEnv.Get("CI") is { } ci && ci != "false" && ci != "0");
    public IReadOnlyList<string> StackPatterns => Args.Positionals.Skip(1).ToList();

    /// <summary>--app DIR (a synthesized assembly), else cdk.json's output directory (default cdk.out).</summary>
    public CloudAssembly Assembly() => assembly ??= CloudAssembly.Load(Args.Get("--app", "-a") ?? DefaultOutput());

    /// <summary>The stack's account and region: pinned in the manifest, else the credentials' account and the configured region.</summary>
    public (string Account, string Region) Environment(StackArtifact stack)
    {
        var parts = stack.Environment.Replace("aws://", "").Split('/');
        var account = parts[0] is "unknown-account" or "" ? FakeEnv.Account : parts[0];
        var region = parts.Length < 2 || parts[1] is "unknown-region" or "" ? FakeEnv.Region ?? FakeEnv.Get("CDK_DEFAULT_REGION") ?? "us-east-1" : parts[1];
        return (account, region);
    }

    /// <summary>The credential checks the CLI makes before any AWS call for an account.</summary>
    public void RequireCredentials(string account)
    {
        if (FakeEnv.IsOn(FakeEnv.AwsNoCredentials))
            throw new CdkException($"Need to perform AWS calls for account {account}, but no credentials have been configured");
        if (account != FakeEnv.Account)
            throw new CdkException($"Need to perform AWS calls for account {account}, but the current credentials are for {FakeEnv.Account}");
    }

    private string DefaultOutput()
    {
        var cdkJson = Path.Combine(System.Environment.CurrentDirectory, "cdk.json");
        var output = File.Exists(cdkJson) ? Json.Str(JsonNode.Parse(File.ReadAllText(cdkJson)), "output") : null;
        return Path.Combine(System.Environment.CurrentDirectory, output ?? "cdk.out");
    }
}
