using Cake.Core;

namespace Exchange.Build.Settings;

/// <summary>Cake's arguments and environment behind <see cref="IBuildInputs"/>.</summary>
public sealed class CakeInputs(ICakeContext context) : IBuildInputs
{
    public string? Argument(string name) =>
        context.Arguments.HasArgument(name) ? context.Arguments.GetArgument(name) ?? string.Empty : null;

    public string? Environment(string name) => context.Environment.GetEnvironmentVariable(name);
}
