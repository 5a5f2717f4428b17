using System.Text.Json;
using Exchange.Build.Processes;

namespace Exchange.Build.Aws;

/// <summary>
/// Answers a run may reuse instead of asking AWS again. A no-op DeployDev used to describe the same stack, image and
/// secret several times (Bootstrap, the pause check, the leftover checks, PushImages, ApplyK8s, the checker, Verify):
/// each is now asked once per run, as long as nothing could have changed it.
/// <list type="bullet">
/// <item>Only settled answers are kept: a stack in a *_COMPLETE state (one still in progress is asked again, so a wait
/// sees it move), an image that exists (a push only adds), a secret's value.</item>
/// <item>Any call that changes something (not describe-, get-, list-) forgets them all, and so does every cdk run
/// (<see cref="ForgetReads"/>): after a write, the next read asks AWS.</item>
/// </list>
/// </summary>
public sealed partial class AwsCli
{
    private readonly Dictionary<string, ProcessResult> _reads = new(StringComparer.Ordinal);
    private readonly Lock _readsGate = new();

    /// <summary>The calls whose settled answers are kept, and what makes an answer settled.</summary>
    private static readonly Dictionary<string, Func<string, bool>> Reusable = new(StringComparer.Ordinal)
    {
        ["cloudformation describe-stacks"] = SettledStack,
        ["ecr describe-images"] = _ => true, // only answered when the image exists (else ImageNotFoundException)
        ["secretsmanager get-secret-value"] = _ => true,
    };

    private static readonly string[] ReadVerbs = ["describe-", "get-", "list-", "--version", "wait"];

    /// <summary>Forget every kept answer (something outside this class, like cdk, may have changed AWS).</summary>
    public void ForgetReads()
    {
        lock (_readsGate) _reads.Clear();
    }

    /// <summary>How many calls were answered from what this run already knew.</summary>
    public int ReusedReads { get; private set; }

    private static string Operation(CommandLine command) =>
        command.Arguments.Count >= 2 ? $"{command.Arguments[0].Value} {command.Arguments[1].Value}" : "";

    /// <summary>Calls that change nothing in AWS although their verb says so: update-kubeconfig writes the local kubeconfig.</summary>
    private static readonly string[] LocalOnly = ["eks update-kubeconfig"];

    private static bool IsRead(CommandLine command) =>
        command.Arguments.Count < 2 || ReadVerbs.Any(v => command.Arguments[1].Value.StartsWith(v, StringComparison.Ordinal))
                                    || LocalOnly.Contains(Operation(command), StringComparer.Ordinal);

    /// <summary>The kept answer to <paramref name="command"/>, if any; a changing call forgets them all.</summary>
    private ProcessResult? Recall(CommandLine command)
    {
        lock (_readsGate)
        {
            if (!IsRead(command))
            {
                _reads.Clear();
                return null;
            }
            if (!_reads.TryGetValue(Key(command), out var kept)) return null;
            ReusedReads++;
            return kept;
        }
    }

    private void Keep(CommandLine command, ProcessResult result)
    {
        if (!result.Succeeded || !Reusable.TryGetValue(Operation(command), out var settled) || !settled(result.StandardOutput)) return;
        lock (_readsGate) _reads[Key(command)] = result;
    }

    private static string Key(CommandLine command) => string.Join('\u001f', command.Values);

    private static bool SettledStack(string output)
    {
        try
        {
            using var json = JsonDocument.Parse(output);
            return json.RootElement.GetProperty("Stacks").EnumerateArray()
                .All(s => s.GetProperty("StackStatus").GetString() is { } status && status.EndsWith("_COMPLETE", StringComparison.Ordinal)
                          && !status.Contains("IN_PROGRESS", StringComparison.Ordinal));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }
}
