namespace Exchange.Build.Settings;

/// <summary>Arguments and environment as the build sees them (Cake in production, dictionaries in tests).</summary>
public interface IBuildInputs
{
    /// <summary>The value of <c>--name=value</c>; "true" for a bare <c>--name</c>; null when absent.</summary>
    string? Argument(string name);
    string? Environment(string name);
}

public sealed class DictionaryInputs(
    IReadOnlyDictionary<string, string>? arguments = null,
    IReadOnlyDictionary<string, string>? environment = null) : IBuildInputs
{
    public string? Argument(string name) => arguments?.GetValueOrDefault(name);
    public string? Environment(string name) => environment?.GetValueOrDefault(name);
}
