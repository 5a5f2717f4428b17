using System.Text;
using System.Text.Json.Nodes;

namespace Exchange.AwsStandIn;

/// <summary>
/// The operations the pipeline and the CDK CLI call, one line each; everything else is refused with
/// the operation's name, so a new call shows up as a clear failure instead of a guess.
/// </summary>
public static class Services
{
    private delegate JsonObject Handler(Cloud cloud, AwsRequest r);

    private static readonly Dictionary<string, Dictionary<string, Handler>> Handlers = new()
    {
        ["sts"] = new()
        {
            ["GetCallerIdentity"] = (_, r) => new() { ["UserId"] = r.Caller.UserId, ["Account"] = r.Caller.Account, ["Arn"] = r.Caller.Arn },
            ["AssumeRole"] = AssumeRole,
        },
        ["iam"] = new()
        {
            ["GetRole"] = (c, r) => new()
            {
                ["Role"] = Found(c.Roles, r.Required("RoleName"), "NoSuchEntity", $"The role with name {r.Required("RoleName")} cannot be found.").DeepClone(),
            },
        },
        ["cloudformation"] = CloudFormation.Operations.ToDictionary(p => p.Key, p => (Handler)((c, r) => p.Value(c, r))),
        ["s3"] = new()
        {
            ["ListObjectsV2"] = ListObjects,
            ["PutObject"] = (c, r) =>
            {
                Bucket(c, r)[r.Route["Key"]] = r.Body;
                return new() { ["ETag"] = ETag(r.Body) };
            },
            ["GetObject"] = (c, r) => Bucket(c, r).TryGetValue(r.Route["Key"], out var data)
                ? new() { ["Body"] = Convert.ToBase64String(data), ["ContentLength"] = data.Length, ["ETag"] = ETag(data) }
                : throw new AwsError("NoSuchKey", "The specified key does not exist.", 404),
            ["HeadObject"] = (c, r) => Bucket(c, r).TryGetValue(r.Route["Key"], out var data)
                ? new() { ["ContentLength"] = data.Length, ["ETag"] = ETag(data) }
                : throw new AwsError("NotFound", "Not Found", 404),
            ["GetBucketLocation"] = (c, r) => { Bucket(c, r); return new() { ["LocationConstraint"] = c.Region }; },
            ["DeleteObjects"] = DeleteObjects,
        },
        ["ssm"] = new()
        {
            ["GetParameter"] = (c, r) => new()
            {
                ["Parameter"] = Eks.PublicParameter(c, Str(r, "Name")) ?? Found(c.Parameters, Str(r, "Name"), "ParameterNotFound", "").DeepClone(),
            },
            ["SendCommand"] = SendCommand,
            ["StartSession"] = SessionManager.Start,
            ["TerminateSession"] = SessionManager.Terminate,
            ["DescribeInstanceInformation"] = SessionManager.DescribeInstanceInformation,
            ["GetCommandInvocation"] = (c, r) =>
                Found(c.Commands, Str(r, "CommandId") + "/" + Str(r, "InstanceId"), "InvocationDoesNotExist", "").DeepClone().AsObject(),
        },
        ["ecr"] = new()
        {
            ["GetAuthorizationToken"] = GetAuthorizationToken,
            ["DescribeRepositories"] = (c, r) => new()
            {
                ["repositories"] = new JsonArray((r.Json["repositoryNames"]?.AsArray().Select(n => n!.GetValue<string>()) ?? c.Repositories.Keys)
                    .Select(n => Repository(c, r, n).DeepClone()).ToArray()),
            },
            ["DescribeImages"] = DescribeImages,
        },
        ["eks"] = new()
        {
            ["DescribeCluster"] = (c, r) => new()
            {
                ["cluster"] = Found(c.Clusters, r.Route["name"], "ResourceNotFoundException", $"No cluster found for name: {r.Route["name"]}.").DeepClone(),
            },
            ["DescribeNodegroup"] = (c, r) => new() { ["nodegroup"] = Nodegroup(c, r).DeepClone() },
            ["UpdateNodegroupConfig"] = UpdateNodegroupConfig,
            ["DescribeAddon"] = Eks.DescribeAddon,
            ["DescribeAddonVersions"] = Eks.DescribeAddonVersions,
            ["UpdateAddon"] = Eks.UpdateAddon,
            ["DescribeUpdate"] = Eks.DescribeUpdate,
            ["ListAccessEntries"] = (c, r) => ClusterAccess.List(c, r.Route["name"]),
            ["ListAssociatedAccessPolicies"] = (c, r) => ClusterAccess.ListPolicies(c, r.Route["name"], r.Route["principalArn"]),
        },
        ["ec2"] = new()
        {
            ["DescribeInstances"] = DescribeInstances,
            ["StopInstances"] = (c, r) => new() { ["StoppingInstances"] = Transition(c, r, "stopping", "stopped", 64) },
            ["StartInstances"] = (c, r) => new() { ["StartingInstances"] = Transition(c, r, "pending", "running", 0) },
            ["CreateTags"] = CreateTags,
        },
        ["rds"] = new()
        {
            ["DescribeDBInstances"] = (c, r) => new()
            {
                ["DBInstances"] = new JsonArray(Database(c, r.Required("DBInstanceIdentifier"), settle: true).DeepClone()),
            },
            ["StopDBInstance"] = (c, r) => new() { ["DBInstance"] = DatabaseTransition(c, r, "available", "stopping", "stopped").DeepClone() },
            ["StartDBInstance"] = (c, r) => new() { ["DBInstance"] = DatabaseTransition(c, r, "stopped", "starting", "available").DeepClone() },
        },
        ["secretsmanager"] = new()
        {
            ["GetSecretValue"] = GetSecretValue,
            ["DescribeSecret"] = DescribeSecret,
            ["DeleteSecret"] = DeleteSecret,
        },
        ["logs"] = new()
        {
            ["DescribeLogGroups"] = (c, r) => new()
            {
                ["logGroups"] = new JsonArray(c.LogGroups
                    .Where(g => g.Key.StartsWith(r.Json["logGroupNamePrefix"]?.GetValue<string>() ?? "", StringComparison.Ordinal))
                    .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Value.DeepClone()).ToArray()),
            },
            ["DeleteLogGroup"] = (c, r) => c.LogGroups.Remove(Str(r, "logGroupName"))
                ? []
                : throw new AwsError("ResourceNotFoundException", "The specified log group does not exist."),
        },
        ["scheduler"] = new()
        {
            ["GetSchedule"] = (c, r) =>
                Found(c.Schedules, r.Route["Name"], "ResourceNotFoundException", $"Schedule {r.Route["Name"]} does not exist.").DeepClone().AsObject(),
            ["ListSchedules"] = (c, r) => new()
            {
                ["Schedules"] = new JsonArray(c.Schedules.Values
                    .Where(s => s["Name"]!.GetValue<string>().StartsWith(r.Query("NamePrefix"), StringComparison.Ordinal))
                    .OrderBy(s => s["Name"]!.GetValue<string>(), StringComparer.Ordinal)
                    .Select(s => (JsonNode)new JsonObject
                    {
                        ["Arn"] = s["Arn"]!.DeepClone(), ["Name"] = s["Name"]!.DeepClone(), ["GroupName"] = s["GroupName"]!.DeepClone(),
                        ["State"] = s["State"]!.DeepClone(),
                        ["CreationDate"] = s["CreationDate"]!.DeepClone(), ["LastModificationDate"] = s["LastModificationDate"]!.DeepClone(),
                        ["Target"] = new JsonObject { ["Arn"] = s["Target"]!["Arn"]!.DeepClone() },
                    }).ToArray()),
            },
            ["CreateSchedule"] = (c, r) => PutSchedule(c, r, create: true),
            ["UpdateSchedule"] = (c, r) => PutSchedule(c, r, create: false),
            ["DeleteSchedule"] = (c, r) => c.Schedules.Remove(r.Route["Name"])
                ? []
                : throw new AwsError("ResourceNotFoundException", $"Schedule {r.Route["Name"]} does not exist.", 404),
        },
        ["sqs"] = new()
        {
            ["GetQueueAttributes"] = GetQueueAttributes,
            ["ReceiveMessage"] = ReceiveMessage,
        },
        ["autoscaling"] = new()
        {
            ["DescribeAutoScalingGroups"] = LoadBalancing.DescribeAutoScalingGroups,
            ["AttachLoadBalancerTargetGroups"] = LoadBalancing.AttachLoadBalancerTargetGroups,
        },
        ["elbv2"] = new()
        {
            ["DescribeTargetHealth"] = LoadBalancing.DescribeTargetHealth,
            ["DescribeRules"] = LoadBalancing.DescribeRules,
            ["CreateRule"] = LoadBalancing.CreateRule,
            ["DeleteRule"] = LoadBalancing.DeleteRule,
        },
        ["resourcegroupstaggingapi"] = new()
        {
            ["GetResources"] = (c, r) => new()
            {
                ["ResourceTagMappingList"] = new JsonArray(c.TaggedResources.Where(t => Tagged(t, r)).Select(t => t.DeepClone()).ToArray()),
                ["PaginationToken"] = "",
            },
        },
    };

    /// <summary>The botocore model folder of a SigV4 signing name.</summary>
    public static string ModelName(string signingName) => signingName switch
    {
        "tagging" => "resourcegroupstaggingapi", "elasticloadbalancing" => "elbv2", _ => signingName,
    };

    public static IEnumerable<string> Implemented(string service) => Handlers.GetValueOrDefault(service)?.Keys ?? Enumerable.Empty<string>();

    public static IEnumerable<(string Service, string Operation)> All => Handlers.SelectMany(s => s.Value.Keys.Select(o => (s.Key, o)));

    public static JsonObject Dispatch(Cloud cloud, AwsRequest r) =>
        Handlers.GetValueOrDefault(r.Model.Service)?.GetValueOrDefault(r.Operation!) is { } handler
            ? handler(cloud, r)
            : throw new AwsError("InvalidAction", $"The aws stand-in does not implement {r.Model.Service}:{r.Operation}. " +
                                                  "Add it to tests/Exchange.AwsStandIn if the pipeline now calls it.");

    private static string Str(AwsRequest r, string name) =>
        r.Json[name]?.GetValue<string>()
        ?? throw new AwsError("ValidationException",
            $"1 validation error detected: Value null at '{name}' failed to satisfy constraint: Member must not be null");

    private static JsonObject Found(Dictionary<string, JsonObject> map, string key, string code, string message) =>
        map.TryGetValue(key, out var value) ? value : throw new AwsError(code, message, code == "ResourceNotFoundException" && map.Count >= 0 ? 404 : 400);

    private static JsonObject AssumeRole(Cloud c, AwsRequest r)
    {
        var roleArn = r.Required("RoleArn");
        var roleName = roleArn.Split('/').Last();
        if (!c.Roles.ContainsKey(roleName))
            throw new AwsError("AccessDenied", $"User: {r.Caller.Arn} is not authorized to perform: sts:AssumeRole on resource: {roleArn}", 403);
        var session = r.Required("RoleSessionName");
        var key = "ASIA" + c.Hex(16, roleArn, session, Guid.NewGuid().ToString()).ToUpperInvariant();
        var identity = c.AddIdentity(key, c.Account, $"arn:aws:sts::{c.Account}:assumed-role/{roleName}/{session}", byAssumeRole: true);
        return new()
        {
            ["Credentials"] = new JsonObject
            {
                ["AccessKeyId"] = key, ["SecretAccessKey"] = "standin-" + key, ["SessionToken"] = "standin-session-" + key,
                ["Expiration"] = Cloud.Time(DateTimeOffset.UtcNow.AddHours(1)),
            },
            ["AssumedRoleUser"] = new JsonObject { ["AssumedRoleId"] = identity.UserId, ["Arn"] = identity.Arn },
        };
    }

    // ---- S3 ----
    private static Dictionary<string, byte[]> Bucket(Cloud c, AwsRequest r) =>
        c.Buckets.TryGetValue(r.Route["Bucket"], out var b) ? b : throw new AwsError("NoSuchBucket", "The specified bucket does not exist", 404);

    private static string ETag(byte[] data) => "\"" + Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(data)) + "\"";

    /// <summary>POST /{Bucket}?delete with a &lt;Delete&gt; body; a missing key counts as deleted, as in S3; Quiet lists only errors.</summary>
    private static JsonObject DeleteObjects(Cloud c, AwsRequest r)
    {
        var bucket = Bucket(c, r);
        var (keys, quiet) = Faults.DeleteRequest(r);
        foreach (var key in keys) bucket.Remove(key);
        return new()
        {
            ["Deleted"] = new JsonArray(quiet ? [] : keys.Select(k => (JsonNode)new JsonObject { ["Key"] = k }).ToArray()),
            ["Errors"] = new JsonArray(),
        };
    }

    private static JsonObject ListObjects(Cloud c, AwsRequest r)
    {
        var prefix = r.Query("prefix");
        var max = int.TryParse(r.Query("max-keys"), out var m) ? m : 1000;
        var keys = Bucket(c, r).Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(o => o.Key, StringComparer.Ordinal).Take(max).ToList();
        return new()
        {
            ["Name"] = r.Route["Bucket"], ["Prefix"] = prefix, ["KeyCount"] = keys.Count, ["MaxKeys"] = max, ["IsTruncated"] = false,
            ["Contents"] = new JsonArray(keys.Select(o => (JsonNode)new JsonObject
            {
                ["Key"] = o.Key, ["Size"] = o.Value.Length, ["ETag"] = ETag(o.Value), ["StorageClass"] = "STANDARD",
                ["LastModified"] = Cloud.Time(DateTimeOffset.UtcNow),
            }).ToArray()),
        };
    }

    // ---- SSM Run Command ----
    private static JsonObject SendCommand(Cloud c, AwsRequest r)
    {
        var id = Guid.NewGuid().ToString();
        var instances = r.Json["InstanceIds"]!.AsArray().Select(i => i!.GetValue<string>()).ToList();
        var shell = string.Join("\n", r.Json["Parameters"]?["commands"]?.AsArray().Select(x => x!.GetValue<string>()) ?? []);
        foreach (var instance in instances)
        {
            // As in AWS: only a running instance's SSM agent takes commands.
            if (c.Instances.GetValueOrDefault(instance)?["State"]?["Name"]?.GetValue<string>() != "running")
                throw new AwsError("InvalidInstanceId", "Instances not in a valid state for account " + c.Account);
            var ran = c.RunShell(instance, shell);
            var status = ran.ExitCode == 0 ? "Success" : "Failed";
            c.Commands[id + "/" + instance] = new()
            {
                ["CommandId"] = id, ["InstanceId"] = instance, ["DocumentName"] = Str(r, "DocumentName"), ["Status"] = status, ["StatusDetails"] = status,
                ["ResponseCode"] = ran.ExitCode, ["StandardOutputContent"] = ran.Stdout, ["StandardErrorContent"] = ran.Stderr,
                ["PluginName"] = "aws:runShellScript",
            };
        }
        return new()
        {
            ["Command"] = new JsonObject
            {
                ["CommandId"] = id, ["DocumentName"] = Str(r, "DocumentName"),
                ["InstanceIds"] = new JsonArray(instances.Select(i => JsonValue.Create(i)).ToArray<JsonNode?>()),
                ["Status"] = "Pending", ["RequestedDateTime"] = Cloud.Time(DateTimeOffset.UtcNow),
            },
        };
    }

    // ---- SQS (the sleep schedules' dead-letter queues): a received message stays hidden for its visibility timeout, then returns ----
    internal static JsonObject Queue(Cloud c, string url) =>
        c.Queues.GetValueOrDefault(url.TrimEnd('/').Split('/').Last())
        ?? throw new AwsError("QueueDoesNotExist", "The specified queue does not exist.");

    private static IEnumerable<JsonObject> Visible(JsonObject queue) => queue["Messages"]!.AsArray().OfType<JsonObject>()
        .Where(m => m["InvisibleUntil"] is not { } until || until.GetValue<long>() <= DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    private static JsonObject GetQueueAttributes(Cloud c, AwsRequest r)
    {
        var queue = Queue(c, Str(r, "QueueUrl"));
        var messages = queue["Messages"]!.AsArray().Count;
        var visible = Visible(queue).Count();
        var all = new Dictionary<string, string>
        {
            ["QueueArn"] = queue["Arn"]!.GetValue<string>(),
            ["ApproximateNumberOfMessages"] = visible.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ApproximateNumberOfMessagesNotVisible"] = (messages - visible).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["MessageRetentionPeriod"] = queue["MessageRetentionPeriod"]!.ToString(), ["SqsManagedSseEnabled"] = "true",
        };
        var wanted = r.Json["AttributeNames"]?.AsArray().Select(a => a!.GetValue<string>()).ToList() ?? [];
        return new()
        {
            ["Attributes"] = new JsonObject(all.Where(a => wanted.Contains("All") || wanted.Contains(a.Key))
                .Select(a => KeyValuePair.Create(a.Key, (JsonNode?)JsonValue.Create(a.Value)))),
        };
    }

    private static JsonObject ReceiveMessage(Cloud c, AwsRequest r)
    {
        var queue = Queue(c, Str(r, "QueueUrl"));
        var max = r.Json["MaxNumberOfMessages"]?.GetValue<int>() ?? 1;
        var hideFor = r.Json["VisibilityTimeout"]?.GetValue<int>() ?? 30;
        var system = (r.Json["MessageSystemAttributeNames"] ?? r.Json["AttributeNames"])?.AsArray().Select(a => a!.GetValue<string>()).ToList() ?? [];
        var attributes = r.Json["MessageAttributeNames"]?.AsArray().Select(a => a!.GetValue<string>()).ToList() ?? [];
        var received = new JsonArray();
        foreach (var message in Visible(queue).Take(Math.Clamp(max, 1, 10)).ToList())
        {
            var count = (message["ReceiveCount"]?.GetValue<int>() ?? 0) + 1;
            message["ReceiveCount"] = count;
            if (hideFor > 0) message["InvisibleUntil"] = DateTimeOffset.UtcNow.AddSeconds(hideFor).ToUnixTimeMilliseconds();
            var systemValues = new Dictionary<string, string>
            {
                ["SentTimestamp"] = message["SentTimestamp"]!.ToString(),
                ["ApproximateReceiveCount"] = count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["SenderId"] = "AROASCHEDULER:scheduler",
            };
            var reply = new JsonObject
            {
                ["MessageId"] = message["MessageId"]!.DeepClone(), ["ReceiptHandle"] = Guid.NewGuid().ToString("N"),
                ["MD5OfBody"] = message["MD5OfBody"]!.DeepClone(), ["Body"] = message["Body"]!.DeepClone(),
            };
            if (system.Count > 0)
                reply["Attributes"] = new JsonObject(systemValues.Where(a => system.Contains("All") || system.Contains(a.Key))
                    .Select(a => KeyValuePair.Create(a.Key, (JsonNode?)JsonValue.Create(a.Value))));
            if (attributes.Count > 0)
                reply["MessageAttributes"] = new JsonObject(message["MessageAttributes"]!.AsObject()
                    .Where(a => attributes.Contains("All") || attributes.Contains(".*") || attributes.Contains(a.Key))
                    .Select(a => KeyValuePair.Create(a.Key, a.Value?.DeepClone())));
            received.Add(reply);
        }
        return received.Count == 0 ? [] : new() { ["Messages"] = received };
    }

    // ---- ECR over the local registry ----
    private static JsonObject GetAuthorizationToken(Cloud c, AwsRequest r)
    {
        var registry = c.Registry ?? throw new AwsError("ServerException", "This stand-in has no registry behind ECR (start it with one).");
        return new()
        {
            ["authorizationData"] = new JsonArray(new JsonObject
            {
                ["authorizationToken"] = Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:" + registry.Password)),
                ["expiresAt"] = Cloud.Time(DateTimeOffset.UtcNow.AddHours(12)), ["proxyEndpoint"] = "https://" + registry.Host,
            }),
        };
    }

    private static JsonObject Repository(Cloud c, AwsRequest r, string name) =>
        c.Repositories.TryGetValue(name, out var repository) ? repository
            : throw new AwsError("RepositoryNotFoundException", $"The repository with name '{name}' does not exist in the registry with id '{c.Account}'");

    private static JsonObject DescribeImages(Cloud c, AwsRequest r)
    {
        var name = Str(r, "repositoryName");
        Repository(c, r, name);
        var tags = RegistryClient.Tags(c.Registry!, name);
        var wanted = r.Json["imageIds"]?.AsArray().Select(i => i!["imageTag"]?.GetValue<string>()).Where(t => t is not null).ToList()
                     ?? tags.Cast<string?>().ToList();
        var details = new JsonArray();
        foreach (var tag in wanted)
        {
            if (!tags.Contains(tag!))
                throw new AwsError("ImageNotFoundException",
                    $"The image with imageId {{imageDigest:'null', imageTag:'{tag}'}} does not exist within the repository with name '{name}' " +
                    $"in the registry with id '{c.Account}'");
            var (digest, size, mediaType) = RegistryClient.Manifest(c.Registry!, name, tag!);
            details.Add(new JsonObject
            {
                ["registryId"] = c.Account, ["repositoryName"] = name, ["imageDigest"] = digest, ["imageTags"] = new JsonArray(tag),
                ["imageSizeInBytes"] = size, ["imagePushedAt"] = Cloud.Time(DateTimeOffset.UtcNow), ["imageManifestMediaType"] = mediaType,
            });
        }
        return new() { ["imageDetails"] = details };
    }

    // ---- EKS ----
    private static JsonObject Nodegroup(Cloud c, AwsRequest r) =>
        Found(c.Nodegroups, r.Route["name"] + "/" + r.Route["nodegroupName"], "ResourceNotFoundException",
            $"No node group found for name: {r.Route["nodegroupName"]}.");

    private static JsonObject UpdateNodegroupConfig(Cloud c, AwsRequest r) => UpdateNodegroupScaling(c, Nodegroup(c, r), r.Json["scalingConfig"]?.AsObject());

    /// <summary>UpdateNodegroupConfig's effect on a node group (also what a sleep schedule's universal target does).</summary>
    internal static JsonObject UpdateNodegroupScaling(Cloud c, JsonObject nodegroup, JsonObject? scaling)
    {
        if (scaling is not null && !c.Faults.IsStalled("eks:UpdateNodegroupConfig"))
            foreach (var (key, value) in scaling) nodegroup["scalingConfig"]![key] = value!.DeepClone();
        return new()
        {
            ["update"] = new JsonObject
            {
                ["id"] = Guid.NewGuid().ToString(), ["status"] = "InProgress", ["type"] = "ConfigUpdate", ["createdAt"] = Cloud.Time(DateTimeOffset.UtcNow),
                ["params"] = new JsonArray((scaling ?? [])
                    .Select(p => (JsonNode)new JsonObject { ["type"] = char.ToUpperInvariant(p.Key[0]) + p.Key[1..], ["value"] = p.Value!.ToString() })
                    .ToArray()),
                ["errors"] = new JsonArray(),
            },
        };
    }

    // ---- EC2 and RDS: transitions settle on the next describe, unless stalled ----
    private static JsonObject DescribeInstances(Cloud c, AwsRequest r)
    {
        var ids = r.List("InstanceId");
        foreach (var id in ids)
            if (!c.Instances.ContainsKey(id)) throw new AwsError("InvalidInstanceID.NotFound", $"The instance ID '{id}' does not exist");
        var instances = c.Instances.Where(i => ids.Count == 0 || ids.Contains(i.Key)).Select(i => i.Value).ToList();
        foreach (var instance in instances)
            if (instance["Settles"]?.GetValue<string>() is { } next && !c.Faults.IsStalled(instance["StalledBy"]!.GetValue<string>()))
            {
                instance["State"] = InstanceState(next);
                instance.Remove("Settles");
                instance.Remove("StalledBy");
            }
        return new()
        {
            ["Reservations"] = new JsonArray(instances.Select(i =>
            {
                var copy = i.DeepClone().AsObject();
                copy.Remove("Settles");
                copy.Remove("StalledBy");
                return (JsonNode)new JsonObject
                {
                    ["ReservationId"] = "r-0" + c.Hex(16, i["InstanceId"]!.ToString()), ["OwnerId"] = c.Account, ["Instances"] = new JsonArray(copy),
                };
            }).ToArray()),
        };
    }

    /// <summary>Adds or overwrites tags on instances (the only resources the pipeline tags).</summary>
    private static JsonObject CreateTags(Cloud c, AwsRequest r)
    {
        var tags = Enumerable.Range(1, 50).Select(i => (Key: r.Param($"Tag.{i}.Key"), Value: r.Param($"Tag.{i}.Value") ?? ""))
            .TakeWhile(t => t.Key is not null).ToArray();
        foreach (var id in r.List("ResourceId"))
        {
            var instance = c.Instances.GetValueOrDefault(id) ?? throw new AwsError("InvalidInstanceID.NotFound", $"The instance ID '{id}' does not exist");
            var list = instance["Tags"] as JsonArray ?? (JsonArray)(instance["Tags"] = new JsonArray());
            foreach (var (key, value) in tags)
            {
                if (list.FirstOrDefault(t => t!["Key"]!.GetValue<string>() == key) is { } existing) list.Remove(existing);
                list.Add(new JsonObject { ["Key"] = key, ["Value"] = value });
            }
        }
        return [];
    }

    public static JsonObject InstanceState(string name) => new()
    {
        ["Code"] = name switch { "pending" => 0, "running" => 16, "shutting-down" => 32, "terminated" => 48, "stopping" => 64, _ => 80 }, ["Name"] = name,
    };

    private static JsonArray Transition(Cloud c, AwsRequest r, string transitional, string final, int _) =>
        Transition(c, r.List("InstanceId"), Actions.Of("ec2", r.Operation!), transitional, final);

    /// <summary>Stop or start instances (also what a sleep schedule's universal target does).</summary>
    internal static JsonArray Transition(Cloud c, IEnumerable<string> ids, string action, string transitional, string final)
    {
        var changes = new JsonArray();
        foreach (var id in ids)
        {
            var instance = c.Instances.GetValueOrDefault(id) ?? throw new AwsError("InvalidInstanceID.NotFound", $"The instance ID '{id}' does not exist");
            var previous = instance["State"]!.DeepClone();
            if (previous["Name"]!.GetValue<string>() != final)
            {
                instance["State"] = InstanceState(transitional);
                instance["Settles"] = final;
                instance["StalledBy"] = action;
            }
            changes.Add(new JsonObject { ["InstanceId"] = id, ["CurrentState"] = instance["State"]!.DeepClone(), ["PreviousState"] = previous });
        }
        return changes;
    }

    private static JsonObject Database(Cloud c, string id, bool settle)
    {
        var db = c.Databases.GetValueOrDefault(id) ?? throw new AwsError("DBInstanceNotFound", $"DBInstance {id} not found.", 404);
        if (settle && db["Settles"]?.GetValue<string>() is { } next && !c.Faults.IsStalled(db["StalledBy"]!.GetValue<string>()))
        {
            db["DBInstanceStatus"] = next;
            db.Remove("Settles");
            db.Remove("StalledBy");
        }
        var copy = db.DeepClone().AsObject();
        copy.Remove("Settles");
        copy.Remove("StalledBy");
        return copy;
    }

    private static JsonObject DatabaseTransition(Cloud c, AwsRequest r, string from, string transitional, string final) =>
        DatabaseTransition(c, r.Required("DBInstanceIdentifier"), Actions.Of("rds", r.Operation!), from, transitional, final);

    /// <summary>Stop or start a database (also what a sleep schedule's universal target does).</summary>
    internal static JsonObject DatabaseTransition(Cloud c, string id, string action, string from, string transitional, string final)
    {
        Database(c, id, settle: false);
        var db = c.Databases[id];
        var status = db["DBInstanceStatus"]!.GetValue<string>();
        if (status != from)
            throw new AwsError("InvalidDBInstanceState", $"Instance {id} is not in {from} state.");
        db["DBInstanceStatus"] = transitional;
        db["Settles"] = final;
        db["StalledBy"] = action;
        return Database(c, id, settle: false);
    }

    // ---- Secrets Manager ----
    private static SecretRecord Secret(Cloud c, AwsRequest r)
    {
        var id = Str(r, "SecretId");
        return c.Secrets.Values.FirstOrDefault(s => s.Name == id || s.Arn == id)
               ?? throw new AwsError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
    }

    private static JsonObject GetSecretValue(Cloud c, AwsRequest r)
    {
        var secret = Secret(c, r);
        if (secret.Deleted is not null)
            throw new AwsError("InvalidRequestException", "You can't perform this operation on the secret because it was marked for deletion.");
        return new()
        {
            ["ARN"] = secret.Arn, ["Name"] = secret.Name, ["VersionId"] = secret.VersionId, ["SecretString"] = secret.Value.ToJsonString(),
            ["VersionStages"] = new JsonArray("AWSCURRENT"), ["CreatedDate"] = Cloud.Time(secret.Created),
        };
    }

    private static JsonObject DescribeSecret(Cloud c, AwsRequest r)
    {
        var secret = Secret(c, r);
        var result = new JsonObject
        {
            ["ARN"] = secret.Arn, ["Name"] = secret.Name, ["Description"] = secret.Description, ["CreatedDate"] = Cloud.Time(secret.Created),
            ["LastChangedDate"] = Cloud.Time(secret.Created), ["VersionIdsToStages"] = new JsonObject { [secret.VersionId] = new JsonArray("AWSCURRENT") },
        };
        if (secret.Deleted is { } deleted) result["DeletedDate"] = Cloud.Time(deleted);
        return result;
    }

    private static JsonObject DeleteSecret(Cloud c, AwsRequest r)
    {
        var secret = Secret(c, r);
        var force = r.Json["ForceDeleteWithoutRecovery"]?.GetValue<bool>() == true;
        if (force) c.Secrets.Remove(secret.Name);
        else secret.Deleted ??= DateTimeOffset.UtcNow;
        var days = r.Json["RecoveryWindowInDays"]?.GetValue<long>() ?? 30;
        return new()
        {
            ["ARN"] = secret.Arn, ["Name"] = secret.Name, ["DeletionDate"] = Cloud.Time(force ? DateTimeOffset.UtcNow : secret.Deleted!.Value.AddDays(days)),
        };
    }

    // ---- EventBridge Scheduler (the default group): create and update take the whole definition, as the API does ----
    private static readonly string[] ScheduleMembers =
        [
            "ActionAfterCompletion", "Description", "EndDate", "FlexibleTimeWindow", "KmsKeyArn", "ScheduleExpression", "ScheduleExpressionTimezone",
            "StartDate", "State", "Target",
        ];

    private static JsonObject PutSchedule(Cloud c, AwsRequest r, bool create)
    {
        var name = r.Route["Name"];
        var existing = c.Schedules.GetValueOrDefault(name);
        if (create && existing is not null) throw new AwsError("ConflictException", $"Schedule {name} already exists.", 409);
        if (!create && existing is null) throw new AwsError("ResourceNotFoundException", $"Schedule {name} does not exist.", 404);
        foreach (var required in new[] { "FlexibleTimeWindow", "ScheduleExpression", "Target" })
            if (r.Json[required] is null)
                throw new AwsError("ValidationException",
                    $"1 validation error detected: Value null at '{required}' failed to satisfy constraint: Member must not be null");
        if (r.Json["Target"]!["Arn"] is null || r.Json["Target"]!["RoleArn"] is null)
            throw new AwsError("ValidationException", "1 validation error detected: a target needs its Arn and RoleArn");
        c.Schedules[name] = Schedule(c, name, r.Json, existing?["CreationDate"]?.GetValue<string>());
        return new() { ["ScheduleArn"] = c.Schedules[name]["Arn"]!.DeepClone() };
    }

    /// <summary>A schedule as GetSchedule answers, from a request's or a template's definition (timestamps as epoch seconds or ISO 8601).</summary>
    public static JsonObject Schedule(Cloud c, string name, JsonObject definition, string? created)
    {
        var now = Cloud.Time(DateTimeOffset.UtcNow);
        var schedule = new JsonObject
        {
            ["Arn"] = $"arn:aws:scheduler:{c.Region}:{c.Account}:schedule/default/{name}", ["Name"] = name, ["GroupName"] = "default",
            ["CreationDate"] = created ?? now, ["LastModificationDate"] = now, ["State"] = "ENABLED",
        };
        foreach (var member in ScheduleMembers)
            if (definition[member] is { } value)
                schedule[member] = member is "StartDate" or "EndDate" && value.GetValueKind() == System.Text.Json.JsonValueKind.Number
                    ? Cloud.Time(DateTimeOffset.FromUnixTimeMilliseconds((long)(value.GetValue<double>() * 1000)))
                    : Numbers(value.DeepClone());
        return schedule;
    }

    /// <summary>A template's numbers may arrive as strings ("0"); the API's are numbers.</summary>
    private static JsonNode Numbers(JsonNode node)
    {
        if (node is JsonObject o)
            foreach (var key in o.Select(p => p.Key).ToList())
                o[key] = key is "MaximumRetryAttempts" or "MaximumEventAgeInSeconds" or "MaximumWindowInMinutes"
                         && o[key]?.GetValueKind() == System.Text.Json.JsonValueKind.String
                    ? long.Parse(o[key]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)
                    : o[key] is { } child ? Numbers(child.DeepClone()) : null;
        return node;
    }

    private static bool Tagged(JsonObject resource, AwsRequest r)
    {
        var types = r.Json["ResourceTypeFilters"]?.AsArray().Select(t => t!.GetValue<string>()).ToList() ?? [];
        var arn = resource["ResourceARN"]!.GetValue<string>();
        if (types.Count > 0 && !types.Any(t => arn.Contains(":" + t.Split(':')[0] + ":", StringComparison.Ordinal)
                                               && arn.Contains(t.Split(':')[1].Replace("loadbalancer", "loadbalancer/"), StringComparison.Ordinal)))
            return false;
        // Every filter must match: its key, and one of its values when it lists any.
        var tags = resource["Tags"]!.AsArray().ToDictionary(t => t!["Key"]!.GetValue<string>(), t => t!["Value"]?.GetValue<string>() ?? "");
        return (r.Json["TagFilters"]?.AsArray() ?? []).All(f => tags.TryGetValue(f!["Key"]!.GetValue<string>(), out var value)
            && (f["Values"]?.AsArray() is not { Count: > 0 } values || values.Any(v => v!.GetValue<string>() == value)));
    }
}
