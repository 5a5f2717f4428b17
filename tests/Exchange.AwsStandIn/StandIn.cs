using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Exchange.AwsStandIn;

/// <summary>An AWS error response: its code, message and HTTP status.</summary>
public sealed class AwsError(string code, string message, int status = 400) : Exception(message)
{
    public string Code { get; } = code;
    public int Status { get; } = status;
}

/// <summary>One request the stand-in answered.</summary>
public sealed record LoggedRequest(string Service, string Operation, int Status, string? Error, string Caller, string Detail, DateTimeOffset At, string Client)
{
    /// <summary>The IAM action, e.g. cloudformation:DescribeStacks.</summary>
    public string Action => Actions.Of(Service, Operation);

    /// <summary>"cloudformation:DescribeStacks StackName=X" for readable assertions.</summary>
    public override string ToString() => $"{Action} {Detail}".TrimEnd();
}

/// <summary>
/// The stand-in for AWS: a Kestrel app on 127.0.0.1 that the real aws CLI and CDK CLI reach through
/// AWS_ENDPOINT_URL. It tells the service from the SigV4 credential scope and the operation from the
/// protocol (X-Amz-Target, Action=, or the model's REST routes), answers from <see cref="Cloud"/>, and
/// checks and serializes every response with botocore's model.
/// </summary>
public sealed class StandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<LoggedRequest> _requests = [];
    private readonly DataChannels _channels;

    private StandIn(WebApplication app, Cloud cloud)
    {
        _app = app;
        Cloud = cloud;
        _channels = new DataChannels(cloud);
        lock (cloud) cloud.DataChannelEndpoint = _channels.Endpoint;
    }

    public Cloud Cloud { get; }
    public Faults Faults => Cloud.Faults;
    public string Endpoint { get; private set; } = "";

    /// <summary>Test seam: rewrites a response before the model check (to prove the check guards the wire).</summary>
    public Func<string, JsonObject, JsonObject>? BendResponse { get; set; }

    /// <summary>Every request so far, in order.</summary>
    public IReadOnlyList<LoggedRequest> Requests { get { lock (_requests) return _requests.ToArray(); } }

    /// <summary>What a client needs in its environment to talk to this stand-in as the default caller.</summary>
    public IReadOnlyDictionary<string, string> ClientEnvironment => new Dictionary<string, string>
    {
        ["AWS_ENDPOINT_URL"] = Endpoint,
        ["AWS_ACCESS_KEY_ID"] = Cloud.DefaultCaller.AccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = "standin-secret-key",
        ["AWS_DEFAULT_REGION"] = Cloud.Region,
        ["AWS_REGION"] = Cloud.Region,
        ["AWS_EC2_METADATA_DISABLED"] = "true",
        ["AWS_MAX_ATTEMPTS"] = "3",
    };

    public static async Task<StandIn> StartAsync(Cloud cloud, int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port);
            k.Limits.MaxRequestBodySize = 256 * 1024 * 1024;
        });
        var app = builder.Build();
        var standIn = new StandIn(app, cloud);
        app.Run(standIn.Handle);
        await app.StartAsync();
        standIn.Endpoint = app.Urls.First().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal);
        return standIn;
    }

    public static StandIn Start(Cloud cloud, int port = 0) => StartAsync(cloud, port).GetAwaiter().GetResult();

    /// <summary>Completes when the host stops (SIGTERM or Ctrl+C when run as a process).</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public void ClearRequests() { lock (_requests) _requests.Clear(); }

    private async Task Handle(HttpContext http)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        if (http.Request.Path.StartsWithSegments("/_standin"))
        {
            await Admin.Handle(this, http, body);
            return;
        }
        var scope = Regex.Match(http.Request.Headers.Authorization.ToString(), @"Credential=([^/]+)/\d+/([^/]+)/([^/]+)/aws4_request");
        if (!scope.Success)
        {
            await Write(http, Reply.Error(null, "MissingAuthenticationToken", "Request is missing Authentication Token", 403));
            return;
        }
        var model = ServiceModel.Load(Services.ModelName(scope.Groups[3].Value));
        var request = new AwsRequest(model, http.Request.Method, http.Request.Path.Value ?? "/", http.Request.QueryString.Value ?? "",
            http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body, scope.Groups[2].Value, scope.Groups[1].Value);
        Reply reply;
        var callerArn = "?";
        try
        {
            request.Operation = Operations.Identify(request);
            lock (Cloud)
            {
                var caller = Cloud.Caller(request.AccessKeyId) ?? throw Cloud.UnknownCredentials(model.Protocol);
                callerArn = caller.Arn;
                request.Caller = caller;
                CloudFormation.Advance(Cloud);
                Cloud.Faults.Check(Cloud, request);
                var output = Services.Dispatch(Cloud, request);
                if (BendResponse is { } bend) output = bend(request.Operation, output);
                model.Validate(request.Operation, output);
                reply = Reply.Ok(request, output);
            }
        }
        catch (AwsError e)
        {
            reply = Reply.Error(model, e.Code, e.Message, e.Status);
        }
        catch (ModelViolationException e)
        {
            Cloud.Violations.Add(e.Message);
            reply = Reply.Error(model, "InternalFailure", "aws stand-in: " + e.Message, 500);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Cloud.Violations.Add($"{model.Service}:{request.Operation} failed inside the stand-in: {e}");
            reply = Reply.Error(model, "InternalFailure", $"aws stand-in failed on {model.Service}:{request.Operation}: {e.GetType().Name}: {e.Message}", 500);
        }
        lock (_requests)
            _requests.Add(new LoggedRequest(model.Service, request.Operation ?? "?", reply.Status, reply.ErrorCode, callerArn, request.Detail(),
                DateTimeOffset.UtcNow,
                http.Request.Headers.UserAgent.ToString().Split(' ')[0])); // e.g. aws-cli/1.45.11 or aws-sdk-js/3.x (the CDK CLI)
        await Write(http, reply);
    }

    private static async Task Write(HttpContext http, Reply reply)
    {
        http.Response.StatusCode = reply.Status;
        http.Response.ContentType = reply.ContentType;
        http.Response.Headers["x-amzn-RequestId"] = reply.RequestId;
        foreach (var (name, value) in reply.Headers) http.Response.Headers[name] = value;
        if (!HttpMethods.IsHead(http.Request.Method)) await http.Response.Body.WriteAsync(reply.Body);
    }

    /// <summary>A free port on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        _channels.Dispose();
        await _app.DisposeAsync();
    }
}

