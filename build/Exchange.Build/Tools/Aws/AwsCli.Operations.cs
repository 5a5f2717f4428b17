using System.Text.Json;
using Exchange.Build.Processes;

namespace Exchange.Build.Aws;

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

    public NodegroupScaling? DescribeNodegroupScaling(string cluster, string nodegroup)
    {
        using var json = RunJsonOrNull(DescribeNodegroupCommand(cluster, nodegroup), NotFound);
        if (json is null) return null;
        var scaling = json.RootElement.GetProperty("nodegroup").GetProperty("scalingConfig");
        return new NodegroupScaling(scaling.GetProperty("minSize").GetInt32(), scaling.GetProperty("maxSize").GetInt32(),
            scaling.GetProperty("desiredSize").GetInt32());
    }

    public CommandLine UpdateNodegroupScalingCommand(string cluster, string nodegroup, NodegroupScaling scaling) =>
        JsonCommand("eks", "update-nodegroup-config", "--cluster-name", cluster, "--nodegroup-name", nodegroup,
            "--scaling-config", $"minSize={scaling.MinSize},maxSize={scaling.MaxSize},desiredSize={scaling.DesiredSize}");

    public CommandLine DescribeInstanceCommand(string instanceId) => JsonCommand("ec2", "describe-instances", "--instance-ids", instanceId);

    /// <summary>pending | running | stopping | stopped | ..., or null when the instance does not exist.</summary>
    public string? InstanceState(string instanceId)
    {
        using var json = RunJsonOrNull(DescribeInstanceCommand(instanceId), "InvalidInstanceID");
        return json?.RootElement.GetProperty("Reservations").EnumerateArray()
            .SelectMany(r => r.GetProperty("Instances").EnumerateArray())
            .Select(i => i.GetProperty("State").GetProperty("Name").GetString()).FirstOrDefault();
    }

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

    public CommandLine SendShellCommand(string instanceId, string shell) =>
        JsonCommand("ssm", "send-command", "--instance-ids", instanceId, "--document-name", "AWS-RunShellScript",
            "--comment", "exchange-build status", "--parameters", JsonSerializer.Serialize(new { commands = new[] { shell } }));

    public CommandLine CommandInvocationCommand(string commandId, string instanceId) =>
        JsonCommand("ssm", "get-command-invocation", "--command-id", commandId, "--instance-id", instanceId);

    /// <summary>Runs a shell command on an instance through SSM Run Command (no SSH) and returns its output.</summary>
    public string RunOnInstance(string instanceId, string shell, TimeSpan timeout)
    {
        using var sent = RunJson(SendShellCommand(instanceId, shell));
        var commandId = sent.RootElement.GetProperty("Command").GetProperty("CommandId").GetString()!;
        var deadline = _clock.UtcNow + timeout;
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
