using System.Text;
using System.Text.Json;
using Exchange.Fakes.Core;

namespace Exchange.Fakes.State;

/// <summary>stdin as the call log keeps it: size and hash, never the content.</summary>
public sealed record StdinRecord(long Bytes, string Sha256);

/// <summary>A Secret that went through `kubectl apply` stdin: its keys and the sha256 of each decoded value.</summary>
public sealed record SecretRecord(string Name, string Namespace, IReadOnlyList<string> Keys,
    IReadOnlyDictionary<string, string> ValueSha256);

/// <summary>One line of calls.jsonl.</summary>
public sealed record FakeCall(string Tool, IReadOnlyList<string> Args,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)] StdinRecord? Stdin,
    int Exit, DateTimeOffset Time,
    IReadOnlyList<SecretRecord>? Secrets = null)
{
    /// <summary>"tool arg1 arg2 ..." for readable assertions.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string CommandLine => string.Join(' ', new[] { Tool }.Concat(Args));
}

/// <summary>
/// Reads and appends the call log, $FAKE_STATE_DIR/calls.jsonl: one JSON object a line from the kubectl
/// stand-in, and one record a line from the recording shims of the real aws and cdk (RS, then the tool and
/// each argument followed by US; they record what was called, not how it ended).
/// </summary>
public static class FakeCalls
{
    public const string FileName = "calls.jsonl";

    public static IReadOnlyList<FakeCall> Read(string stateDir)
    {
        var path = Path.Combine(stateDir, FileName);
        if (!File.Exists(path))
            return [];
        using var gate = FileLock.Acquire(path + ".lock");
        return Entries(File.ReadAllText(path))
            .Select(entry => entry[0] == Record ? Shim(entry) : JsonSerializer.Deserialize(entry, FakeJsonContext.Default.FakeCall)!)
            .ToList();
    }

    /// <summary>
    /// The log's entries: a JSON object ends at its line's end; a shim's record ends at the unit separator its last field ends
    /// with and the line's end, so an argument may itself hold newlines (a script sent to SSM one line per command).
    /// </summary>
    private static IEnumerable<string> Entries(string text)
    {
        for (var at = 0; at < text.Length;)
        {
            if (text[at] == '\n') { at++; continue; }
            var end = text[at] == Record ? text.IndexOf(Unit + "\n", at, StringComparison.Ordinal) : text.IndexOf('\n', at);
            end = end < 0 ? text.Length : text[at] == Record ? end + 1 : end;
            yield return text[at..end];
            at = end + 1;
        }
    }

    private const char Record = '\u001e', Unit = '\u001f';

    private static FakeCall Shim(string line)
    {
        var fields = line[1..].Split(Unit);
        return new FakeCall(fields[0], fields[1..^1], null, Exit: -1, DateTimeOffset.MinValue);
    }

    internal static void Append(string stateDir, FakeCall call)
    {
        var path = Path.Combine(stateDir, FileName);
        var line = JsonSerializer.Serialize(call, FakeJsonContext.Default.FakeCall) + "\n";
        using var gate = FileLock.Acquire(path + ".lock");
        File.AppendAllText(path, line, Encoding.UTF8);
    }
}