/// <summary>A parsed request: service model, operation, caller and the parameters in the protocol's form.</summary>
public sealed class AwsRequest(ServiceModel model, string method, string path, string queryString,
    IReadOnlyDictionary<string, string> headers, byte[] body, string region, string accessKeyId)
{
    private Dictionary<string, string>? _form;
    private JsonObject? _json;

    public ServiceModel Model { get; } = model;
    public string Method { get; } = method;
    public string Path { get; } = path;
    public string QueryString { get; } = queryString;
    public IReadOnlyDictionary<string, string> Headers { get; } = headers;
    public byte[] Body { get; } = body;
    public string Region { get; } = region;
    public string AccessKeyId { get; } = accessKeyId;
    public string? Operation { get; set; }
    public Identity Caller { get; set; } = null!;
    public Dictionary<string, string> Route { get; } = [];

    /// <summary>Query-protocol parameters (form body and URL query).</summary>
    public Dictionary<string, string> Form => _form ??= ParseForm(Encoding.UTF8.GetString(Body) + "&" + QueryString.TrimStart('?'));

    public JsonObject Json => _json ??= Body.Length == 0 ? [] : JsonNode.Parse(Body)?.AsObject() ?? [];

    public string? Param(string name) => Form.GetValueOrDefault(name);

    public string Required(string name) =>
        Param(name) ?? Json[name]?.GetValue<string>() ?? Route.GetValueOrDefault(name)
        ?? throw new AwsError("ValidationError", $"1 validation error detected: Value null at '{char.ToLowerInvariant(name[0]) + name[1..]}' " +
                                                 "failed to satisfy constraint: Member must not be null");

    /// <summary>A query-protocol list: Prefix.1, Prefix.2, ... (or Prefix.member.N).</summary>
    public List<string> List(string prefix) =>
        Enumerable.Range(1, 1000).Select(i => Param($"{prefix}.{i}") ?? Param($"{prefix}.member.{i}")).TakeWhile(v => v is not null).Select(v => v!).ToList();

    /// <summary>A query-protocol list of structures: Prefix.member.N.Field.</summary>
    public List<Dictionary<string, string>> Structures(string prefix)
    {
        var result = new List<Dictionary<string, string>>();
        for (var i = 1; ; i++)
        {
            var start = $"{prefix}.member.{i}.";
            var item = Form.Where(p => p.Key.StartsWith(start, StringComparison.Ordinal)).ToDictionary(p => p.Key[start.Length..], p => p.Value);
            if (item.Count == 0) return result;
            result.Add(item);
        }
    }

    /// <summary>The request's parameters in short (for the log): query parameters, the JSON body, or the REST path.</summary>
    public string Detail()
    {
        static string Short(string v) => v.Length > 120 ? v[..120] + "..." : v;
        return Model.Protocol switch
        {
            "query" or "ec2" =>
                string.Join(' ', Form.Where(p => p.Key is not ("Action" or "Version") && p.Key.Length > 0).Select(p => $"{p.Key}={Short(p.Value)}")),
            "json" => Short(Json.ToJsonString()),
            _ => $"{Method} {Path}{QueryString}" + (Body.Length > 0 && Model.Service != "s3" ? " " + Short(Json.ToJsonString()) : ""),
        };
    }

    public string Query(string name) => ParseForm(QueryString.TrimStart('?')).GetValueOrDefault(name) ?? "";

    private static Dictionary<string, string> ParseForm(string text) =>
        text.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2))
            .GroupBy(p => Uri.UnescapeDataString(p[0].Replace('+', ' ')))
            .ToDictionary(g => g.Key, g => g.First().Length > 1 ? Uri.UnescapeDataString(g.First()[1].Replace('+', ' ')) : "");
}

