using System.Text.Json;
using Exchange.Fakes.Core;

namespace Exchange.Fakes.State;

/// <summary>Reads the fakes' state ($FAKE_STATE_DIR/state.json) for assertions, and opens it for the fakes.</summary>
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
            LeftoverSeeds.Apply(data);
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

/// <summary>FAKE_LEFTOVER_*: resources a previous environment left behind, seeded once each.</summary>
internal static class LeftoverSeeds
{
    public static void Apply(FakeStateData data)
    {
        foreach (var name in FakeEnv.List(FakeEnv.LeftoverLogGroups))
            if (Once(data, "loggroup:" + name))
                data.LogGroups[name] = new LogGroupState(name, DateTimeOffset.UtcNow.AddDays(-3).ToUnixTimeMilliseconds(), 2048);

        foreach (var entry in FakeEnv.List(FakeEnv.LeftoverLoadBalancers))
        {
            // "arn" or "arn|Key=Value,Key2=Value2"
            var parts = entry.Split('|', 2);
            if (!Once(data, "loadbalancer:" + parts[0]))
                continue;
            data.TaggedResources[parts[0]] = parts.Length == 2 ? ParseTags(parts[1]) : DefaultLoadBalancerTags(data);
        }
    }

    private static bool Once(FakeStateData data, string key)
    {
        if (data.AppliedSeeds.Contains(key))
            return false;
        data.AppliedSeeds.Add(key);
        return true;
    }

    private static Dictionary<string, string> ParseTags(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "");

    /// <summary>The tags the AWS Load Balancer Controller puts on what it creates for a Service.</summary>
    private static Dictionary<string, string> DefaultLoadBalancerTags(FakeStateData data)
    {
        var cluster = data.Clusters.Keys.FirstOrDefault() ?? "exchange-dev";
        return new()
        {
            ["elbv2.k8s.aws/cluster"] = cluster,
            [$"kubernetes.io/cluster/{cluster}"] = "owned",
            ["service.k8s.aws/resource"] = "LoadBalancer",
        };
    }
}
