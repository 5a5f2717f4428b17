using Cake.Core;

namespace Exchange.Build.Settings;

/// <summary>Cake's arguments and environment behind <see cref="IBuildInputs"/>.</summary>
public sealed class CakeInputs(ICakeContext context) : IBuildInputs
{
    public string? Argument(string name) =>
        context.Arguments.HasArgument(name) ? context.Arguments.GetArgument(name) ?? string.Empty : null;

    public string? Environment(string name) => context.Environment.GetEnvironmentVariable(name);

    /// <summary>The --names given that no part of the build understands (a typo would otherwise be ignored).</summary>
    public IReadOnlyList<string> Unknown() =>
        context.Arguments.GetArguments().Keys.Where(k => !ArgumentNames.All.Contains(k) && !CakeOwn.Contains(k))
            .Order(StringComparer.Ordinal).ToArray();

    /// <summary>Cake options that reach the argument list anyway (build.sh passes the first).</summary>
    private static readonly HashSet<string> CakeOwn = new(StringComparer.OrdinalIgnoreCase) { "invalidate-script-cache", "debug", "info" };
}
