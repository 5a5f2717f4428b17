using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml;

namespace Exchange.AwsStandIn;

/// <summary>A response that does not match the service's botocore model.</summary>
public sealed class ModelViolationException(string message) : Exception(message);

/// <summary>
/// One service's botocore model (botocore/data/SERVICE/VERSION/service-2.json[.gz], the API's own
/// definition). Every response is checked against it (member names, types, enums, required members)
/// and then serialized by it, so the wire format (XML element names, list wrappers, timestamps) is the model's.
/// </summary>
public sealed class ServiceModel
{
    private static readonly Dictionary<string, ServiceModel> Cache = [];
    private readonly JsonObject _shapes;
    private readonly JsonObject _operations;

    private ServiceModel(string service, JsonObject root)
    {
        Service = service;
        _shapes = root["shapes"]!.AsObject();
        _operations = root["operations"]!.AsObject();
        Protocol = root["metadata"]!["protocol"]!.GetValue<string>();
        XmlNamespace = root["metadata"]!["xmlNamespace"]?.GetValue<string>();
        JsonVersion = root["metadata"]!["jsonVersion"]?.GetValue<string>() ?? "1.1";
    }

    public string Service { get; }
    public string Protocol { get; }
    public string? XmlNamespace { get; }
    public string JsonVersion { get; }

