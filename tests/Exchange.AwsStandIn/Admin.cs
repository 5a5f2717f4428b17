using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Exchange.AwsStandIn;

/// <summary>
/// The stand-in's own HTTP API under /_standin (for a stand-in running as a separate process; tests in
/// the same process use <see cref="StandIn.Faults"/> and <see cref="StandIn.Requests"/>). See README.md.
/// </summary>
internal static class Admin
{
    public static async Task Handle(StandIn standIn, HttpContext http, byte[] body)
    {
        var path = http.Request.Path.Value!["/_standin".Length..];
        if (http.Request.Path.Value == ClusterApi.WhoAmIPath)
        {
            // A cluster's public endpoint, as the internet reaches it (the Host header names the endpoint).
            (int Status, JsonObject Body) answer;
            lock (standIn.Cloud)
                answer = ClusterApi.Answer(standIn.Cloud, http.Request.Host.Host, ClusterApi.WhoAmIPath, http.Request.Headers.Authorization.ToString(),
                    fromVpc: false);
            http.Response.StatusCode = answer.Status;
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(answer.Body.ToJsonString());
            return;
        }
        var json = body.Length > 0 && path != "/faults/policy" ? JsonNode.Parse(body)?.AsObject() ?? [] : [];
        string Str(string key) => json[key]?.GetValue<string>() ?? throw new ArgumentException($"'{key}' is required");
        int Times() => json["times"]?.GetValue<int>() ?? int.MaxValue;
        object? result;
        try
        {
            lock (standIn.Cloud)
            {
                CloudFormation.Advance(standIn.Cloud);
                result = (http.Request.Method, path) switch
                {
                    ("GET", "/requests") => standIn.Requests,
                    ("DELETE", "/requests") => Done(standIn.ClearRequests),
                    ("POST", "/faults/deny") => Done(() => standIn.Faults.Deny(Str("action"), Times())),
                    ("POST", "/faults/throttle") => Done(() => standIn.Faults.Throttle(Str("action"), json["times"]?.GetValue<int>() ?? 1)),
                    ("POST", "/faults/stall") => Done(() => standIn.Faults.Stall(Str("action"))),
                    ("POST", "/faults/fail-resource") => Done(() => standIn.Faults.FailResource(Str("resource"), Str("reason"))),
                    ("POST", "/faults/policy") => Done(() => standIn.Faults.EnforcePolicy(Encoding.UTF8.GetString(body))),
                    ("DELETE", "/faults") => Done(standIn.Faults.Clear),
                    ("POST", "/identities") => standIn.Cloud.AddIdentity(Str("accessKeyId"), Str("account"), Str("arn")),
                    ("GET", "/violations") => standIn.Cloud.Violations.ToArray(),
                    ("GET", "/timeline") => standIn.Cloud.Timeline.ToArray(),
                    ("GET", "/eks") => new JsonObject // what the kubectl stand-in needs to know about clusters and their nodes
                    {
                        ["clusters"] = new JsonArray(standIn.Cloud.Clusters.Values.Select(c => c.DeepClone()).ToArray()),
                        ["nodegroups"] = new JsonArray(standIn.Cloud.Nodegroups.Values.Select(n => n.DeepClone()).ToArray()),
                    },
                    // What a kubelet records as a running container's imageID: the digest the registry serves for the reference.
                    ("GET", "/image-digest") => ImageDigest(standIn.Cloud, http.Request.Query["reference"].ToString()),
                    _ => throw new KeyNotFoundException($"No {http.Request.Method} {path} in the stand-in's API: see tests/Exchange.AwsStandIn/README.md"),
                };
            }
        }
        catch (Exception e) when (e is ArgumentException or KeyNotFoundException or JsonException)
        {
            http.Response.StatusCode = e is KeyNotFoundException ? 404 : 400;
            await http.Response.WriteAsync(e.Message + "\n");
            return;
        }
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(JsonSerializer.Serialize(result) + "\n");
    }

    /// <summary>HOST/REPOSITORY:TAG of the registry standing in for ECR -> {"digest": "sha256:..."}; another registry or tag is not found.</summary>
    private static JsonObject ImageDigest(Cloud cloud, string reference)
    {
        var slash = reference.IndexOf('/');
        var colon = reference.LastIndexOf(':');
        if (cloud.Registry is not { } registry || slash < 0 || colon < slash || reference[..slash] != registry.Host)
            throw new KeyNotFoundException($"{reference} is not an image of this account's registry");
        var (repository, tag) = (reference[(slash + 1)..colon], reference[(colon + 1)..]);
        if (!RegistryClient.Tags(registry, repository).Contains(tag)) throw new KeyNotFoundException($"{reference} is not in the registry");
        return new JsonObject { ["digest"] = RegistryClient.Manifest(registry, repository, tag).Digest };
    }

    private static object Done(Action action)
    {
        action();
        return new { ok = true };
    }
}
