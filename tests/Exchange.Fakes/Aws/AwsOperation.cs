using System.Text.Json.Nodes;
using Exchange.Fakes.Core;
using Exchange.Fakes.State;

namespace Exchange.Fakes.Aws;

/// <summary>One `aws SERVICE OPERATION` the fake supports: its own options (beyond the global ones) and which are required.</summary>
internal sealed record AwsOperation(string Service, string Name, string[] Options, string[] Required,
    Func<AwsCall, AwsResponse> Handler, string? Api = null)
{
    /// <summary>The API operation (or waiter) name used in messages: describe-stacks -> DescribeStacks.</summary>
    public string ApiName => Api ?? string.Concat(Name.Split(' ').Last().Split('-').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
}

/// <summary>What an operation answers: a JSON document (subject to --query/--output), raw text, or an error.</summary>
internal abstract record AwsResponse
{
    public static AwsResponse Ok(JsonNode? body) => new JsonBody(body);
    public static AwsResponse Text(string text) => new RawText(text);
    public static AwsResponse Failure(int exit, string stderr) => new Error(exit, stderr);

    /// <summary>A successful call whose response has no body (the CLI prints nothing).</summary>
    public static AwsResponse Empty() => new RawText("");

    public sealed record JsonBody(JsonNode? Body) : AwsResponse;
    public sealed record RawText(string Value) : AwsResponse;
    public sealed record Error(int Exit, string Stderr) : AwsResponse;
}

/// <summary>One aws call: parsed arguments, region, identity and the state under lock (opened on first use).</summary>
internal sealed class AwsCall(CallContext context, CommandLine args, AwsOperation operation, string region) : IDisposable
{
    public const int ServiceErrorExit = 254;
    public const int OtherErrorExit = 255;

    private StateSession? session;

    public CallContext Context { get; } = context;
    public CommandLine Args { get; } = args;
    public AwsOperation Operation { get; } = operation;
    public string Region { get; } = region;
    public string Account => FakeEnv.Account;

    public FakeStateData State => (session ??= FakeState.Open(Context.StateDir)).Data;

    public string? Opt(string name) => Args.Get(name);

    /// <summary>A required option (the CLI already rejected the call if it is missing).</summary>
    public string Req(string name) => Args.Get(name) ?? "";

    public IReadOnlyList<string> List(string name) =>
        Args.GetAll(name).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToList();

    /// <summary>"An error occurred (Code) when calling the Operation operation: message", exit 254.</summary>
    public AwsResponse ServiceError(string code, string message) =>
        AwsResponse.Failure(ServiceErrorExit,
            $"\nAn error occurred ({code}) when calling the {Operation.ApiName} operation: {message}\n");

    /// <summary>The real waiter failure (exit 255).</summary>
    public AwsResponse WaiterFailed(string waiterName) =>
        AwsResponse.Failure(OtherErrorExit, $"\nWaiter {waiterName} failed: Max attempts exceeded\n");

    public void Dispose() => session?.Dispose();
}
