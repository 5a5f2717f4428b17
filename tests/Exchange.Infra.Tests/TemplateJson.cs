using System.Text.Json.Nodes;

namespace Exchange.Infra.Tests;

/// <summary>Small readers over raw CloudFormation template JSON.</summary>
public static class TemplateJson
{
    public static IEnumerable<(string LogicalId, JsonObject Resource)> AllResources(JsonObject template) =>
        template["Resources"]!.AsObject().Select(r => (r.Key, r.Value!.AsObject()));

    public static string? Type(JsonObject resource) => (string?)resource["Type"];

    public static JsonObject Properties(JsonObject resource) => resource["Properties"]?.AsObject() ?? [];

    /// <summary>The value of a tag, whether the resource lists tags as [{Key, Value}] or as a map.</summary>
    public static string? Tag(JsonObject resource, string key) => Properties(resource)["Tags"] switch
    {
        JsonArray list => list.Select(t => t!.AsObject()).Where(t => (string?)t["Key"] == key).Select(t => (string?)t["Value"]).FirstOrDefault(),
        JsonObject map => (string?)map[key],
        _ => null,
    };

    /// <summary>The user data of an instance, its Fn::Join parts concatenated, tokens shown as their JSON.</summary>
    public static string UserData(JsonObject instance)
    {
        var base64 = Properties(instance)["UserData"]!["Fn::Base64"]!;
        if (base64 is JsonValue plain)
        {
            return (string)plain!;
        }

        var parts = base64["Fn::Join"]![1]!.AsArray();
        return string.Concat(parts.Select(p => p is JsonValue v && v.TryGetValue<string>(out var s) ? s : p!.ToJsonString()));
    }

    public static bool IsGetAtt(JsonNode? node, string logicalId, string attribute) =>
        node?["Fn::GetAtt"] is JsonArray getAtt && (string?)getAtt[0] == logicalId && (string?)getAtt[1] == attribute;

    public static string? ImportName(JsonNode? node) => node is JsonObject o && o["Fn::ImportValue"] is JsonValue name ? (string?)name : null;
}
