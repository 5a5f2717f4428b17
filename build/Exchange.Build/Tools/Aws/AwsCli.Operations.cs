using System.Text.Json;
using Exchange.Build.Processes;

namespace Exchange.Build.Aws;

/// <summary>An EC2 instance as describe-instances shows it: its state and its tags.</summary>
public sealed record InstanceDescription(string State, IReadOnlyDictionary<string, string> Tags);

public sealed record NodegroupScaling(int MinSize, int MaxSize, int DesiredSize)
{
    public override string ToString() => $"desired {DesiredSize} (min {MinSize}, max {MaxSize})";
}

/// <summary>The calls the day-2 targets make: node group scaling, EC2 and RDS stop/start, sweeping, SSM.</summary>
public sealed partial class AwsCli
{
    private static readonly string[] NotFound = ["NotFound", "does not exist", "ResourceNotFoundException"];

    public CommandLine DescribeNodegroupCommand(string cluster, string nodegroup) =>
        JsonCommand("eks", "describe-nodegroup", "--cluster-name", cluster, "--nodegroup-name", nodegroup);

    public NodegroupScaling? DescribeNodegroupScaling(string cluster, string nodegroup) => DescribeNodegroup(cluster, nodegroup)?.Scaling;

    public CommandLine UpdateNodegroupScalingCommand(string cluster, string nodegroup, NodegroupScaling scaling) =>
        JsonCommand("eks", "update-nodegroup-config", "--cluster-name", cluster, "--nodegroup-name", nodegroup,
            "--scaling-config", $"minSize={scaling.MinSize},maxSize={scaling.MaxSize},desiredSize={scaling.DesiredSize}");

    public CommandLine DescribeInstanceCommand(string instanceId) => JsonCommand("ec2", "describe-instances", "--instance-ids", instanceId);

    /// <summary>pending | running | stopping | stopped | ..., or null when the instance does not exist.</summary>
    public string? InstanceState(string instanceId) => DescribeInstance(instanceId)?.State;

