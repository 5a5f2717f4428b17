using System.Text.Json.Nodes;

namespace Exchange.AwsStandIn;

/// <summary>A stack: its deployed template (kept as sent, for GetTemplate), parameters, tags, resources, outputs and events.</summary>
public sealed class StackRecord
{
    public required string Name { get; init; }
    public required string Id { get; init; }
    public string Status { get; set; } = "REVIEW_IN_PROGRESS";
    public string? StatusReason { get; set; }
    public DateTimeOffset Created { get; init; } = DateTimeOffset.UtcNow;
    public DateTimeOffset? Updated { get; set; }
    public DateTimeOffset? Deleted { get; set; }
    public string TemplateBody { get; set; } = "{}";
    public JsonObject Template { get; set; } = [];
    public Dictionary<string, string> Parameters { get; set; } = [];
    public JsonArray Tags { get; set; } = [];
    public JsonArray Capabilities { get; set; } = [];
    public string? Description { get; set; }
    public Dictionary<string, (string Type, string PhysicalId, string Status, DateTimeOffset Time, string Hash)> Resources { get; set; } = [];
    public JsonArray Outputs { get; set; } = [];
    public List<JsonObject> Events { get; } = []; // newest first
    public Dictionary<string, ChangeSetRecord> ChangeSets { get; } = [];
    /// <summary>How often each resource was replaced (see <see cref="StackContext.Generations"/>).</summary>
    public Dictionary<string, int> Generations { get; set; } = [];

    /// <summary>An independent copy (change sets are shared: they do not change once executed).</summary>
    public StackRecord Copy()
    {
        var copy = new StackRecord
        {
            Name = Name, Id = Id, Status = Status, StatusReason = StatusReason, Created = Created, Updated = Updated, Deleted = Deleted,
            TemplateBody = TemplateBody, Template = (JsonObject)Template.DeepClone(), Parameters = new(Parameters), Tags = (JsonArray)Tags.DeepClone(),
            Capabilities = (JsonArray)Capabilities.DeepClone(), Description = Description, Resources = new(Resources), Outputs = (JsonArray)Outputs.DeepClone(),
            Generations = new(Generations),
        };
        copy.Events.AddRange(Events.Select(e => (JsonObject)e.DeepClone()));
        foreach (var (name, changeSet) in ChangeSets) copy.ChangeSets[name] = changeSet;
        return copy;
    }
}

public sealed class ChangeSetRecord
{
    public required string Name { get; init; }
    public required string Id { get; init; }
    public required string Type { get; init; }
    public required string TemplateBody { get; init; }
    public required JsonObject Template { get; init; }
    public required Dictionary<string, string> Parameters { get; init; }
    public required JsonArray Tags { get; init; }
    public required JsonArray Capabilities { get; init; }
    public string Status { get; set; } = "CREATE_COMPLETE";
    public string? StatusReason { get; set; }
    public string ExecutionStatus { get; set; } = "AVAILABLE";
    public JsonArray Changes { get; set; } = [];
    public DateTimeOffset Created { get; } = DateTimeOffset.UtcNow;
}

/// <summary>
/// CloudFormation, enough for the real CDK CLI: stacks created, updated and deleted through change sets,
/// events, outputs with intrinsics resolved, exports and imports (an export in use cannot be deleted),
/// GetTemplate (so an unchanged template really deploys as "(no changes)"), rollback when a resource fails.
/// Change sets execute at once: every stack is stable by the time the CLI looks again; in the timed world
/// (<see cref="Cloud.Timing"/>) a stack stays in progress as long as AWS would take for its resources.
/// </summary>
public static class CloudFormation
{
    private const string NoChanges = "The submitted information didn't contain changes. Submit different information to create a change set.";

