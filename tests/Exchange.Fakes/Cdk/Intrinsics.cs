using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Exchange.Fakes.Core;

namespace Exchange.Fakes.Cdk;

/// <summary>A value the fake cannot work out (an unknown intrinsic, a missing export).</summary>
internal sealed class UnresolvableException(string message) : Exception(message);

/// <summary>
/// Evaluates CloudFormation intrinsic functions the way the deployed stack would see them: Ref,
/// Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::ImportValue, Fn::GetAZs, Fn::If,
/// Fn::FindInMap, Fn::Base64 and the pseudo parameters.
/// </summary>
internal static partial class Intrinsics
{
    /// <summary>The value as a string, or null when it cannot be resolved.</summary>
    public static string? TryResolve(StackContext stack, JsonNode value, Func<string, string?>? imports)
    {
        try
        {
            return Json.Text(Resolve(stack, value, imports));
        }
        catch (UnresolvableException)
        {
            return null;
        }
    }

    public static JsonNode? Resolve(StackContext stack, JsonNode? value, Func<string, string?>? imports)
    {
        JsonNode? Recurse(JsonNode? v) => Resolve(stack, v, imports);
        return value switch
        {
            JsonArray a => new JsonArray(a.Select(Recurse).ToArray()),
            JsonObject { Count: 1 } o when o.First().Key is "Ref" or "Condition" || o.First().Key.StartsWith("Fn::") =>
                Function(stack, o.First().Key, o.First().Value, imports),
            JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Recurse(p.Value)))),
            _ => value?.DeepClone(),
        };
    }

    /// <summary>Every export name the template imports (Fn::ImportValue), resolved where possible.</summary>
    public static IEnumerable<string> Imports(StackContext stack, JsonNode? node) => node switch
    {
        JsonObject o when o.Count == 1 && o.First().Key == "Fn::ImportValue" =>
            [TryResolve(stack, o.First().Value!, null) ?? "?"],
        JsonObject o => o.SelectMany(p => Imports(stack, p.Value)),
        JsonArray a => a.SelectMany(e => Imports(stack, e)),
        _ => [],
    };

    private static JsonNode? Function(StackContext stack, string name, JsonNode? arg, Func<string, string?>? imports)
    {
        string Str(JsonNode? v) => Json.Text(Resolve(stack, v, imports));
        var args = arg as JsonArray;
        return name switch
        {
            "Ref" => Ref(stack, Str(arg)),
            "Fn::GetAtt" => GetAtt(stack, args is null ? Str(arg).Split('.', 2) : [Str(args[0]), Str(args[1])]),
            "Fn::Join" => string.Join(Str(args![0]), ((JsonArray)Resolve(stack, args[1], imports)!).Select(Json.Text)),
            "Fn::Select" => ((JsonArray)Resolve(stack, args![1], imports)!)[int.Parse(Str(args[0]))]?.DeepClone(),
            "Fn::Split" => Json.Strings(Str(args![1]).Split(Str(args[0]))),
            "Fn::Sub" => Sub(stack, args is null ? Str(arg) : Str(args[0]), args?[1] as JsonObject, imports),
            "Fn::ImportValue" => imports?.Invoke(Str(arg)) ?? throw new UnresolvableException($"No export named {Str(arg)} found"),
            "Fn::GetAZs" => Json.Strings([stack.Region + "a", stack.Region + "c"]),
            "Fn::Base64" => Convert.ToBase64String(Encoding.UTF8.GetBytes(Str(arg))),
            "Fn::FindInMap" => Resolve(stack, stack.Template["Mappings"]?[Str(args![0])]?[Str(args[1])]?[Str(args[2])], imports),
            "Fn::If" => Resolve(stack, Condition(stack, Str(args![0]), imports) ? args[1] : args[2], imports),
            "Fn::Equals" => JsonValue.Create(Str(args![0]) == Str(args[1])),
            "Fn::Not" => JsonValue.Create(!Bool(Resolve(stack, args![0], imports))),
            "Fn::And" => JsonValue.Create(args!.All(a => Bool(Resolve(stack, a, imports)))),
            "Fn::Or" => JsonValue.Create(args!.Any(a => Bool(Resolve(stack, a, imports)))),
            "Condition" => JsonValue.Create(Condition(stack, Str(arg), imports)),
            _ => throw new UnresolvableException($"unsupported intrinsic {name}"),
        };
    }

    private static JsonNode? Ref(StackContext stack, string name) => name switch
    {
        "AWS::Region" => stack.Region,
        "AWS::AccountId" => stack.Account,
        "AWS::StackName" => stack.StackName,
        "AWS::StackId" => stack.StackId,
        "AWS::URLSuffix" => "amazonaws.com",
        "AWS::Partition" => "aws",
        "AWS::NoValue" => null,
        _ when stack.Resource(name) is not null => Resources.PhysicalId(stack, name),
        _ when stack.Template["Parameters"]?[name] is JsonObject parameter => Parameter(parameter),
        _ => throw new UnresolvableException($"Unresolved resource dependencies [{name}] in the Outputs block of the template"),
    };

    /// <summary>A parameter's default; SSM-typed ones (the bootstrap version) read what bootstrap wrote.</summary>
    private static JsonNode? Parameter(JsonObject parameter) =>
        Json.Str(parameter, "Type")?.StartsWith("AWS::SSM::Parameter::Value") == true
            ? Bootstrap.Version.ToString()
            : parameter["Default"]?.DeepClone();

    private static JsonNode GetAtt(StackContext stack, string[] parts) =>
        stack.Resource(parts[0]) is null
            ? throw new UnresolvableException($"Template error: instance of Fn::GetAtt references undefined resource {parts[0]}")
            : Resources.Attribute(stack, parts[0], parts[1]);

    private static string Sub(StackContext stack, string template, JsonObject? variables, Func<string, string?>? imports) =>
        SubVariable().Replace(template, match =>
        {
            var name = match.Groups[1].Value;
            if (name.StartsWith('!'))
                return "${" + name[1..] + "}";
            if (variables?[name] is { } variable)
                return Json.Text(Resolve(stack, variable, imports));
            var dot = name.IndexOf('.');
            return dot > 0 && !name.StartsWith("AWS::") ? Json.Text(GetAtt(stack, [name[..dot], name[(dot + 1)..]])) : Json.Text(Ref(stack, name));
        });

    private static bool Condition(StackContext stack, string name, Func<string, string?>? imports) =>
        Bool(Resolve(stack, stack.Template["Conditions"]?[name], imports));

    private static bool Bool(JsonNode? node) => node is JsonValue v && v.TryGetValue<bool>(out var b) ? b : Json.Text(node) == "true";

    [GeneratedRegex(@"\$\{([^}]+)\}")]
    private static partial Regex SubVariable();
}