    /// <summary>The instance's state and tags, or null when it does not exist.</summary>
    public InstanceDescription? DescribeInstance(string instanceId)
    {
        using var json = RunJsonOrNull(DescribeInstanceCommand(instanceId), "InvalidInstanceID");
        if (json is null || !json.RootElement.TryGetProperty("Reservations", out var reservations)) return null;
        var instance = reservations.EnumerateArray()
            .SelectMany(r => r.GetProperty("Instances").EnumerateArray()).Cast<JsonElement?>().FirstOrDefault();
        if (instance is not { } found) return null;
        var tags = found.TryGetProperty("Tags", out var list)
            ? list.EnumerateArray().ToDictionary(t => t.GetProperty("Key").GetString()!, t => t.GetProperty("Value").GetString() ?? "", StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        return new InstanceDescription(found.GetProperty("State").GetProperty("Name").GetString()!, tags);
    }

    public CommandLine CreateTagCommand(string instanceId, string key, string value) =>
        Command("ec2", "create-tags", "--resources", instanceId, "--tags", $"Key={key},Value={value}");

    public CommandLine StopInstanceCommand(string instanceId) => JsonCommand("ec2", "stop-instances", "--instance-ids", instanceId);
    public CommandLine StartInstanceCommand(string instanceId) => JsonCommand("ec2", "start-instances", "--instance-ids", instanceId);

    public CommandLine DescribeDbInstanceCommand(string id) => JsonCommand("rds", "describe-db-instances", "--db-instance-identifier", id);

    /// <summary>available | stopping | stopped | starting | ..., or null when the database does not exist.</summary>
    public string? DbInstanceStatus(string id)
    {
        using var json = RunJsonOrNull(DescribeDbInstanceCommand(id), "DBInstanceNotFound");
        return json?.RootElement.GetProperty("DBInstances")[0].GetProperty("DBInstanceStatus").GetString();
    }

    public CommandLine StopDbInstanceCommand(string id) => JsonCommand("rds", "stop-db-instance", "--db-instance-identifier", id);
    public CommandLine StartDbInstanceCommand(string id) => JsonCommand("rds", "start-db-instance", "--db-instance-identifier", id);

    public CommandLine DescribeLogGroupsCommand(string prefix) => JsonCommand("logs", "describe-log-groups", "--log-group-name-prefix", prefix);

    public IReadOnlyList<string> LogGroups(string prefix)
    {
        using var json = RunJson(DescribeLogGroupsCommand(prefix));
        return json.RootElement.GetProperty("logGroups").EnumerateArray().Select(g => g.GetProperty("logGroupName").GetString()!).ToArray();
    }

    public CommandLine DeleteLogGroupCommand(string name) => Command("logs", "delete-log-group", "--log-group-name", name);

    public CommandLine TaggedLoadBalancersCommand(string cluster) =>
        JsonCommand("resourcegroupstaggingapi", "get-resources", "--tag-filters", $"Key=kubernetes.io/cluster/{cluster}",
            "--resource-type-filters", "elasticloadbalancing:loadbalancer");

    /// <summary>Load balancers Kubernetes created for this cluster (they block the VPC's deletion).</summary>
    public IReadOnlyList<string> TaggedLoadBalancers(string cluster)
    {
        using var json = RunJson(TaggedLoadBalancersCommand(cluster));
        return json.RootElement.GetProperty("ResourceTagMappingList").EnumerateArray()
            .Select(r => r.GetProperty("ResourceARN").GetString()!).ToArray();
    }

    public CommandLine EnvironmentLoadBalancersCommand(string env) =>
        JsonCommand("resourcegroupstaggingapi", "get-resources", "--tag-filters", $"Key={Contracts.ResourceTags.EnvironmentKey},Values={env}",
            $"Key={Contracts.ResourceTags.ProjectKey},Values={Contracts.ResourceTags.ProjectValue}",
            "--resource-type-filters", "elasticloadbalancing:loadbalancer");

    /// <summary>Load balancers the stacks made (they carry the app's Environment and Project tags): the backend's, while its stack exists.</summary>
    public IReadOnlyList<string> EnvironmentLoadBalancers(string env)
    {
        using var json = RunJson(EnvironmentLoadBalancersCommand(env));
        return json.RootElement.GetProperty("ResourceTagMappingList").EnumerateArray()
            .Select(r => r.GetProperty("ResourceARN").GetString()!).ToArray();
    }

    public CommandLine DescribeRepositoryCommand(string name) => JsonCommand("ecr", "describe-repositories", "--repository-names", name);

    /// <summary>True while the ECR repository exists (with whatever images it still holds).</summary>
    public bool RepositoryExists(string name)
    {
        using var json = RunJsonOrNull(DescribeRepositoryCommand(name), "RepositoryNotFoundException");
        return json is not null;
    }

    public CommandLine SendShellCommand(string instanceId, string shell, string comment = "exchange-build status") =>
        SendShellCommand(instanceId, shell.Split('\n'), comment);

    /// <summary>
    /// AWS-RunShellScript with one command per line of the script; a script of several lines is passed one line per JSON line, so
    /// a printed command (Plan, a failure) stays readable.
    /// </summary>
    public CommandLine SendShellCommand(string instanceId, IReadOnlyList<string> lines, string comment)
    {
        var quoted = lines.Select(l => JsonSerializer.Serialize(l, ReadableJson)).ToArray();
        var parameters = quoted.Length == 1 ? $"{{\"commands\":[{quoted[0]}]}}" : $"{{\"commands\":[\n{string.Join(",\n", quoted)}\n]}}";
        return JsonCommand("ssm", "send-command", "--instance-ids", instanceId, "--document-name", "AWS-RunShellScript",
            "--comment", comment, "--parameters", parameters);
    }

    /// <summary>JSON strings as a person reads them: quotes escaped, nothing else (the default encoder also escapes ' &lt; &gt; &amp;).</summary>
    private static readonly JsonSerializerOptions ReadableJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public CommandLine CommandInvocationCommand(string commandId, string instanceId) =>
        JsonCommand("ssm", "get-command-invocation", "--command-id", commandId, "--instance-id", instanceId);

    /// <summary>
    /// Runs a shell command on an instance through SSM Run Command (no SSH) and returns its output. An instance whose SSM agent
    /// has not registered yet (a host that has just booted: InvalidInstanceId) is waited for, with progress, within the timeout.
    /// </summary>
    public string RunOnInstance(string instanceId, string shell, TimeSpan timeout, string comment = "exchange-build status") =>
        RunOnInstance(instanceId, shell.Split('\n'), timeout, comment);

    /// <inheritdoc cref="RunOnInstance(string, string, TimeSpan, string)"/>
    public string RunOnInstance(string instanceId, IReadOnlyList<string> lines, TimeSpan timeout, string comment)
    {
        var deadline = _clock.UtcNow + timeout;
        var send = SendShellCommand(instanceId, lines, comment);
        string? commandId = null;
        var waited = new Operations.Waiter(log ?? Logging.NullBuildLog.Instance, _clock, cancel).For($"the SSM agent on {instanceId} to take commands", () =>
        {
            var result = Run(send, new ProcessOptions { AllowFailure = true });
            if (result.Succeeded)
            {
                using var sent = JsonDocument.Parse(result.StandardOutput);
                return commandId = sent.RootElement.GetProperty("Command").GetProperty("CommandId").GetString();
            }
            if (result.StandardError.Contains("InvalidInstanceId", StringComparison.Ordinal)) return null; // not registered (yet)
            throw Fail(send, result, AwsFailure.Classify(result.ExitCode, redactor.Redact(result.StandardError)), null, 1);
        }, id => id is not null, id => id is null ? "not registered with SSM (InvalidInstanceId)" : "command sent", timeout,
            $"aws ssm describe-instance-information --filters Key=InstanceIds,Values={instanceId} --region {region}");
        if (!waited.Done || commandId is null)
            throw new TimeoutException($"The SSM agent on {instanceId} took no command within {timeout.TotalSeconds:F0}s: the instance is not running, " +
                                       "or its agent cannot reach SSM (its role needs AmazonSSMManagedInstanceCore, its subnet a route out).");
        while (true)
        {
            var result = Run(CommandInvocationCommand(commandId, instanceId),
                new ProcessOptions { AllowFailure = true });
            if (result.Succeeded)
            {
                using var json = JsonDocument.Parse(result.StandardOutput);
                var status = json.RootElement.GetProperty("Status").GetString();
                if (status is "Success") return json.RootElement.GetProperty("StandardOutputContent").GetString() ?? "";
                if (status is "Failed" or "Cancelled" or "TimedOut")
                    throw new InvalidOperationException($"SSM command on {instanceId} ended {status}: " +
                                                        json.RootElement.GetProperty("StandardErrorContent").GetString());
            }
            if (_clock.UtcNow > deadline) throw new TimeoutException($"SSM command on {instanceId} did not finish within {timeout.TotalSeconds:F0}s.");
            _clock.Sleep(TimeSpan.FromSeconds(1), cancel);
        }
    }
}

/// <summary>EventBridge Scheduler: the sleep schedules the stacks declare and the one-time ones <c>Resume --until</c> makes.</summary>
public sealed partial class AwsCli
{
    private static readonly string[] ScheduleMissing = ["ResourceNotFoundException"];

