using System.Text.Json.Nodes;
using Exchange.Fakes.Aws;
using Exchange.Fakes.Core;
using Exchange.Fakes.State;

namespace Exchange.Fakes.Cdk;

/// <summary>
/// Turns a deployed template's resources into the records the fake aws serves (cluster, node group,
/// instance, database, secret, repositories, log groups) and takes them away on destroy.
/// </summary>
internal static class Provisioner
{
    /// <summary>Creates what is new or changed, removes what left the template; returns logical id -> resource.</summary>
    public static Dictionary<string, ResourceState> Apply(FakeStateData state, StackContext stack, StackState? previous)
    {
        var result = new Dictionary<string, ResourceState>();
        foreach (var (logicalId, node) in stack.Resources)
        {
            var type = stack.Type(logicalId) ?? "AWS::Unknown";
            var resource = new ResourceState(type, Json.CanonicalSha256(node), Resources.PhysicalId(stack, logicalId),
                Json.Str(node, "DeletionPolicy") is "Retain" or "RetainExceptOnCreate" or "Snapshot" && type != "AWS::RDS::DBInstance");
            if (previous?.Resources.GetValueOrDefault(logicalId)?.Sha256 != resource.Sha256)
                Create(state, stack, logicalId, resource);
            result[logicalId] = resource;
        }
        foreach (var (logicalId, old) in previous?.Resources ?? [])
            if (!result.ContainsKey(logicalId))
                Remove(state, old);
        return result;
    }

    public static void Remove(FakeStateData state, ResourceState resource)
    {
        if (resource.Retain)
            return;
        var id = resource.PhysicalId;
        switch (resource.Type)
        {
            case "AWS::EKS::Cluster": state.Clusters.Remove(id); break; // its control-plane log group stays, as in AWS
            case "AWS::EKS::Nodegroup": state.Nodegroups.Remove(id); break;
            case "AWS::EC2::Instance": state.Instances.Remove(id); break;
            case "AWS::RDS::DBInstance": state.DbInstances.Remove(id); break;
            case "AWS::ECR::Repository": state.EcrRepositories.Remove(id); break;
            case "AWS::Logs::LogGroup": state.LogGroups.Remove(id); break;
            case "AWS::Scheduler::Schedule": state.Schedules.Remove(id); break;
            case "AWS::SecretsManager::Secret":
                if (state.Secrets.Values.FirstOrDefault(s => s.Arn == id) is { } secret)
                    secret.DeletedDate ??= DateTimeOffset.UtcNow; // scheduled for deletion (recovery window)
                break;
        }
    }

    private static void Create(FakeStateData state, StackContext stack, string logicalId, ResourceState resource)
    {
        var id = resource.PhysicalId;
        var p = stack.Properties(logicalId);
        switch (resource.Type)
        {
            case "AWS::EKS::Cluster":
                state.Clusters[id] = new ClusterState
                {
                    Name = id, Arn = Resources.ClusterArn(stack, id), Version = Json.Str(p, "Version") ?? "1.35",
                    Endpoint = Resources.ClusterEndpoint(stack, id), Region = stack.Region, StackName = stack.StackName,
                    ClusterSecurityGroupId = Resources.Attribute(stack, logicalId, "ClusterSecurityGroupId"), CreatedAt = DateTimeOffset.UtcNow,
                };
                if ((p["Logging"]?["ClusterLogging"]?["EnabledTypes"] as JsonArray)?.Count > 0)
                    state.LogGroups.TryAdd($"/aws/eks/{id}/cluster",
                        new LogGroupState($"/aws/eks/{id}/cluster", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 0));
                break;
            case "AWS::EKS::Nodegroup":
                state.Nodegroups[id] = new NodegroupState
                {
                    ClusterName = id.Split('/')[0], NodegroupName = id.Split('/')[1], StackName = stack.StackName,
                    CapacityType = Json.Str(p, "CapacityType") ?? "ON_DEMAND",
                    InstanceTypes = (p["InstanceTypes"] as JsonArray ?? []).Select(t => t!.ToString()).ToList(),
                    MinSize = Json.Int(p, "ScalingConfig", "MinSize") ?? 1, MaxSize = Json.Int(p, "ScalingConfig", "MaxSize") ?? 2,
                    DesiredSize = Json.Int(p, "ScalingConfig", "DesiredSize") ?? 2,
                };
                break;
            case "AWS::EC2::Instance":
                var instance = state.Instances.GetValueOrDefault(id);
                state.Instances[id] = new InstanceState
                {
                    InstanceId = id, StackName = stack.StackName, InstanceType = Json.Str(p, "InstanceType") ?? "t3.medium",
                    State = instance?.State ?? "running", PrivateIpAddress = Resources.PrivateIp,
                };
                break;
            case "AWS::RDS::DBInstance":
                state.DbInstances[id] = new DbInstanceState
                {
                    Identifier = id, StackName = stack.StackName, Status = state.DbInstances.GetValueOrDefault(id)?.Status ?? "available",
                    Engine = Json.Str(p, "Engine") ?? "mysql", EngineVersion = Json.Str(p, "EngineVersion") ?? "8.4.7",
                    InstanceClass = Json.Str(p, "DBInstanceClass") ?? "db.t4g.micro",
                    Address = Resources.Attribute(stack, logicalId, "Endpoint.Address"),
                    Port = int.Parse(Resources.Attribute(stack, logicalId, "Endpoint.Port")),
                };
                break;
            case "AWS::SecretsManager::Secret":
                state.Secrets[SecretName(id)] = DatabaseSecret(stack, logicalId, id, state.Secrets.GetValueOrDefault(SecretName(id)));
                break;
            case "AWS::ECR::Repository":
                state.EcrRepositories[id] = stack.StackName;
                break;
            case "AWS::Logs::LogGroup":
                state.LogGroups[id] = new LogGroupState(id, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 0);
                break;
            case "AWS::Scheduler::Schedule":
                var definition = Intrinsics.Resolve(stack, p, null)!.AsObject();
                definition["Name"] = id;
                state.Schedules[id] = Scheduler.FromDefinition(definition, stack.StackName);
                break;
        }
    }