    public static ServiceModel Load(string service)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(service, out var cached)) return cached;
            var dir = Path.Combine(Botocore.DataDir, service);
            if (!Directory.Exists(dir)) throw new InvalidOperationException($"botocore has no model for '{service}' under {Botocore.DataDir}.");
            var version = Directory.GetDirectories(dir).Select(Path.GetFileName).Where(v => char.IsDigit(v![0])).Order(StringComparer.Ordinal).Last()!;
            var file = Path.Combine(dir, version, "service-2.json");
            using var stream = File.Exists(file) ? File.OpenRead(file) : (Stream)new GZipStream(File.OpenRead(file + ".gz"), CompressionMode.Decompress);
            return Cache[service] = new ServiceModel(service, JsonNode.Parse(stream)!.AsObject());
        }
    }

    public bool HasOperation(string name) => _operations.ContainsKey(name);

    public JsonObject Operation(string name) =>
        _operations[name]?.AsObject() ?? throw new ModelViolationException($"{Service} has no operation {name}");

    public JsonObject? OutputShape(string operation) =>
        Operation(operation)["output"]?["shape"]?.GetValue<string>() is { } name ? Shape(name) : null;

    public string? ResultWrapper(string operation) => Operation(operation)["output"]?["resultWrapper"]?.GetValue<string>();

    public JsonObject Shape(string name) => _shapes[name]?.AsObject() ?? throw new ModelViolationException($"{Service} has no shape {name}");

    private JsonObject Target(JsonNode? reference) => Shape(reference!["shape"]!.GetValue<string>());

    /// <summary>Every way <paramref name="value"/> differs from the operation's output shape.</summary>
    public List<string> Check(string operation, JsonObject value)
    {
        var errors = new List<string>();
        if (OutputShape(operation) is { } shape) Check(shape, value, operation, errors);
        else if (value.Count > 0) errors.Add($"{operation} has no output, but the response has members");
        return errors;
    }

    public void Validate(string operation, JsonObject value)
    {
        var errors = Check(operation, value);
        if (errors.Count > 0)
            throw new ModelViolationException($"{Service}:{operation} response does not match botocore's model: {string.Join("; ", errors)}");
    }

    private void Check(JsonObject shape, JsonNode? value, string path, List<string> errors)
    {
        var type = shape["type"]!.GetValue<string>();
        switch (type)
        {
            case "structure":
                if (value is not JsonObject o) { errors.Add($"{path}: expected a structure"); return; }
                var members = shape["members"]!.AsObject();
                foreach (var (name, member) in o)
                    if (!members.ContainsKey(name)) errors.Add($"{path}.{name}: no such member");
                    else if (member is not null) Check(Target(members[name]), member, $"{path}.{name}", errors);
                foreach (var required in shape["required"]?.AsArray() ?? [])
                    if (o[required!.GetValue<string>()] is null && members[required.GetValue<string>()]?["location"] is null)
                        errors.Add($"{path}.{required}: required member missing");
                break;
            case "list":
                if (value is not JsonArray a) { errors.Add($"{path}: expected a list"); return; }
                for (var i = 0; i < a.Count; i++) Check(Target(shape["member"]), a[i], $"{path}[{i}]", errors);
                break;
            case "map":
                if (value is not JsonObject m) { errors.Add($"{path}: expected a map"); return; }
                foreach (var (key, entry) in m) Check(Target(shape["value"]), entry, $"{path}[{key}]", errors);
                break;
            case "string":
                if (!IsString(value, out var s)) { errors.Add($"{path}: expected a string"); return; }
                if (shape["enum"] is JsonArray values && values.All(v => v!.GetValue<string>() != s))
                    errors.Add($"{path}: '{s}' is not one of {string.Join(", ", values)}");
                break;
            case "integer" or "long" or "double" or "float":
                if (value is not JsonValue n || n.GetValueKind() != System.Text.Json.JsonValueKind.Number) errors.Add($"{path}: expected a number");
                break;
            case "boolean":
                if (value is not JsonValue b || b.GetValueKind() is not (System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False))
                    errors.Add($"{path}: expected a boolean");
                break;
            case "timestamp":
                if (!IsString(value, out var t) || !DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, out _))
                    errors.Add($"{path}: expected a timestamp (ISO 8601)");
                break;
            case "blob":
                if (!IsString(value, out _)) errors.Add($"{path}: expected a blob (base64 string)");
                break;
        }
    }

    private static bool IsString(JsonNode? value, out string s)
    {
        s = "";
        if (value is not JsonValue v || v.GetValueKind() != System.Text.Json.JsonValueKind.String) return false;
        s = v.GetValue<string>();
        return true;
    }

    // ---- serialization ----

    /// <summary>The value as the JSON protocols send it: timestamps become epoch seconds.</summary>
    public JsonNode? ToJson(JsonObject shape, JsonNode? value) => shape["type"]!.GetValue<string>() switch
    {
        "structure" when value is JsonObject o => new JsonObject(o.Where(p => p.Value is not null && shape["members"]![p.Key]!["location"] is null)
            .Select(p => KeyValuePair.Create(shape["members"]![p.Key]!["locationName"]?.GetValue<string>() ?? p.Key,
                ToJson(Target(shape["members"]![p.Key]), p.Value)))),
        "list" when value is JsonArray a => new JsonArray(a.Select(e => ToJson(Target(shape["member"]), e)).ToArray()),
        "map" when value is JsonObject m => new JsonObject(m.Select(p => KeyValuePair.Create(p.Key, ToJson(Target(shape["value"]), p.Value)))),
        "timestamp" => JsonValue.Create(DateTimeOffset.Parse(value!.GetValue<string>(), CultureInfo.InvariantCulture).ToUnixTimeMilliseconds() / 1000.0),
        _ => value?.DeepClone(),
    };

    /// <summary>Writes a structure's members as XML elements (query, ec2 and rest-xml protocols).</summary>
    public void WriteXmlMembers(XmlWriter xml, JsonObject shape, JsonObject value)
    {
        var members = shape["members"]!.AsObject();
        foreach (var (name, member) in value)
        {
            if (member is null || members[name]!["location"] is not null) continue;
            var reference = members[name]!;
            var target = Target(reference);
            var element = reference["locationName"]?.GetValue<string>() ?? (Protocol == "ec2" ? char.ToLowerInvariant(name[0]) + name[1..] : name);
            if (target["type"]!.GetValue<string>() == "list" && (target["flattened"]?.GetValue<bool>() ?? reference["flattened"]?.GetValue<bool>() ?? false))
            {
                foreach (var item in member.AsArray()) WriteXmlValue(xml, element, Target(target["member"]), item);
                continue;
            }
            WriteXmlValue(xml, element, target, member);
        }
    }

    private void WriteXmlValue(XmlWriter xml, string element, JsonObject shape, JsonNode? value)
    {
        xml.WriteStartElement(element);
        switch (shape["type"]!.GetValue<string>())
        {
            case "structure": WriteXmlMembers(xml, shape, value!.AsObject()); break;
            case "list":
                var itemName = shape["member"]!["locationName"]?.GetValue<string>() ?? (Protocol == "ec2" ? "item" : "member");
                foreach (var item in value!.AsArray()) WriteXmlValue(xml, itemName, Target(shape["member"]), item);
                break;
            case "map":
                foreach (var (key, entry) in value!.AsObject())
                {
                    xml.WriteStartElement("entry");
                    xml.WriteElementString(shape["key"]!["locationName"]?.GetValue<string>() ?? "key", key);
                    WriteXmlValue(xml, shape["value"]!["locationName"]?.GetValue<string>() ?? "value", Target(shape["value"]), entry);
                    xml.WriteEndElement();
                }
                break;
            case "boolean": xml.WriteString(value!.GetValue<bool>() ? "true" : "false"); break;
            case "timestamp":
                xml.WriteString(DateTimeOffset.Parse(value!.GetValue<string>(), CultureInfo.InvariantCulture).UtcDateTime
                    .ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                break;
            default: xml.WriteString(value!.ToString()); break;
        }
        xml.WriteEndElement();
    }

    /// <summary>Members the REST protocols send as headers (name -> header).</summary>
    public IEnumerable<(string Header, string Value)> Headers(JsonObject shape, JsonObject value) =>
        value.Where(p => p.Value is not null && shape["members"]![p.Key]!["location"]?.GetValue<string>() == "header")
            .Select(p => (shape["members"]![p.Key]!["locationName"]!.GetValue<string>(), p.Value!.ToString()));

    public static string XmlText(Action<XmlWriter> write)
    {
        var text = new StringBuilder();
        using (var xml = XmlWriter.Create(text, new XmlWriterSettings { OmitXmlDeclaration = false, Encoding = Encoding.UTF8 })) write(xml);
        return text.ToString().Replace("encoding=\"utf-16\"", "encoding=\"UTF-8\"", StringComparison.Ordinal);
    }
}