    /// <summary>Fields GetSchedule returns that CreateSchedule/UpdateSchedule do not take.</summary>
    private static readonly string[] ReadOnlyScheduleFields = ["Arn", "CreationDate", "LastModificationDate"];

    public CommandLine GetScheduleCommand(string name) => JsonCommand("scheduler", "get-schedule", "--name", name);

    /// <summary>The schedule's definition, or null when it does not exist.</summary>
    public System.Text.Json.Nodes.JsonObject? GetSchedule(string name)
    {
        using var json = RunJsonOrNull(GetScheduleCommand(name), ScheduleMissing);
        return json is null ? null : System.Text.Json.Nodes.JsonNode.Parse(json.RootElement.GetRawText())!.AsObject();
    }

    public CommandLine ListSchedulesCommand(string namePrefix) => JsonCommand("scheduler", "list-schedules", "--name-prefix", namePrefix);

    /// <summary>Names of the schedules starting with <paramref name="namePrefix"/>.</summary>
    public IReadOnlyList<string> ListSchedules(string namePrefix)
    {
        using var json = RunJson(ListSchedulesCommand(namePrefix));
        return json.RootElement.TryGetProperty("Schedules", out var schedules)
            ? schedules.EnumerateArray().Select(s => s.GetProperty("Name").GetString()!).ToArray()
            : [];
    }