    public static readonly Dictionary<string, Func<Cloud, AwsRequest, JsonObject>> Operations = new()
    {
        ["DescribeStacks"] = (c, r) => new()
        {
            ["Stacks"] = new JsonArray((r.Param("StackName") is { } name ? [Find(c, name)] : c.Stacks.Values.ToList()).Select(Describe).ToArray()),
        },
        ["DescribeStackEvents"] = (c, r) => new()
        {
            ["StackEvents"] = new JsonArray(Find(c, r.Required("StackName")).Events.Select(e => e.DeepClone()).ToArray()),
        },
        ["GetTemplate"] = (c, r) =>
        {
            var stack = Find(c, r.Required("StackName"));
            var body = r.Param("ChangeSetName") is { } cs ? ChangeSet(stack, cs).TemplateBody : stack.TemplateBody;
            return new() { ["TemplateBody"] = body, ["StagesAvailable"] = new JsonArray("Original", "Processed") };
        },
        ["CreateChangeSet"] = CreateChangeSet,
        ["DescribeChangeSet"] = (c, r) => DescribeChangeSet(c, r),
        ["ExecuteChangeSet"] = (c, r) =>
        {
            var stack = Find(c, r.Required("StackName"));
            var cs = ChangeSet(stack, r.Required("ChangeSetName"));
            if (cs.ExecutionStatus != "AVAILABLE")
                throw new AwsError("InvalidChangeSetStatus", $"ChangeSet [{cs.Id}] cannot be executed in its current status of [{cs.Status}]");
            if (c.Timing is { } timing) Begin(c, stack, cs, timing);
            else Deploy(c, stack, cs);
            stack.ChangeSets.Remove(cs.Name);
            return [];
        },
        ["DeleteChangeSet"] = (c, r) =>
        {
            var stack = Find(c, r.Required("StackName")); // succeeds as long as the stack exists, even without the change set
            var name = r.Required("ChangeSetName");
            stack.ChangeSets.Remove(stack.ChangeSets.Values.FirstOrDefault(cs => cs.Id == name)?.Name ?? name);
            if (stack.Status == "REVIEW_IN_PROGRESS" && stack.ChangeSets.Count == 0) c.Stacks.Remove(stack.Name);
            return [];
        },
        ["DeleteStack"] = (c, r) =>
        {
            if (c.Stacks.TryGetValue(r.Required("StackName"), out var stack)
                || (stack = c.Stacks.Values.FirstOrDefault(s => s.Id == r.Required("StackName"))) is not null)
            {
                if (c.Timing is { } timing) BeginDelete(c, stack, timing);
                else Delete(c, stack);
            }
            return [];
        },
        ["ListStackResources"] = (c, r) => new()
        {
            ["StackResourceSummaries"] = new JsonArray(Find(c, r.Required("StackName")).Resources.Select(p => (JsonNode)new JsonObject
            {
                ["LogicalResourceId"] = p.Key, ["PhysicalResourceId"] = p.Value.PhysicalId, ["ResourceType"] = p.Value.Type,
                ["LastUpdatedTimestamp"] = Cloud.Time(p.Value.Time), ["ResourceStatus"] = p.Value.Status,
            }).ToArray()),
        },
        ["ListExports"] = (c, _) => new()
        {
            ["Exports"] = new JsonArray(c.Exports.Select(e => (JsonNode)new JsonObject
            {
                ["ExportingStackId"] = c.Stacks[e.Value.Stack].Id, ["Name"] = e.Key, ["Value"] = e.Value.Value,
            }).ToArray()),
        },
    };

    private static StackRecord Find(Cloud c, string nameOrId) =>
        c.Stacks.GetValueOrDefault(nameOrId) ?? c.Stacks.Values.FirstOrDefault(s => s.Id == nameOrId) ?? c.DeletedStacks.FirstOrDefault(s => s.Id == nameOrId)
        ?? throw new AwsError("ValidationError", $"Stack with id {nameOrId} does not exist");

    private static ChangeSetRecord ChangeSet(StackRecord stack, string nameOrId) =>
        stack.ChangeSets.GetValueOrDefault(nameOrId) ?? stack.ChangeSets.Values.FirstOrDefault(cs => cs.Id == nameOrId)
        ?? throw new AwsError("ChangeSetNotFound", $"ChangeSet [{nameOrId}] does not exist", 404);