/// <summary>Finds the operation a request calls, the way each protocol names it.</summary>
public static class Operations
{
    public static string Identify(AwsRequest r)
    {
        switch (r.Model.Protocol)
        {
            case "json":
                return r.Headers.GetValueOrDefault("X-Amz-Target")?.Split('.').Last()
                       ?? throw new AwsError("UnknownOperationException", "Missing X-Amz-Target");
            case "query" or "ec2":
                return r.Param("Action") ?? throw new AwsError("MissingAction", "Could not find operation to perform.");
        }
        // REST: the model's own routes; the most specific match wins.
        var best = (Score: -1, Name: "");
        foreach (var name in Services.Implemented(r.Model.Service))
        {
            var http = r.Model.Operation(name)["http"]!;
            if (http["method"]!.GetValue<string>() != r.Method) continue;
            var uri = http["requestUri"]!.GetValue<string>().Split('?', 2);
            var route = new Dictionary<string, string>();
            if (!Match(uri[0], r.Path, route)) continue;
            var required = uri.Length > 1 ? uri[1].Split('&').Select(q => q.Split('=')[0]).Where(q => q != "x-id").ToArray() : []; // x-id is optional
            if (!required.All(q => Regex.IsMatch(r.QueryString, $@"[?&]{Regex.Escape(q)}(=|&|$)"))) continue;
            var score = required.Length * 100 + uri[0].Count(c => c == '/') * 10 - uri[0].Count(c => c == '+');
            if (score <= best.Score) continue;
            best = (score, name);
            r.Route.Clear();
            foreach (var (k, v) in route) r.Route[k] = v;
        }
        return best.Score >= 0
            ? best.Name
            : throw new AwsError("UnknownOperationException",
                $"The aws stand-in does not implement {r.Method} {r.Path}{r.QueryString} for {r.Model.Service}", 404);
    }

    private static bool Match(string template, string path, Dictionary<string, string> route)
    {
        var pattern = "^" + string.Concat(Regex.Split(template, @"(\{\w+\+?\})").Select(part => Regex.Match(part, @"^\{(\w+)(\+?)\}$") is { Success: true } m
            ? m.Groups[2].Value == "+" ? $"(?<{m.Groups[1].Value}>.+)" : $"(?<{m.Groups[1].Value}>[^/]+)"
            : Regex.Escape(part))) + "/?$";
        var match = Regex.Match(path, pattern);
        if (!match.Success) return false;
        foreach (var group in match.Groups.Keys.Where(k => !char.IsDigit(k[0]))) route[group] = Uri.UnescapeDataString(match.Groups[group].Value);
        return true;
    }
}

/// <summary>An HTTP answer in the service's protocol.</summary>
public sealed record Reply(int Status, string ContentType, byte[] Body, IReadOnlyList<(string, string)> Headers, string? ErrorCode)
{
    public string RequestId { get; } = Guid.NewGuid().ToString();

