using System.Text.Json.Nodes;
using Exchange.Fakes.State;

namespace Exchange.Fakes.Aws;

/// <summary>`aws rds ...` over the DB instance the Rds stack declares. Stops and starts take effect at once.</summary>
internal static class Rds
{
    private static readonly string[] IdOption = ["--db-instance-identifier"];

    public static IEnumerable<AwsOperation> Operations =>
    [
        new("rds", "describe-db-instances", [.. IdOption, "--filters"], [], Describe, "DescribeDBInstances"),
        new("rds", "stop-db-instance", [.. IdOption, "--db-snapshot-identifier"], IdOption,
            c => Transition(c, from: "available", during: "stopping", to: "stopped"), "StopDBInstance"),
        new("rds", "start-db-instance", IdOption, IdOption,
            c => Transition(c, from: "stopped", during: "starting", to: "available"), "StartDBInstance"),
        new("rds", "wait db-instance-stopped", IdOption, [], c => Wait(c, "stopped"), "DBInstanceStopped"),
        new("rds", "wait db-instance-available", IdOption, [], c => Wait(c, "available"), "DBInstanceAvailable"),
    ];

    private static AwsResponse Describe(AwsCall call) =>
        WithInstances(call, all => AwsResponse.Ok(new JsonObject { ["DBInstances"] = new JsonArray(all.Select(i => (JsonNode)Json(i, i.Status)).ToArray()) }));

    private static AwsResponse Transition(AwsCall call, string from, string during, string to) => WithInstances(call, all =>
    {
        var instance = all[0];
        if (instance.Status != from)
            return call.ServiceError("InvalidDBInstanceState", $"Instance {instance.Identifier} is not in {from} state.");
        instance.Status = to;
        return AwsResponse.Ok(new JsonObject { ["DBInstance"] = Json(instance, during) });
    });

    private static AwsResponse Wait(AwsCall call, string status) =>
        WithInstances(call, all => all.All(i => i.Status == status) ? AwsResponse.Empty() : call.WaiterFailed(call.Operation.ApiName));

    private static AwsResponse WithInstances(AwsCall call, Func<List<DbInstanceState>, AwsResponse> action)
    {
        var id = call.Opt("--db-instance-identifier");
        if (id is null)
            return action(call.State.DbInstances.Values.ToList());
        return call.State.DbInstances.TryGetValue(id, out var instance)
            ? action([instance])
            : call.ServiceError("DBInstanceNotFound", $"DBInstance {id} not found.");
    }

    private static JsonObject Json(DbInstanceState i, string status) => new()
    {
        ["DBInstanceIdentifier"] = i.Identifier,
        ["DBInstanceClass"] = i.InstanceClass,
        ["Engine"] = i.Engine,
        ["DBInstanceStatus"] = status,
        ["Endpoint"] = new JsonObject { ["Address"] = i.Address, ["Port"] = i.Port },
        ["EngineVersion"] = i.EngineVersion,
        ["MultiAZ"] = false,
        ["StorageEncrypted"] = true,
    };
}