    private static JsonObject Describe(StackRecord s)
    {
        var result = new JsonObject
        {
            ["StackId"] = s.Id, ["StackName"] = s.Name, ["CreationTime"] = Cloud.Time(s.Created), ["StackStatus"] = s.Status,
            ["Parameters"] = new JsonArray(s.Parameters.Select(p => (JsonNode)Parameter(s, p.Key, p.Value)).ToArray()),
            ["Tags"] = s.Tags.DeepClone(), ["Outputs"] = s.Outputs.DeepClone(), ["Capabilities"] = s.Capabilities.DeepClone(),
            ["EnableTerminationProtection"] = false, ["DisableRollback"] = false, ["NotificationARNs"] = new JsonArray(),
            ["DriftInformation"] = new JsonObject { ["StackDriftStatus"] = "NOT_CHECKED" },
        };
        if (s.StatusReason is not null) result["StackStatusReason"] = s.StatusReason;
        if (s.Updated is { } updated) result["LastUpdatedTime"] = Cloud.Time(updated);
        if (s.Deleted is { } deleted) result["DeletionTime"] = Cloud.Time(deleted);
        if (s.Description is not null) result["Description"] = s.Description;
        return result;
    }

    private static JsonObject Parameter(StackRecord s, string key, string value)
    {
        var p = new JsonObject { ["ParameterKey"] = key, ["ParameterValue"] = value };
        if (s.Template["Parameters"]?[key]?["Type"]?.GetValue<string>()?.StartsWith("AWS::SSM::Parameter::Value", StringComparison.Ordinal) == true)
            p["ResolvedValue"] = ResolvedParameter(s.Template, key, value, null);
        return p;
    }

    private static string ResolvedParameter(JsonObject template, string key, string value, Cloud? cloud) =>
        template["Parameters"]?[key]?["Type"]?.GetValue<string>()?.StartsWith("AWS::SSM::Parameter::Value", StringComparison.Ordinal) == true
            && cloud is not null
            ? cloud.Parameters.TryGetValue(value, out var p) ? p["Value"]!.GetValue<string>()
                : throw new UnresolvableException($"Parameters: [{key}] must have values (SSM parameter {value} does not exist)")
            : value;

    private static JsonObject CreateChangeSet(Cloud c, AwsRequest r)
    {
        var name = r.Required("StackName");
        var type = r.Param("ChangeSetType") ?? "UPDATE";
        var csName = r.Required("ChangeSetName");
        c.Stacks.TryGetValue(name, out var stack);
        if (type == "CREATE" && stack is not null && stack.Status != "REVIEW_IN_PROGRESS")
            throw new AwsError("AlreadyExistsException", $"Stack [{name}] already exists and cannot be created again with the changeSet [{csName}].");
        if (type == "UPDATE" && (stack is null || stack.Status == "REVIEW_IN_PROGRESS"))
            throw new AwsError("ValidationError", $"Stack [{name}] does not exist");
        var body = r.Param("TemplateBody") ?? FetchTemplate(c, r.Param("TemplateURL")
                   ?? (r.Param("UsePreviousTemplate") == "true"
                       ? null
                       : throw new AwsError("ValidationError", "Either Template URL or Template Body must be specified.")))
                   ?? stack!.TemplateBody;
        JsonObject template;
        try { template = ParseTemplate(body); }
        catch (Exception e) when (e is System.Text.Json.JsonException or YamlDotNet.Core.YamlException or InvalidOperationException)
        {
            throw new AwsError("ValidationError", "Template format error: YAML not well-formed. " + e.Message);
        }
        if (stack is null)
        {
            stack = new StackRecord { Name = name, Id = $"arn:aws:cloudformation:{c.Region}:{c.Account}:stack/{name}/{Guid.NewGuid()}" };
            c.Stacks[name] = stack; // REVIEW_IN_PROGRESS: not an event status in the model, so no event
        }
        var parameters = Parameters(r, template, stack);
        var cs = new ChangeSetRecord
        {
            Name = csName, Id = $"arn:aws:cloudformation:{c.Region}:{c.Account}:changeSet/{csName}/{Guid.NewGuid()}", Type = type, TemplateBody = body,
            Template = template, Parameters = parameters, Tags = Tags(r),
            Capabilities = new JsonArray(r.List("Capabilities").Select(x => (JsonNode)JsonValue.Create(x)).ToArray()),
        };
        stack.ChangeSets[csName] = cs;
        try
        {
            var context = Context(c, stack, template, parameters);
            foreach (var import in Intrinsics.Imports(context, template["Resources"]).Concat(Intrinsics.Imports(context, template["Outputs"])))
                if (!c.Exports.ContainsKey(import)) throw new UnresolvableException($"No export named {import} found");
            cs.Changes = Changes(context, stack, Replaced(c, stack, context));
            if (cs.Changes.Count == 0 && stack.Status != "REVIEW_IN_PROGRESS" && body == stack.TemplateBody && Same(parameters, stack.Parameters)
                && cs.Tags.ToJsonString() == stack.Tags.ToJsonString())
                (cs.Status, cs.StatusReason, cs.ExecutionStatus) = ("FAILED", NoChanges, "UNAVAILABLE");
        }
        catch (UnresolvableException e)
        {
            (cs.Status, cs.StatusReason, cs.ExecutionStatus) = ("FAILED", e.Message, "UNAVAILABLE");
        }
        return new() { ["Id"] = cs.Id, ["StackId"] = stack.Id };
    }

