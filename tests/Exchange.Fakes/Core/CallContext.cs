namespace Exchange.Fakes.Core;

/// <summary>One invocation of a fake: its arguments, streams, stdin record and what goes into the call log.</summary>
public sealed class CallContext(string tool, IReadOnlyList<string> args, string stateDir)
{
    public string Tool { get; } = tool;
    public IReadOnlyList<string> Args { get; } = args;
    public string StateDir { get; } = stateDir;
    public TextWriter Out { get; } = Console.Out;
    public TextWriter Err { get; } = Console.Error;

    /// <summary>Size and hash of stdin when the command read it; the content never reaches disk.</summary>
    public State.StdinRecord? Stdin { get; private set; }

    /// <summary>Secrets that passed through stdin: names, keys and value hashes for the call log.</summary>
    public List<State.SecretRecord> Secrets { get; } = [];

    public string Path(string file) => System.IO.Path.Combine(StateDir, file);

    public byte[] ReadStdin()
    {
        using var buffer = new MemoryStream();
        using (var stdin = Console.OpenStandardInput())
            stdin.CopyTo(buffer);
        var bytes = buffer.ToArray();
        Stdin = new State.StdinRecord(bytes.Length, Json.Sha256(bytes));
        return bytes;
    }

    /// <summary>Writes to stderr and returns the exit code, for one-line failure paths.</summary>
    public int Fail(int exit, string message)
    {
        Err.Write(message.EndsWith('\n') ? message : message + "\n");
        return exit;
    }
}
