namespace Exchange.Fakes.Core;

/// <summary>FAKE_FAIL: semicolon-separated prefixes of "tool positional..." whose calls fail.</summary>
public static class FailureInjection
{
    /// <summary>The FAKE_FAIL entry matching this call (whole words), or null.</summary>
    public static string? Match(string commandKey) =>
        FakeEnv.List(FakeEnv.Fail).FirstOrDefault(prefix =>
            commandKey == prefix || commandKey.StartsWith(prefix + " ", StringComparison.Ordinal));
}