    /// <summary>The secret as the RDS attachment completes it: the generator's username and the template's database.</summary>
    private static SecretState DatabaseSecret(StackContext stack, string logicalId, string arn, SecretState? existing)
    {
        var generator = stack.Properties(logicalId)["GenerateSecretString"] as JsonObject ?? [];
        var template = Json.Str(generator, "SecretStringTemplate") is { } t ? JsonNode.Parse(t) : null;
        var database = stack.Resources.Where(r => stack.Type(r.Key) == "AWS::RDS::DBInstance").Select(r => r.Key).FirstOrDefault();
        var dbProps = database is null ? [] : stack.Properties(database);
        return new SecretState
        {
            Name = SecretName(arn), Arn = arn, StackName = stack.StackName,
            VersionId = existing?.VersionId ?? StackContext.Guid(arn + DateTimeOffset.UtcNow.Ticks),
            CreatedDate = existing?.CreatedDate ?? DateTimeOffset.UtcNow,
            Username = Json.Str(template, "username") ?? "admin",
            Engine = Json.Str(dbProps, "Engine") ?? "mysql",
            DbName = Json.Str(dbProps, "DBName") ?? "",
            DbInstanceIdentifier = database is null ? "" : Resources.PhysicalId(stack, database),
            Host = database is null ? "" : Resources.Attribute(stack, database, "Endpoint.Address"),
            Port = database is null ? 3306 : int.Parse(Resources.Attribute(stack, database, "Endpoint.Port")),
            PasswordLength = Json.Int(generator, "PasswordLength") ?? 32,
            PasswordAlphabet = Alphabet(generator),
        };
    }

    /// <summary>Secrets Manager's GetRandomPassword character rules.</summary>
    private static string Alphabet(JsonObject generator)
    {
        bool On(string name) => Json.Str(generator, name) == "true";
        var chars = (On("ExcludeUppercase") ? "" : "ABCDEFGHIJKLMNOPQRSTUVWXYZ") + (On("ExcludeLowercase") ? "" : "abcdefghijklmnopqrstuvwxyz") +
                    (On("ExcludeNumbers") ? "" : "0123456789") + (On("ExcludePunctuation") ? "" : SecretsManager.Punctuation) +
                    (On("IncludeSpace") ? " " : "");
        var excluded = Json.Str(generator, "ExcludeCharacters") ?? "";
        return new string(chars.Where(c => !excluded.Contains(c)).ToArray());
    }

    /// <summary>arn:...:secret:NAME-AbCdEf -> NAME.</summary>
    public static string SecretName(string arn) => arn.Split(":secret:")[^1][..^7];
}
