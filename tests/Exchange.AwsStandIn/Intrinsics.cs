using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Exchange.AwsStandIn;

/// <summary>A value CloudFormation could not work out (an unknown intrinsic, a missing export).</summary>
public sealed class UnresolvableException(string message) : Exception(message);

/// <summary>A template being deployed into a stack: where it goes, its parameters, and what its resources are called.</summary>
public sealed class StackContext(Cloud cloud, string stackName, string stackId, JsonObject template, IReadOnlyDictionary<string, string> parameters)
{
    public Cloud Cloud { get; } = cloud;
    public string StackName { get; } = stackName;
    public string StackId { get; } = stackId;
    public JsonObject Template { get; } = template;
    public IReadOnlyDictionary<string, string> Parameters { get; } = parameters;
    public JsonObject Resources => Template["Resources"] as JsonObject ?? [];
    public JsonObject? Resource(string logicalId) => Resources[logicalId] as JsonObject;
    public string Type(string logicalId) => Resource(logicalId)?["Type"]?.GetValue<string>() ?? "AWS::Unknown::Resource";
    public JsonObject Properties(string logicalId) => Resource(logicalId)?["Properties"] as JsonObject ?? [];

    /// <summary>A property's value with its intrinsics resolved (null when absent or unresolvable).</summary>
    public string? Property(string logicalId, string name) =>
        Properties(logicalId)[name] is { } value ? Intrinsics.TryResolve(this, value) : null;

    public JsonNode? Resolved(string logicalId, string name)
    {
        try { return Intrinsics.Resolve(this, Properties(logicalId)[name]); }
        catch (UnresolvableException) { return null; }
    }

    /// <summary>
    /// How often each resource has been replaced: a replacement is a new physical resource (a new instance id, a new IP), so
    /// the names and attributes derived from <see cref="Hex"/> change with it.
    /// </summary>
    public IReadOnlyDictionary<string, int> Generations { get; init; } = new Dictionary<string, int>();

    public string Hex(int length, string logicalId, string salt = "") =>
        Generations.GetValueOrDefault(logicalId) is > 0 and var generation
            ? Cloud.Hex(length, StackName, logicalId, salt, $"replacement {generation}")
            : Cloud.Hex(length, StackName, logicalId, salt);

    /// <summary>Whether a resource or output is in the template's active conditions.</summary>
    public bool IsActive(JsonObject node) => node["Condition"]?.GetValue<string>() is not { } condition || Intrinsics.Condition(this, condition);
}

/// <summary>
/// CloudFormation's intrinsic functions as the deployed stack sees them: Ref, Fn::GetAtt, Fn::Join,
/// Fn::Sub, Fn::Select, Fn::Split, Fn::ImportValue, Fn::GetAZs, Fn::If and conditions, Fn::FindInMap,
/// Fn::Base64 and the pseudo parameters.
/// </summary>
public static partial class Intrinsics
{
    public static string? TryResolve(StackContext stack, JsonNode value)
    {
        try { return Text(Resolve(stack, value)); }
        catch (UnresolvableException) { return null; }
    }

