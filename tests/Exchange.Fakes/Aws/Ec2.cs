using System.Text.Json.Nodes;
using Exchange.Fakes.Core;
using Exchange.Fakes.State;

namespace Exchange.Fakes.Aws;

/// <summary>`aws ec2 ...` over the instances the stacks declare (the Redpanda host). Stops and starts take effect at once.</summary>
internal static class Ec2
{
    private static readonly string[] InstanceOptions = ["--instance-ids", "--filters", "--dry-run", "--force", "--hibernate"];

    public static IEnumerable<AwsOperation> Operations =>
    [
        new("ec2", "describe-instances", InstanceOptions, [], DescribeInstances),
        new("ec2", "stop-instances", InstanceOptions, ["--instance-ids"],
            c => Transition(c, "StoppingInstances", ("stopping", 64), "stopped", !FakeEnv.IsOn(FakeEnv.Ec2IgnoresStop))),
        new("ec2", "start-instances", InstanceOptions, ["--instance-ids"],
            c => Transition(c, "StartingInstances", ("pending", 0), "running", apply: true)),
        new("ec2", "wait instance-stopped", InstanceOptions, [], c => Wait(c, "stopped"), "InstanceStopped"),
        new("ec2", "wait instance-running", InstanceOptions, [], c => Wait(c, "running"), "InstanceRunning"),
    ];

    private static AwsResponse DescribeInstances(AwsCall call) => WithInstances(call, instances => AwsResponse.Ok(new JsonObject
    {
        ["Reservations"] = Json.Array(instances.Select(i => new JsonObject
        {
            ["ReservationId"] = "r-0" + Json.StableHex(16, i.InstanceId),
            ["OwnerId"] = call.Account,
            ["Instances"] = new JsonArray(new JsonObject
            {
                ["InstanceId"] = i.InstanceId,
                ["InstanceType"] = i.InstanceType,
                ["State"] = State(i.State),
                ["PrivateIpAddress"] = i.PrivateIpAddress,
                ["Placement"] = new JsonObject { ["AvailabilityZone"] = call.Region + "a" },
            }),
        })),
    }));

    private static AwsResponse Transition(AwsCall call, string listName, (string Name, int Code) during, string target, bool apply) =>
        WithInstances(call, instances =>
        {
            var changes = new JsonArray();
            foreach (var instance in instances)
            {
                var previous = instance.State;
                if (apply)
                    instance.State = target;
                changes.Add(new JsonObject
                {
                    ["CurrentState"] = previous == target ? State(target) : new JsonObject { ["Code"] = during.Code, ["Name"] = during.Name },
                    ["InstanceId"] = instance.InstanceId,
                    ["PreviousState"] = State(previous),
                });
            }
            return AwsResponse.Ok(new JsonObject { [listName] = changes });
        });

    private static AwsResponse Wait(AwsCall call, string state) =>
        WithInstances(call, instances => instances.All(i => i.State == state) ? AwsResponse.Empty() : call.WaiterFailed(call.Operation.ApiName));

    private static AwsResponse WithInstances(AwsCall call, Func<List<InstanceState>, AwsResponse> action)
    {
        var ids = call.List("--instance-ids");
        var missing = ids.Where(id => !call.State.Instances.ContainsKey(id)).ToList();
        if (missing.Count > 0)
            return call.ServiceError("InvalidInstanceID.NotFound",
                $"The instance ID{(missing.Count > 1 ? "s" : "")} '{string.Join("', '", missing)}' does not exist");
        return action(ids.Count > 0 ? ids.Select(id => call.State.Instances[id]).ToList() : call.State.Instances.Values.ToList());
    }

    private static JsonObject State(string name) => new()
    {
        ["Code"] = name switch { "pending" => 0, "running" => 16, "stopping" => 64, "stopped" => 80, _ => 48 },
        ["Name"] = name,
    };
}