/// <summary>
/// Where botocore's service models are, independent of the aws CLI's version: $BOTOCORE_DATA when set; else the data folder bundled with
/// the aws CLI v2 first on PATH (AWS's installer: .../aws-cli/v2/VERSION/dist/awscli/botocore/data, so the client and the checks read the
/// same models); else python3's botocore (the aws CLI v1 brings it; `pip install botocore` otherwise). .ci/prerequisites follows the
/// same order and exports what it found as BOTOCORE_DATA.
/// </summary>
public static class Botocore
{
    private static readonly Lazy<string> Dir = new(() => Locate(Environment.GetEnvironmentVariable));

    public static string DataDir => Dir.Value;

    public static string Locate(Func<string, string?> environment)
    {
        if (environment("BOTOCORE_DATA") is { Length: > 0 } configured) return configured;
        if (BundledWithAwsCliV2(environment("PATH")) is { } bundled) return bundled;
        try
        {
            using var python = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("python3",
                ["-c", "import botocore,os;print(os.path.dirname(botocore.__file__))"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = python.StandardOutput.ReadToEnd().Trim();
            python.WaitForExit();
            if (python.ExitCode == 0 && Directory.Exists(Path.Combine(output, "data"))) return Path.Combine(output, "data");
        }
        catch (System.ComponentModel.Win32Exception) { }
        throw new InvalidOperationException("botocore's service models were not found: no BOTOCORE_DATA, no aws CLI v2 data folder beside the aws " +
                                            "on PATH, and `python3 -c 'import botocore'` fails. Install botocore (pip install botocore, or the aws CLI v1: " +
                                            "pip install awscli), or set BOTOCORE_DATA to botocore's data folder.");
    }

    /// <summary>The models of the aws CLI v2 first on PATH (its installer's layout), or null.</summary>
    public static string? BundledWithAwsCliV2(string? path)
    {
        var aws = (path ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, "aws")).FirstOrDefault(File.Exists);
        if (aws is null) return null;
        var real = new FileInfo(aws).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(aws);
        var dist = Path.GetDirectoryName(real)!;
        return new[] { Path.Combine(dist, "awscli", "botocore", "data"), Path.Combine(dist, "..", "dist", "awscli", "botocore", "data") }
            .Where(d => Directory.Exists(Path.Combine(d, "sts"))).Select(Path.GetFullPath).FirstOrDefault();
    }
}