    /// <summary>A JSON or YAML template (YAML in long form: Fn::Sub, not !Sub).</summary>
    internal static JsonObject ParseTemplate(string body)
    {
        if (body.TrimStart().StartsWith('{')) return JsonNode.Parse(body)!.AsObject();
        var yaml = new YamlDotNet.Serialization.DeserializerBuilder().Build().Deserialize(new StringReader(body));
        var json = new YamlDotNet.Serialization.SerializerBuilder().JsonCompatible().Build().Serialize(yaml);
        return JsonNode.Parse(json)!.AsObject();
    }

    private static bool Same(Dictionary<string, string> a, Dictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.GetValueOrDefault(p.Key) == p.Value);

    private static JsonArray Tags(AwsRequest r) =>
        new(r.Structures("Tags").Select(t => (JsonNode)new JsonObject { ["Key"] = t["Key"], ["Value"] = t.GetValueOrDefault("Value", "") }).ToArray());

    private static Dictionary<string, string> Parameters(AwsRequest r, JsonObject template, StackRecord stack)
    {
        var given = r.Structures("Parameters").ToDictionary(p => p["ParameterKey"],
            p => p.GetValueOrDefault("UsePreviousValue") == "true"
                ? stack.Parameters.GetValueOrDefault(p["ParameterKey"])
                : p.GetValueOrDefault("ParameterValue"));
        var result = new Dictionary<string, string>();
        foreach (var (key, declaration) in template["Parameters"] as JsonObject ?? [])
        {
            var value = given.GetValueOrDefault(key) ?? declaration?["Default"]?.ToString()
                        ?? throw new AwsError("ValidationError", $"Parameters: [{key}] must have values");
            result[key] = value;
        }
        return result;
    }

    private static StackContext Context(Cloud c, StackRecord stack, JsonObject template, Dictionary<string, string> parameters,
        IReadOnlyDictionary<string, int>? generations = null) =>
        new(c, stack.Name, stack.Id, template, parameters.ToDictionary(p => p.Key, p => ResolvedParameter(template, p.Key, p.Value, c)))
        {
            Generations = generations ?? stack.Generations,
        };

    /// <summary>
    /// The deployed resources this template changes in a way their type cannot update in place: CloudFormation replaces them
    /// (<see cref="Replacement"/>), creating the new physical resource before it deletes the old one.
    /// </summary>
    private static IReadOnlyList<string> Replaced(Cloud c, StackRecord stack, StackContext context)
    {
        if (stack.Status == "REVIEW_IN_PROGRESS") return [];
        var deployed = Context(c, stack, stack.Template, stack.Parameters);
        return Active(context).Where(id => stack.Resources.TryGetValue(id, out var old) && old.Type == context.Type(id)
                && Replacement.Requires(old.Type, Properties(deployed, id), Properties(context, id)))
            .ToArray();
    }

    private static JsonObject Properties(StackContext context, string id)
    {
        try { return Intrinsics.Resolve(context, context.Properties(id)) as JsonObject ?? []; }
        catch (UnresolvableException) { return []; }
    }

    /// <summary>The context with each replaced resource one generation on (its new physical id, and what refers to it).</summary>
    private static StackContext Replacing(Cloud c, StackRecord stack, StackContext context, IReadOnlyList<string> replaced)
    {
        if (replaced.Count == 0) return context;
        var generations = new Dictionary<string, int>(stack.Generations);
        foreach (var id in replaced) generations[id] = generations.GetValueOrDefault(id) + 1;
        return new StackContext(c, context.StackName, context.StackId, context.Template, context.Parameters) { Generations = generations };
    }