    public static Reply Ok(AwsRequest r, JsonObject output)
    {
        var model = r.Model;
        var op = r.Operation!;
        var shape = model.OutputShape(op);
        switch (model.Protocol)
        {
            case "json" or "rest-json":
                var json = shape is null ? "{}" : model.ToJson(shape, output)!.ToJsonString();
                return new Reply(200, model.Protocol == "json" ? $"application/x-amz-json-{model.JsonVersion}" : "application/json",
                    Encoding.UTF8.GetBytes(json), shape is null ? [] : model.Headers(shape, output).ToList(), null);
            case "rest-xml":
                var headers = shape is null ? [] : model.Headers(shape, output).ToList();
                if (shape?["payload"]?.GetValue<string>() is { } payload)
                    return new Reply(200, "application/octet-stream", output[payload] is { } b ? Convert.FromBase64String(b.GetValue<string>()) : [],
                        headers, null);
                var rest = ModelXml(xml =>
                {
                    xml.WriteStartElement(op == "ListObjectsV2" ? "ListBucketResult" : op + "Result", "http://s3.amazonaws.com/doc/2006-03-01/");
                    if (shape is not null) model.WriteXmlMembers(xml, shape, output);
                    xml.WriteEndElement();
                });
                return new Reply(200, "application/xml", rest, headers, null);
            default:
                var body = ModelXml(xml =>
                {
                    xml.WriteStartElement(op + "Response", model.XmlNamespace);
                    if (model.Protocol == "ec2") xml.WriteElementString("requestId", Guid.NewGuid().ToString());
                    if (shape is not null && model.Protocol == "ec2") model.WriteXmlMembers(xml, shape, output);
                    else if (shape is not null)
                    {
                        xml.WriteStartElement(model.ResultWrapper(op) ?? op + "Result");
                        model.WriteXmlMembers(xml, shape, output);
                        xml.WriteEndElement();
                    }
                    if (model.Protocol != "ec2")
                    {
                        xml.WriteStartElement("ResponseMetadata");
                        xml.WriteElementString("RequestId", Guid.NewGuid().ToString());
                        xml.WriteEndElement();
                    }
                    xml.WriteEndElement();
                });
                return new Reply(200, "text/xml", body, [], null);
        }
    }

    public static Reply Error(ServiceModel? model, string code, string message, int status)
    {
        switch (model?.Protocol)
        {
            case "json":
                return new Reply(status, $"application/x-amz-json-{model.JsonVersion}",
                    Encoding.UTF8.GetBytes(new JsonObject { ["__type"] = code, ["message"] = message }.ToJsonString()), [], code);
            case "rest-json":
                return new Reply(status, "application/json", Encoding.UTF8.GetBytes(new JsonObject { ["message"] = message }.ToJsonString()),
                    [("x-amzn-ErrorType", code)], code);
            case "ec2":
                return new Reply(status, "text/xml", ModelXml(xml =>
                {
                    xml.WriteStartElement("Response");
                    xml.WriteStartElement("Errors");
                    xml.WriteStartElement("Error");
                    xml.WriteElementString("Code", code);
                    xml.WriteElementString("Message", message);
                    xml.WriteEndElement();
                    xml.WriteEndElement();
                    xml.WriteElementString("RequestID", Guid.NewGuid().ToString());
                    xml.WriteEndElement();
                }), [], code);
            case "rest-xml":
                return new Reply(status, "application/xml", ModelXml(xml =>
                {
                    xml.WriteStartElement("Error");
                    xml.WriteElementString("Code", code);
                    xml.WriteElementString("Message", message);
                    xml.WriteEndElement();
                }), [], code);
            default:
                return new Reply(status, "text/xml", ModelXml(xml =>
                {
                    xml.WriteStartElement("ErrorResponse", model?.XmlNamespace);
                    xml.WriteStartElement("Error");
                    xml.WriteElementString("Type", status >= 500 ? "Receiver" : "Sender");
                    xml.WriteElementString("Code", code);
                    xml.WriteElementString("Message", message);
                    xml.WriteEndElement();
                    xml.WriteElementString("RequestId", Guid.NewGuid().ToString());
                    xml.WriteEndElement();
                }), [], code);
        }
    }

    private static byte[] ModelXml(Action<System.Xml.XmlWriter> write) => Encoding.UTF8.GetBytes(ServiceModel.XmlText(write));

    internal static byte[] JsonBytes(object value) => JsonSerializer.SerializeToUtf8Bytes(value);
}
