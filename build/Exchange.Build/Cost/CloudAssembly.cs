using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Exchange.Build.Cost;

/// <summary>One stack's CloudFormation template, as mutable JSON (configuration options patch a copy).</summary>
public sealed record StackTemplate(string Name, JsonObject Template)
{
    public JsonObject Resources => Template["Resources"] as JsonObject ?? (JsonObject)(Template["Resources"] = new JsonObject());
}

/// <summary>A resource of a template; <see cref="Siblings"/> resolves <c>Ref</c>s inside the same stack.</summary>
public sealed record TemplateResource(string Stack, string LogicalId, string Type, JsonObject Properties, JsonObject Siblings)
{
    public JsonObject? Sibling(JsonNode? reference) =>
        reference is JsonObject { Count: 1 } o && o["Ref"]?.GetValue<string>() is { } id ? Siblings[id] as JsonObject : null;
}

/// <summary>
/// The synthesized cloud assembly (manifest.json and the stack templates it lists), read with
/// System.Text.Json only: no CDK needed to price it.
/// </summary>
public sealed class CloudAssembly
{
    private CloudAssembly(IReadOnlyList<StackTemplate> stacks) => Stacks = stacks;

    public IReadOnlyList<StackTemplate> Stacks { get; }

    public static CloudAssembly Load(string directory)
    {
        var manifestFile = Path.Combine(directory, "manifest.json");
        if (!File.Exists(manifestFile))
            throw new FileNotFoundException($"No cloud assembly at {directory} (manifest.json is missing): run --target=Synth first.", manifestFile);
        var artifacts = JsonNode.Parse(File.ReadAllText(manifestFile))?["artifacts"] as JsonObject ?? [];
        var stacks = artifacts
            .Where(a => a.Value?["type"]?.GetValue<string>() == "aws:cloudformation:stack")
            .Select(a => new StackTemplate(
                a.Value!["properties"]?["stackName"]?.GetValue<string>() ?? a.Key,
                ParseTemplate(Path.Combine(directory, a.Value!["properties"]?["templateFile"]?.GetValue<string>() ?? a.Key + ".template.json"))))
            .ToArray();
        return new CloudAssembly(stacks);
    }

    public static CloudAssembly FromTemplates(params (string Stack, string Json)[] templates) =>
        new(templates.Select(t => new StackTemplate(t.Stack, (JsonObject)JsonNode.Parse(t.Json)!)).ToArray());

    /// <summary>A deep copy to patch without touching this one.</summary>
    public CloudAssembly Clone() => new(Stacks.Select(s => s with { Template = (JsonObject)s.Template.DeepClone() }).ToArray());

    public IEnumerable<TemplateResource> Resources =>
        from stack in Stacks
        from entry in stack.Resources
        let body = entry.Value as JsonObject
        where body is not null
        select new TemplateResource(stack.Name, entry.Key, body["Type"]?.GetValue<string>() ?? "(no type)",
            body["Properties"] as JsonObject ?? [], stack.Resources);

    /// <summary>
    /// The sleep schedule the CDK app put on its AWS::Scheduler::Schedule resources (metadata
    /// <c>ExchangeSleepSchedule</c>), or null when the assembly has none: then it never sleeps on its own.
    /// </summary>
    public Exchange.Contracts.SleepSchedule? SleepSchedule =>
        Stacks.SelectMany(s => s.Resources)
            .Select(r => r.Value as JsonObject)
            .Where(r => r?["Type"]?.GetValue<string>() == "AWS::Scheduler::Schedule")
            .Select(r => Literal.String(r!["Metadata"]?[Exchange.Contracts.SleepSchedule.MetadataKey]))
            .OfType<string>()
            .Select(Exchange.Contracts.SleepSchedule.FromJson)
            .FirstOrDefault();

    private static JsonObject ParseTemplate(string file) =>
        JsonNode.Parse(File.ReadAllText(file)) as JsonObject ?? throw new InvalidDataException($"{file} is not a JSON object.");
}

/// <summary>Literal values of template properties; an intrinsic function (Ref, Fn::*) reads as null.</summary>
public static class Literal
{
    public static string? String(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>A number, or a string holding one (CloudFormation accepts "20"); parsed or built in memory alike.</summary>
    public static decimal? Number(JsonNode? node) => node switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => decimal.Parse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture),
        JsonValue v when v.TryGetValue<string>(out var s)
            && decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => null,
    };

    public static bool? Bool(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<string>(out var s) && bool.TryParse(s, out var parsed) => parsed,
        _ => null,
    };

    public static IReadOnlyList<string> Strings(JsonNode? node) =>
        node is JsonArray a ? a.Select(String).OfType<string>().ToArray() : [];
}