    private static string Hash(StackContext context, string id) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            (Intrinsics.Resolve(context, context.Resource(id)) ?? new JsonObject()).ToJsonString())));

    private static IEnumerable<string> Active(StackContext context) =>
        context.Resources.Where(p => p.Value is JsonObject o && context.IsActive(o)).Select(p => p.Key);

    private static JsonArray Changes(StackContext context, StackRecord stack, IReadOnlyList<string> replaced)
    {
        var changes = new JsonArray();
        JsonObject Change(string action, string id, string type, string? physical) => new()
        {
            ["Type"] = "Resource",
            ["ResourceChange"] = new JsonObject
            {
                ["Action"] = action, ["LogicalResourceId"] = id, ["ResourceType"] = type, ["Scope"] = new JsonArray(), ["Details"] = new JsonArray(),
                ["PhysicalResourceId"] = physical, ["Replacement"] = action == "Modify" ? replaced.Contains(id) ? "True" : "False" : null,
            },
        };
        foreach (var id in Active(context))
            if (!stack.Resources.TryGetValue(id, out var old)) changes.Add(Change("Add", id, context.Type(id), null));
            else if (replaced.Contains(id) || old.Hash != Hash(context, id)) changes.Add(Change("Modify", id, context.Type(id), old.PhysicalId));
        foreach (var (id, old) in stack.Resources)
            if (!Active(context).Contains(id)) changes.Add(Change("Remove", id, old.Type, old.PhysicalId));
        foreach (var change in changes)
            foreach (var key in change!["ResourceChange"]!.AsObject().Where(p => p.Value is null).Select(p => p.Key).ToList())
                change["ResourceChange"]!.AsObject().Remove(key);
        return changes;
    }

    private static JsonObject DescribeChangeSet(Cloud c, AwsRequest r)
    {
        var stack = r.Param("StackName") is { } name
            ? Find(c, name)
            : c.Stacks.Values.First(s => s.ChangeSets.Values.Any(cs => cs.Id == r.Required("ChangeSetName")));
        var cs = ChangeSet(stack, r.Required("ChangeSetName"));
        var result = new JsonObject
        {
            ["ChangeSetName"] = cs.Name, ["ChangeSetId"] = cs.Id, ["StackId"] = stack.Id, ["StackName"] = stack.Name, ["CreationTime"] = Cloud.Time(cs.Created),
            ["ExecutionStatus"] = cs.ExecutionStatus, ["Status"] = cs.Status, ["Changes"] = cs.Changes.DeepClone(),
            ["Capabilities"] = cs.Capabilities.DeepClone(),
            ["Tags"] = cs.Tags.DeepClone(), ["NotificationARNs"] = new JsonArray(), ["IncludeNestedStacks"] = false,
            ["Parameters"] = new JsonArray(cs.Parameters
                .Select(p => (JsonNode)new JsonObject { ["ParameterKey"] = p.Key, ["ParameterValue"] = p.Value }).ToArray()),
        };
        if (cs.StatusReason is not null) result["StatusReason"] = cs.StatusReason;
        return result;
    }

    private static string? FetchTemplate(Cloud c, string? url)
    {
        if (url is null) return null;
        var uri = new Uri(url);
        var path = uri.AbsolutePath.TrimStart('/');
        var (bucket, key) = uri.Host.Contains(".s3.", StringComparison.Ordinal) || uri.Host.Contains(".s3-", StringComparison.Ordinal)
            ? (uri.Host.Split(".s3")[0], path) : (path.Split('/', 2)[0], path.Split('/', 2)[1]);
        return c.Buckets.GetValueOrDefault(bucket)?.GetValueOrDefault(Uri.UnescapeDataString(key)) is { } data
            ? System.Text.Encoding.UTF8.GetString(data)
            : throw new AwsError("ValidationError", $"S3 error: Access Denied (the template {url} is not in the stand-in's S3)");
    }

    /// <summary>The time events and records carry: a timed operation that completes records the time it was due.</summary>
    [ThreadStatic] private static DateTimeOffset? clock;

    private static DateTimeOffset Now => clock ?? DateTimeOffset.UtcNow;

    /// <summary>
    /// The timed world (<see cref="Cloud.Timing"/>): the stack says CREATE_IN_PROGRESS (UPDATE_IN_PROGRESS) now, and the change set
    /// takes effect when the resources it adds, modifies and removes would be done, in their dependency order.
    /// </summary>
    private static void Begin(Cloud c, StackRecord stack, ChangeSetRecord cs, ResourceTiming timing)
    {
        var verb = cs.Type == "CREATE" ? "CREATE" : "UPDATE";
        StackEvent(stack, verb + "_IN_PROGRESS", "User Initiated");
        string[] Ids(params string[] actions) => cs.Changes
            .Select(ch => ch!["ResourceChange"]!)
            .Where(rc => actions.Contains(rc["Action"]!.ToString()))
            .Select(rc => rc["LogicalResourceId"]!.ToString()).ToArray();
        var minutes = ResourceTiming.CriticalPath(cs.Template, Ids("Add", "Modify"), deleting: false)
                      + ResourceTiming.CriticalPath(stack.Template, Ids("Remove"), deleting: true);
        c.Schedule(stack.Name, verb, minutes, () => Deploy(c, stack, cs, announced: true));
    }

    /// <summary>The timed world: the stack says DELETE_IN_PROGRESS until its resources would be deleted.</summary>
    private static void BeginDelete(Cloud c, StackRecord stack, ResourceTiming timing)
    {
        if (stack.Status == "DELETE_IN_PROGRESS") return; // DeleteStack again while it deletes: nothing new, as in AWS
        StackEvent(stack, "DELETE_IN_PROGRESS", "User Initiated");
        var minutes = ResourceTiming.CriticalPath(stack.Template, stack.Resources.Keys, deleting: true);
        c.Schedule(stack.Name, "DELETE", minutes, () => Delete(c, stack, announced: true));
    }

    /// <summary>Completes the timed operations that are due (every request calls this first), each at the time it was due.</summary>
    public static void Advance(Cloud c)
    {
        foreach (var due in c.Due())
        {
            clock = due.Due;
            try { due.Complete(); }
            finally { clock = null; }
        }
    }

    private static void Event(StackRecord stack, string logicalId, string physicalId, string type, string status, string? reason = null)
    {
        var e = new JsonObject
        {
            ["StackId"] = stack.Id, ["EventId"] = Guid.NewGuid().ToString(), ["StackName"] = stack.Name, ["LogicalResourceId"] = logicalId,
            ["PhysicalResourceId"] = physicalId, ["ResourceType"] = type, ["Timestamp"] = Cloud.Time(Now), ["ResourceStatus"] = status,
        };
        if (reason is not null) e["ResourceStatusReason"] = reason;
        stack.Events.Insert(0, e);
    }

    private static void StackEvent(StackRecord stack, string status, string? reason = null)
    {
        stack.Status = status;
        stack.StatusReason = reason;
        // botocore's ResourceStatus enum has no *_CLEANUP_IN_PROGRESS: the stack's status says it, no event does.
        if (!status.EndsWith("_CLEANUP_IN_PROGRESS", StringComparison.Ordinal))
            Event(stack, stack.Name, stack.Id, "AWS::CloudFormation::Stack", status, reason);
    }

    /// <summary>Executes a change set: creates, updates and removes resources; on a failure, rolls back as CloudFormation does.</summary>
    private static void Deploy(Cloud c, StackRecord stack, ChangeSetRecord cs, bool announced = false)
    {
        var creating = cs.Type == "CREATE";
        var verb = creating ? "CREATE" : "UPDATE";
        if (!announced) StackEvent(stack, verb + "_IN_PROGRESS", "User Initiated");
        var context = Context(c, stack, cs.Template, cs.Parameters);
        var replaced = Replaced(c, stack, context);
        context = Replacing(c, stack, context, replaced);
        var done = new List<(string Id, string Type, string Physical)>();
        var superseded = new List<(string Id, string Type, string Physical)>(); // the old physical resources of replaced ones
        var resources = new Dictionary<string, (string Type, string PhysicalId, string Status, DateTimeOffset Time, string Hash)>();
        try
        {
            foreach (var id in Active(context))
            {
                var type = context.Type(id);
                var physical = Provisioner.PhysicalId(context, id);
                var hash = Hash(context, id);
                var isNew = !stack.Resources.TryGetValue(id, out var old);
                var replacing = replaced.Contains(id);
                if (!isNew && !replacing && old.Hash == hash) { resources[id] = old; continue; }
                var action = isNew ? "CREATE" : "UPDATE";
                // A replacement is created first, under a new physical id, while the old resource still exists.
                Event(stack, id, isNew ? "" : replacing ? old.PhysicalId : physical, type, action + "_IN_PROGRESS");
                if (replacing)
                    Event(stack, id, physical, type, "UPDATE_IN_PROGRESS",
                        "Requested update requires the creation of a new physical resource; hence creating one.");
                try
                {
                    if (c.Faults.ResourceFailure(id, type) is { } reason) throw new ResourceFailedException(reason);
                    Provisioner.Apply(context, id, isNew || replacing, isNew || replacing ? null : Context(c, stack, stack.Template, stack.Parameters));
                }
                catch (ResourceFailedException e)
                {
                    Event(stack, id, isNew ? "" : physical, type, action + "_FAILED", e.Message);
                    throw new ResourceFailedException($"The following resource(s) failed to {action.ToLowerInvariant()}: [{id}]. ");
                }
                if (isNew || replacing) done.Add((id, type, physical));
                if (replacing) superseded.Add((id, old.Type, old.PhysicalId));
                Event(stack, id, physical, type, action + "_COMPLETE");
                resources[id] = (type, physical, action + "_COMPLETE", Now, hash);
            }
            var outputs = Outputs(context);
            var exports = outputs.Where(o => o!["ExportName"] is not null)
                .ToDictionary(o => o!["ExportName"]!.GetValue<string>(), o => o!["OutputValue"]!.GetValue<string>());
            foreach (var (name, _) in exports)
                if (c.Exports.TryGetValue(name, out var e) && e.Stack != stack.Name)
                    throw new ResourceFailedException($"Export with name {name} is already exported by stack {e.Stack}");
            foreach (var (name, export) in c.Exports.Where(e => e.Value.Stack == stack.Name && !exports.ContainsKey(e.Key)).ToList())
                if (Importer(c, name, stack.Name) is { } importer)
                    throw new ResourceFailedException($"Cannot delete export {name} as it is in use by {importer}.");
            foreach (var (name, export) in c.Exports.Where(e => e.Value.Stack == stack.Name).ToList()) c.Exports.Remove(name);
            foreach (var (name, value) in exports) c.Exports[name] = (value, stack.Name);
            if (!creating) StackEvent(stack, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"); // a status, no event (see StackEvent)
            // Cleanup: the old physical resources of replaced ones, then the resources the template no longer has.
            foreach (var (id, type, physical) in superseded
                         .Concat(stack.Resources.Where(p => !resources.ContainsKey(p.Key)).Reverse().Select(p => (p.Key, p.Value.Type, p.Value.PhysicalId))))
            {
                Event(stack, id, physical, type, "DELETE_IN_PROGRESS");
                Provisioner.Remove(c, type, physical);
                Event(stack, id, physical, type, "DELETE_COMPLETE");
            }
            stack.Generations = new Dictionary<string, int>(context.Generations);
            (stack.Template, stack.TemplateBody, stack.Parameters, stack.Tags, stack.Capabilities, stack.Resources, stack.Outputs) =
                (cs.Template, cs.TemplateBody, cs.Parameters, cs.Tags, cs.Capabilities, resources, outputs);
            stack.Description = cs.Template["Description"]?.ToString();
            if (!creating) stack.Updated = Now;
            StackEvent(stack, verb + "_COMPLETE");
        }
        catch (Exception e) when (e is ResourceFailedException or UnresolvableException)
        {
            var reason = e.Message + (e is ResourceFailedException ? "Rollback requested by user." : "");
            StackEvent(stack, creating ? "ROLLBACK_IN_PROGRESS" : "UPDATE_ROLLBACK_IN_PROGRESS", reason);
            foreach (var (id, type, physical) in Enumerable.Reverse(done))
            {
                Event(stack, id, physical, type, "DELETE_IN_PROGRESS");
                Provisioner.Remove(c, type, physical);
                Event(stack, id, physical, type, "DELETE_COMPLETE");
            }
            if (creating) stack.Resources.Clear();
            StackEvent(stack, creating ? "ROLLBACK_COMPLETE" : "UPDATE_ROLLBACK_COMPLETE", creating ? reason : null);
            if (!creating) stack.StatusReason = null;
        }
    }

    private static JsonArray Outputs(StackContext context)
    {
        var outputs = new JsonArray();
        foreach (var (key, node) in context.Template["Outputs"] as JsonObject ?? [])
        {
            if (node is not JsonObject o || !context.IsActive(o)) continue;
            var output = new JsonObject { ["OutputKey"] = key, ["OutputValue"] = Intrinsics.Text(Intrinsics.Resolve(context, o["Value"])) };
            if (o["Description"] is { } description) output["Description"] = description.ToString();
            if (o["Export"]?["Name"] is { } export) output["ExportName"] = Intrinsics.Text(Intrinsics.Resolve(context, export));
            outputs.Add(output);
        }
        return outputs;
    }

    private static string? Importer(Cloud c, string export, string except) =>
        c.Stacks.Values.Where(s => s.Name != except && s.Status != "REVIEW_IN_PROGRESS")
            .FirstOrDefault(s => Intrinsics.Imports(new StackContext(c, s.Name, s.Id, s.Template, s.Parameters), s.Template).Contains(export))?.Name;

    private static void Delete(Cloud c, StackRecord stack, bool announced = false)
    {
        if (!announced) StackEvent(stack, "DELETE_IN_PROGRESS", "User Initiated");
        foreach (var export in c.Exports.Where(e => e.Value.Stack == stack.Name).Select(e => e.Key))
            if (Importer(c, export, stack.Name) is { } importer)
            {
                StackEvent(stack, "DELETE_FAILED", $"Export {export} cannot be deleted as it is in use by {importer}");
                return;
            }
        foreach (var (id, resource) in stack.Resources.Reverse())
        {
            var policy = stack.Template["Resources"]?[id]?["DeletionPolicy"]?.ToString();
            Event(stack, id, resource.PhysicalId, resource.Type, "DELETE_IN_PROGRESS");
            if (policy is "Retain" or "RetainExceptOnCreate")
            {
                Event(stack, id, resource.PhysicalId, resource.Type, "DELETE_SKIPPED");
                continue;
            }
            if (resource.Type == "AWS::S3::Bucket" && c.Buckets.GetValueOrDefault(resource.PhysicalId) is { Count: > 0 })
            {
                // As in AWS: CloudFormation deletes only an empty bucket, and the stack stays in DELETE_FAILED.
                Event(stack, id, resource.PhysicalId, resource.Type, "DELETE_FAILED",
                    "The bucket you tried to delete is not empty (Service: S3, Status Code: 409, Error Code: BucketNotEmpty)");
                StackEvent(stack, "DELETE_FAILED", $"The following resource(s) failed to delete: [{id}]. ");
                return;
            }
            Provisioner.Remove(c, resource.Type, resource.PhysicalId);
            Event(stack, id, resource.PhysicalId, resource.Type, "DELETE_COMPLETE");
        }
        // EKS delivers a logging cluster's last control-plane logs while it is deleted, and so recreates the
        // log group CloudFormation has just removed: it outlives the stack, as in AWS.
        foreach (var (id, resource) in stack.Resources.Where(r => r.Value.Type == "AWS::EKS::Cluster"))
            if ((stack.Template["Resources"]?[id]?["Properties"]?["Logging"]?["ClusterLogging"]?["EnabledTypes"] as JsonArray)?.Count > 0)
                c.LogGroups.TryAdd($"/aws/eks/{resource.PhysicalId}/cluster", Provisioner.LogGroup(c, $"/aws/eks/{resource.PhysicalId}/cluster", null));
        foreach (var export in c.Exports.Where(e => e.Value.Stack == stack.Name).Select(e => e.Key).ToList()) c.Exports.Remove(export);
        StackEvent(stack, "DELETE_COMPLETE");
        stack.Deleted = Now;
        c.Stacks.Remove(stack.Name);
        c.DeletedStacks.Add(stack);
    }
}
