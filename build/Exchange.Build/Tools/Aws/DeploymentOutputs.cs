using System.Text.Json;
using Exchange.Contracts;

namespace Exchange.Build.Aws;

/// <summary>
/// The stacks' outputs as <c>cdk deploy --outputs-file</c> writes them: { stack: { outputKey: value } }.
/// Typed access goes through <see cref="Outputs"/>, the contract the CDK app declares them by.
/// </summary>
public sealed class DeploymentOutputs
{
    private readonly Dictionary<string, Dictionary<string, string>> _byStack;

    public DeploymentOutputs(EnvironmentNames names, Dictionary<string, Dictionary<string, string>> byStack)
    {
        Names = names;
        _byStack = byStack;
    }

    public EnvironmentNames Names { get; }
    public string Source { get; init; } = "memory";

    public string this[StackOutput output] => TryGet(output) ?? throw new MissingOutputException(Names.Stack(output.Stack), output.Key, Source);

    public string? TryGet(StackOutput output) =>
        _byStack.TryGetValue(Names.Stack(output.Stack), out var outputs) && outputs.TryGetValue(output.Key, out var value) ? value : null;

    public static DeploymentOutputs Parse(EnvironmentNames names, string json, string source)
    {
        var parsed = JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, string>>>(json)
                     ?? throw new InvalidDataException($"{source} is empty.");
        return new DeploymentOutputs(names, parsed) { Source = source };
    }

    public static DeploymentOutputs? Load(EnvironmentNames names, string path) =>
        File.Exists(path) ? Parse(names, File.ReadAllText(path), path) : null;

    /// <summary>Builds the same shape from <c>aws cloudformation describe-stacks</c> answers.</summary>
    public static DeploymentOutputs FromStackDescriptions(EnvironmentNames names, IEnumerable<JsonElement> stacks)
    {
        var byStack = new Dictionary<string, Dictionary<string, string>>();
        foreach (var stack in stacks)
        {
            var outputs = new Dictionary<string, string>();
            if (stack.TryGetProperty("Outputs", out var list))
                foreach (var o in list.EnumerateArray())
                    outputs[o.GetProperty("OutputKey").GetString()!] = o.GetProperty("OutputValue").GetString() ?? "";
            byStack[stack.GetProperty("StackName").GetString()!] = outputs;
        }
        return new DeploymentOutputs(names, byStack) { Source = "aws cloudformation describe-stacks" };
    }

    /// <summary>
    /// The outputs in a fixed order (stacks, then keys): cdk writes the stacks in the order they finished, so two deploys
    /// with the same outputs can write different files. What the artifacts bucket's copy is compared by.
    /// </summary>
    public static string Canonical(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, string>>>(json) is { } parsed
            ? string.Join('\n', parsed.OrderBy(s => s.Key, StringComparer.Ordinal)
                .SelectMany(s => s.Value.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{s.Key}.{o.Key}={o.Value}")))
            : json;

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Files.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(_byStack, new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>The registry host of a repository URI (what docker login needs).</summary>
    public static string RegistryOf(string repositoryUri) => repositoryUri.Split('/', 2)[0];

    /// <summary>The repository name of a repository URI (what the ECR API calls it).</summary>
    public static string RepositoryNameOf(string repositoryUri) => repositoryUri.Split('/', 2)[1];
}

public sealed class MissingOutputException(string stack, string key, string source)
    : Exception($"Output '{key}' of stack '{stack}' is missing from {source}. " +
                "Deploy the infrastructure first (--target=DeployInfra), or check that the stack deployed completely.");
