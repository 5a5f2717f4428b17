using System.Text.Json;
using Exchange.Fakes.Core;

namespace Exchange.Fakes.State;

/// <summary>Reads the kubectl stand-in's state ($FAKE_STATE_DIR/state.json) for assertions, and opens it for the kubectl stand-in.</summary>
public static class FakeState
{
    public const string FileName = "state.json";
    private const string LockName = "state.lock";

    /// <summary>A snapshot of the state (empty when nothing has run yet).</summary>
    public static FakeStateData Read(string stateDir)
    {
        using var gate = FileLock.Acquire(Path.Combine(stateDir, LockName));
        return Load(stateDir);
    }

    /// <summary>Locks the state until the session is disposed, which saves it if it changed.</summary>
    internal static StateSession Open(string stateDir)
    {
        Directory.CreateDirectory(stateDir);
        var gate = FileLock.Acquire(Path.Combine(stateDir, LockName));
        try
        {
            var data = Load(stateDir);
            var before = Serialize(data);
            return new StateSession(stateDir, gate, data, before);
        }
        catch
        {
            gate.Dispose();
            throw;
        }
    }

    private static FakeStateData Load(string stateDir)
    {
        var path = Path.Combine(stateDir, FileName);
        return File.Exists(path)
            ? JsonSerializer.Deserialize(File.ReadAllText(path), FakeJsonContext.Default.FakeStateData) ?? new()
            : new FakeStateData();
    }

    internal static string Serialize(FakeStateData data) =>
        JsonSerializer.Serialize(data, FakeJsonContext.Default.FakeStateData);
}

/// <summary>The state under lock for one call; saved on dispose when it changed.</summary>
internal sealed class StateSession(string stateDir, FileLock gate, FakeStateData data, string before) : IDisposable
{
    public FakeStateData Data { get; } = data;

    public void Dispose()
    {
        try
        {
            var after = FakeState.Serialize(Data);
            if (after == before)
                return;
            var path = Path.Combine(stateDir, FakeState.FileName);
            File.WriteAllText(path + ".tmp", after);
            File.Move(path + ".tmp", path, overwrite: true);
        }
        finally
        {
            gate.Dispose();
        }
    }
}