    /// <summary>UpdateSchedule replaces the whole definition: pass what GetSchedule returned, changed.</summary>
    public CommandLine UpdateScheduleCommand(System.Text.Json.Nodes.JsonObject definition) =>
        JsonCommand("scheduler", "update-schedule", "--cli-input-json", WritableSchedule(definition));

    public CommandLine CreateScheduleCommand(System.Text.Json.Nodes.JsonObject definition) =>
        JsonCommand("scheduler", "create-schedule", "--cli-input-json", WritableSchedule(definition));

    public CommandLine DeleteScheduleCommand(string name) => JsonCommand("scheduler", "delete-schedule", "--name", name);

    private static string WritableSchedule(System.Text.Json.Nodes.JsonObject definition)
    {
        var copy = (System.Text.Json.Nodes.JsonObject)definition.DeepClone();
        foreach (var field in ReadOnlyScheduleFields) copy.Remove(field);
        return copy.ToJsonString();
    }
}

/// <summary>SQS: the sleep schedules' dead-letter queues, read without consuming them.</summary>
public sealed partial class AwsCli
{
    private static readonly string[] QueueMissing = ["QueueDoesNotExist", "NonExistentQueue"];

    /// <summary>A queue's URL from its name: SQS's documented form, so reading a queue costs no lookup call.</summary>
    public string QueueUrl(string account, string name) => $"https://sqs.{region}.amazonaws.com/{account}/{name}";

    public CommandLine QueueDepthCommand(string queueUrl) =>
        JsonCommand("sqs", "get-queue-attributes", "--queue-url", queueUrl, "--attribute-names", "ApproximateNumberOfMessages");

    /// <summary>
    /// Up to 10 messages, left in the queue: a visibility timeout of 0 keeps them visible to the next reader, and a second's long
    /// poll asks every SQS server (a short poll of a small queue may miss some).
    /// </summary>
    public CommandLine PeekMessagesCommand(string queueUrl) =>
        JsonCommand("sqs", "receive-message", "--queue-url", queueUrl, "--max-number-of-messages", "10", "--visibility-timeout", "0",
            "--wait-time-seconds", "1", "--message-system-attribute-names", "SentTimestamp", "--message-attribute-names", "All");

    /// <summary>The dead-letter events in the queue (at most 10 read), or null when the queue does not exist.</summary>
    public Operations.DeadLetterQueue? ReadDeadLetters(string queueUrl)
    {
        using var depth = RunJsonOrNull(QueueDepthCommand(queueUrl), QueueMissing);
        if (depth is null) return null;
        var count = depth.RootElement.TryGetProperty("Attributes", out var attributes)
                    && attributes.TryGetProperty("ApproximateNumberOfMessages", out var n) && int.TryParse(n.GetString(), out var parsed)
            ? parsed : 0;
        if (count == 0) return new Operations.DeadLetterQueue(0, []);
        using var messages = RunJson(PeekMessagesCommand(queueUrl));
        return new Operations.DeadLetterQueue(count, Operations.DeadLetterQueue.Parse(messages.RootElement));
    }
}