    public static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
        JsonArray a => string.Join(",", a.Select(Text)),
        _ => node.ToJsonString(),
    };

    public static JsonNode? Resolve(StackContext stack, JsonNode? value) => value switch
    {
        JsonArray a => new JsonArray(a.Select(v => Resolve(stack, v)).Where(v => !IsNoValue(v)).ToArray()),
        JsonObject { Count: 1 } o when o.First().Key is "Ref" or "Condition" || o.First().Key.StartsWith("Fn::", StringComparison.Ordinal) =>
            Function(stack, o.First().Key, o.First().Value),
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Resolve(stack, p.Value))).Where(p => !IsNoValue(p.Value))),
        _ => value?.DeepClone(),
    };

    /// <summary>AWS::NoValue: the property is left out.</summary>
    private const string NoValueText = "\u0000AWS::NoValue";

    private static bool IsNoValue(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) && s == NoValueText;

    /// <summary>Every export name a template imports.</summary>
    public static IEnumerable<string> Imports(StackContext stack, JsonNode? node) => node switch
    {
        JsonObject o when o.Count == 1 && o.First().Key == "Fn::ImportValue" => [TryResolve(stack, o.First().Value!) ?? "?"],
        JsonObject o => o.SelectMany(p => Imports(stack, p.Value)),
        JsonArray a => a.SelectMany(e => Imports(stack, e)),
        _ => [],
    };

    private static JsonNode? Function(StackContext stack, string name, JsonNode? arg)
    {
        string Str(JsonNode? v) => Text(Resolve(stack, v));
        var args = arg as JsonArray;
        return name switch
        {
            "Ref" => Ref(stack, Str(arg)),
            "Fn::GetAtt" => GetAtt(stack, args is null ? Str(arg).Split('.', 2) : [Str(args[0]), Str(args[1])]),
            "Fn::Join" => stack.Cloud.LocalEcr(string.Join(Str(args![0]), Resolve(stack, args[1]) is JsonArray parts ? parts.Select(Text) : [Str(args[1])])),
            "Fn::Select" => ((JsonArray)Resolve(stack, args![1])!)[int.Parse(Str(args[0]), System.Globalization.CultureInfo.InvariantCulture)]?.DeepClone(),
            "Fn::Split" => new JsonArray(Str(args![1]).Split(Str(args[0])).Select(s => (JsonNode)JsonValue.Create(s)).ToArray()),
            "Fn::Sub" => stack.Cloud.LocalEcr(Sub(stack, args is null ? Str(arg) : Str(args[0]), args?[1] as JsonObject)),
            "Fn::ImportValue" => stack.Cloud.Exports.TryGetValue(Str(arg), out var export)
                ? export.Value
                : throw new UnresolvableException($"No export named {Str(arg)} found"),
            "Fn::GetAZs" => new JsonArray(JsonValue.Create(stack.Cloud.Region + "a"), JsonValue.Create(stack.Cloud.Region + "c")),
            "Fn::Base64" => Convert.ToBase64String(Encoding.UTF8.GetBytes(Str(arg))),
            "Fn::FindInMap" => Resolve(stack, stack.Template["Mappings"]?[Str(args![0])]?[Str(args[1])]?[Str(args[2])]),
            "Fn::If" => Resolve(stack, Condition(stack, Str(args![0])) ? args[1] : args[2]),
            "Fn::Equals" => JsonValue.Create(Str(args![0]) == Str(args[1])),
            "Fn::Not" => JsonValue.Create(!Bool(Resolve(stack, args![0]))),
            "Fn::And" => JsonValue.Create(args!.All(a => Bool(Resolve(stack, a)))),
            "Fn::Or" => JsonValue.Create(args!.Any(a => Bool(Resolve(stack, a)))),
            "Fn::Contains" => JsonValue.Create(((JsonArray)Resolve(stack, args![0])!).Select(Text).Contains(Str(args[1]))),
            "Condition" => JsonValue.Create(Condition(stack, Str(arg))),
            _ => throw new UnresolvableException($"unsupported intrinsic {name}"),
        };
    }

    private static JsonNode? Ref(StackContext stack, string name) => name switch
    {
        "AWS::Region" => stack.Cloud.Region,
        "AWS::AccountId" => stack.Cloud.Account,
        "AWS::StackName" => stack.StackName,
        "AWS::StackId" => stack.StackId,
        "AWS::URLSuffix" => "amazonaws.com",
        "AWS::Partition" => "aws",
        "AWS::NoValue" => NoValueText,
        _ when stack.Resource(name) is not null => Provisioner.PhysicalId(stack, name),
        _ when stack.Parameters.TryGetValue(name, out var value) =>
            stack.Template["Parameters"]?[name]?["Type"]?.GetValue<string>() is { } t
            && (t.StartsWith("List<", StringComparison.Ordinal) || t == "CommaDelimitedList")
            ? new JsonArray(value.Split(',').Select(v => (JsonNode)JsonValue.Create(v)).ToArray()) : value,
        _ => throw new UnresolvableException($"Template format error: Unresolved resource dependencies [{name}] in the Resources block of the template"),
    };

    private static JsonNode GetAtt(StackContext stack, string[] parts) =>
        stack.Resource(parts[0]) is null
            ? throw new UnresolvableException($"Template error: instance of Fn::GetAtt references undefined resource {parts[0]}")
            : Provisioner.Attribute(stack, parts[0], parts[1]);

    private static string Sub(StackContext stack, string template, JsonObject? variables) =>
        SubVariable().Replace(template, match =>
        {
            var name = match.Groups[1].Value;
            if (name.StartsWith('!')) return "${" + name[1..] + "}";
            if (variables?[name] is { } variable) return Text(Resolve(stack, variable));
            var dot = name.IndexOf('.', StringComparison.Ordinal);
            return dot > 0 && !name.StartsWith("AWS::", StringComparison.Ordinal)
                ? Text(GetAtt(stack, [name[..dot], name[(dot + 1)..]]))
                : Text(Ref(stack, name));
        });

    public static bool Condition(StackContext stack, string name) => Bool(Resolve(stack, stack.Template["Conditions"]?[name]));

    private static bool Bool(JsonNode? node) => node is JsonValue v && v.TryGetValue<bool>(out var b) ? b : Text(node) == "true";

    [GeneratedRegex(@"\$\{([^}]+)\}")]
    private static partial Regex SubVariable();
}
