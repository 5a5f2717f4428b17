namespace Exchange.Fakes.Core;

/// <summary>Every environment variable the kubectl stand-in reads: the one place that names them.</summary>
public static class FakeEnv
{
    /// <summary>Required: directory holding state.json, calls.jsonl and the lock files.</summary>
    public const string StateDir = "FAKE_STATE_DIR";
    /// <summary>"kubectl positional..." prefixes (options removed) of calls that fail like the real CLI.</summary>
    public const string Fail = "FAKE_FAIL";
    /// <summary>Workload name whose `kubectl rollout status` times out.</summary>
    public const string RolloutFail = "FAKE_ROLLOUT_FAIL";
    /// <summary>"CHECK:MESSAGE": a Job of the connectivity checker's image fails that check with that message (by default every check passes).</summary>
    public const string CheckFail = "FAKE_CHECK_FAIL";
    /// <summary>Path of the real kubectl that `kubectl kustomize|config|version` delegate to.</summary>
    public const string RealKubectl = "FAKE_REAL_KUBECTL";

    public static string? Get(string name)
    {
        var value = Environment.GetEnvironmentVariable(name);
        return string.IsNullOrEmpty(value) ? null : value;
    }

    public static IReadOnlyList<string> List(string name) =>
        (Get(name) ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>AWS_REGION, then AWS_DEFAULT_REGION (the real CLI's order), or null.</summary>
    public static string? Region => Get("AWS_REGION") ?? Get("AWS_DEFAULT_REGION");

    public static string RequireStateDir() =>
        Get(StateDir) ?? throw new FakeSetupException(
            $"{StateDir} is not set. The kubectl stand-in keeps its state there; " +
            "set it to a directory (FakeToolbox.Install writes shims that set it).");
}

/// <summary>The stand-in itself is misconfigured (not the simulated CLI failing): exit 97 with a clear message.</summary>
public sealed class FakeSetupException(string message) : Exception(message);
