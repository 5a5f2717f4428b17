using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Exchange.AwsStandIn;

/// <summary>A resource CloudFormation could not create, with its reason (as the stack events show it).</summary>
public sealed class ResourceFailedException(string reason) : Exception(reason);

/// <summary>
/// What CloudFormation names resources (Ref), reports as their attributes (Fn::GetAtt), and what the
/// services then know: a created ECR repository, EKS cluster, RDS instance, secret... appears in
/// <see cref="Cloud"/>, and leaves it on delete. Unknown types get a generic id and attributes.
/// </summary>
public static class Provisioner
{
    public static string PhysicalId(StackContext s, string id)
    {
        string? P(string name) => s.Property(id, name);
        return s.Type(id) switch
        {
            "AWS::EC2::VPC" => "vpc-0" + s.Hex(16, id),
            "AWS::EC2::SecurityGroup" => "sg-0" + s.Hex(16, id),
            "AWS::EC2::Subnet" => "subnet-0" + s.Hex(16, id),
            "AWS::EC2::Instance" => "i-0" + s.Hex(16, id),
            "AWS::EC2::Volume" => "vol-0" + s.Hex(16, id),
            "AWS::S3::Bucket" => P("BucketName") ?? $"{s.StackName}-{id}-{s.Hex(12, id)}".ToLowerInvariant(),
            "AWS::SSM::Parameter" => P("Name") ?? $"CFN-{id}-{s.Hex(12, id)}",
            "AWS::IAM::Role" => P("RoleName") ?? $"{s.StackName}-{id}-{s.Hex(12, id).ToUpperInvariant()}",
            "AWS::ECR::Repository" => P("RepositoryName") ?? $"{s.StackName}-{id}-{s.Hex(8, id)}".ToLowerInvariant(),
            "AWS::EKS::Cluster" => P("Name") ?? $"{id}-{s.Hex(8, id)}",
            "AWS::EKS::Nodegroup" => $"{P("ClusterName")}/{NodegroupName(s, id)}",
            "AWS::EKS::Addon" => $"{P("ClusterName")}|{P("AddonName")}", // what Ref gives: cluster|addon
            "AWS::EKS::AccessEntry" => ClusterAccess.Key(P("ClusterName") ?? "", P("PrincipalArn") ?? ""),
            "AWS::RDS::DBInstance" => (P("DBInstanceIdentifier") ?? $"{s.StackName}-{id}-{s.Hex(12, id)}").ToLowerInvariant(),
            "AWS::SecretsManager::Secret" => SecretArn(s.Cloud, P("Name") ?? $"{id}-{s.Hex(12, id)}"),
            "AWS::Logs::LogGroup" => P("LogGroupName") ?? $"{s.StackName}-{id}-{s.Hex(12, id)}",
            "AWS::Scheduler::Schedule" => P("Name") ?? $"{s.StackName}-{id}-{s.Hex(12, id).ToUpperInvariant()}",
            "AWS::SQS::Queue" => // Ref gives the queue's URL
                $"https://sqs.{s.Cloud.Region}.amazonaws.com/{s.Cloud.Account}/{P("QueueName") ?? $"{s.StackName}-{id}-{s.Hex(12, id).ToUpperInvariant()}"}",
            "AWS::ElastiCache::CacheCluster" => P("ClusterName") ?? $"{s.StackName}-{id}".ToLowerInvariant(),
            "AWS::ElastiCache::ReplicationGroup" => P("ReplicationGroupId") ?? $"{s.StackName}-{id}".ToLowerInvariant(),
            "AWS::ElasticLoadBalancingV2::LoadBalancer" => LoadBalancing.LoadBalancerArn(s, id),
            "AWS::ElasticLoadBalancingV2::TargetGroup" => LoadBalancing.TargetGroupArn(s, id),
            "AWS::ElasticLoadBalancingV2::Listener" => LoadBalancing.ListenerArn(s, id),
            _ => $"{s.StackName}-{id}-{s.Hex(12, id).ToUpperInvariant()}",
        };
    }

    public static JsonNode Attribute(StackContext s, string id, string attribute)
    {
        var physical = PhysicalId(s, id);
        var c = s.Cloud;
        if (LoadBalancing.Attribute(s, id, attribute) is { } balancing) return balancing;
        return (s.Type(id), attribute) switch
        {
            ("AWS::EC2::Instance", "PrivateIp") => PrivateIp(s, id),
            ("AWS::EC2::Instance", "PrivateDnsName") => $"ip-{PrivateIp(s, id).Replace('.', '-')}.{c.Region}.compute.internal",
            ("AWS::EC2::Instance", "AvailabilityZone") => c.Region + "a",
            ("AWS::EC2::SecurityGroup", "GroupId") => physical,
            ("AWS::EC2::VPC", "VpcId") => physical,
            ("AWS::EC2::VPC", "CidrBlock") => s.Property(id, "CidrBlock") ?? "10.0.0.0/16",
            ("AWS::EC2::VPC", "DefaultSecurityGroup") => "sg-0" + s.Hex(16, id, "default"),
            ("AWS::EC2::Subnet", "SubnetId") => physical,
            ("AWS::EC2::Subnet", "AvailabilityZone") => s.Property(id, "AvailabilityZone") ?? c.Region + "a",
            ("AWS::S3::Bucket", "Arn") => $"arn:aws:s3:::{physical}",
            ("AWS::S3::Bucket", "DomainName") => $"{physical}.s3.amazonaws.com",
            ("AWS::S3::Bucket", "RegionalDomainName") => $"{physical}.s3.{c.Region}.amazonaws.com",
            ("AWS::SSM::Parameter", "Value") => s.Property(id, "Value") ?? "",
            ("AWS::SSM::Parameter", "Type") => s.Property(id, "Type") ?? "String",
            ("AWS::IAM::Role", "Arn") => $"arn:aws:iam::{c.Account}:role{s.Property(id, "Path") ?? "/"}{physical}",
            ("AWS::IAM::Role", "RoleId") => "AROA" + s.Hex(17, id).ToUpperInvariant(),
            ("AWS::ECR::Repository", "Arn") => $"arn:aws:ecr:{c.Region}:{c.Account}:repository/{physical}",
            ("AWS::ECR::Repository", "RepositoryUri") => RepositoryUri(c, physical),
            ("AWS::RDS::DBInstance", "Endpoint.Address") => $"{physical}.c{s.Hex(10, id)}.{c.Region}.rds.amazonaws.com",
            ("AWS::RDS::DBInstance", "Endpoint.Port") => s.Property(id, "Port") ?? "3306",
            ("AWS::RDS::DBInstance", "DBInstanceArn") => $"arn:aws:rds:{c.Region}:{c.Account}:db:{physical}",
            ("AWS::ElastiCache::CacheCluster", "RedisEndpoint.Address") => $"{physical}.{s.Hex(6, id)}.0001.apn2.cache.amazonaws.com",
            ("AWS::ElastiCache::CacheCluster", "RedisEndpoint.Port") => s.Property(id, "Port") ?? "6379",
            ("AWS::ElastiCache::ReplicationGroup", "PrimaryEndPoint.Address") => $"master.{physical}.{s.Hex(6, id)}.apn2.cache.amazonaws.com",
            ("AWS::ElastiCache::ReplicationGroup", "PrimaryEndPoint.Port") => s.Property(id, "Port") ?? "6379",
            ("AWS::EKS::Cluster", "Arn") => $"arn:aws:eks:{c.Region}:{c.Account}:cluster/{physical}",
            ("AWS::EKS::Cluster", "Endpoint") => $"https://{s.Hex(32, id).ToUpperInvariant()}.gr7.{c.Region}.eks.amazonaws.com",
            ("AWS::EKS::Cluster", "ClusterSecurityGroupId") => "sg-0" + s.Hex(16, id, "cluster-sg"),
            ("AWS::EKS::Cluster", "CertificateAuthorityData") => Convert.ToBase64String(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(physical))),
            ("AWS::EKS::Cluster", "OpenIdConnectIssuerUrl") => $"https://oidc.eks.{c.Region}.amazonaws.com/id/{s.Hex(32, id).ToUpperInvariant()}",
            ("AWS::EKS::Nodegroup", "NodegroupName") => NodegroupName(s, id),
            ("AWS::EKS::Nodegroup", "ClusterName") => s.Property(id, "ClusterName") ?? "",
            ("AWS::EKS::AccessEntry", "AccessEntryArn") => c.AccessEntries.GetValueOrDefault(physical)?.Entry["accessEntryArn"]?.DeepClone()
                                                           ?? $"arn:aws:eks:{c.Region}:{c.Account}:access-entry/{s.Hex(8, id)}",
            ("AWS::IAM::InstanceProfile", "Arn") => $"arn:aws:iam::{c.Account}:instance-profile{s.Property(id, "Path") ?? "/"}{physical}",
            ("AWS::EKS::Nodegroup", "Arn") => $"arn:aws:eks:{c.Region}:{c.Account}:nodegroup/{physical}/{s.Hex(8, id)}",
            ("AWS::SQS::Queue", "Arn") => $"arn:aws:sqs:{c.Region}:{c.Account}:{physical.Split('/').Last()}",
            ("AWS::SQS::Queue", "QueueName") => physical.Split('/').Last(),
            ("AWS::SQS::Queue", "QueueUrl") => physical,
            ("AWS::Scheduler::Schedule", "Arn") => $"arn:aws:scheduler:{c.Region}:{c.Account}:schedule/{s.Property(id, "GroupName") ?? "default"}/{physical}",
            (var type, "Arn") => $"arn:aws:{type.Split("::")[1].ToLowerInvariant()}:{c.Region}:{c.Account}:{physical}",
            _ => $"{id}-{attribute.Replace('.', '-')}-{s.Hex(8, id, attribute)}",
        };
    }

    public static string RepositoryUri(Cloud c, string name) => $"{c.Registry?.Host ?? $"{c.Account}.dkr.ecr.{c.Region}.amazonaws.com"}/{name}";

    public static string SecretArn(Cloud c, string name) =>
        $"arn:aws:secretsmanager:{c.Region}:{c.Account}:secret:{name}-{new string(c.Hex(6, name).Select(x => (char)('A' + x % 26)).ToArray())}";

    private static string PrivateIp(StackContext s, string id) =>
        $"10.0.{Convert.ToInt32(s.Hex(2, id), 16) % 200 + 10}.{Convert.ToInt32(s.Hex(2, id, "ip"), 16) % 250 + 4}";

    private static string NodegroupName(StackContext s, string id) => s.Property(id, "NodegroupName") ?? $"{id}-{s.Hex(12, id)}";

    /// <summary>
    /// Creates or updates what the resource is in the services. Throws <see cref="ResourceFailedException"/> as CloudFormation would fail it.
    /// <paramref name="previous"/> is the stack as deployed before this update (null on create): some updates depend on what changed.
    /// </summary>
    public static void Apply(StackContext s, string id, bool isNew, StackContext? previous = null)
    {
        var c = s.Cloud;
        var name = PhysicalId(s, id);
        var now = Cloud.Time(DateTimeOffset.UtcNow);
        int Int(string property, int fallback) => int.TryParse(s.Property(id, property), CultureInfo.InvariantCulture, out var v) ? v : fallback;
        switch (s.Type(id))
        {
            case "AWS::S3::Bucket":
                c.Buckets.TryAdd(name, []);
                break;
            case "AWS::SSM::Parameter":
                var version = c.Parameters.TryGetValue(name, out var old) ? old["Version"]!.GetValue<long>() + 1 : 1;
                c.Parameters[name] = new JsonObject
                {
                    ["Name"] = name, ["Type"] = s.Property(id, "Type") ?? "String", ["Value"] = s.Property(id, "Value") ?? "", ["Version"] = version,
                    ["LastModifiedDate"] = now, ["ARN"] = $"arn:aws:ssm:{c.Region}:{c.Account}:parameter{(name.StartsWith('/') ? "" : "/")}{name}",
                    ["DataType"] = "text",
                };
                break;
            case "AWS::IAM::Role":
                c.Roles[name] = c.Role(name, s.Property(id, "Path") ?? "/");
                c.RolePolicies[name] = (s.Resolved(id, "ManagedPolicyArns") as JsonArray ?? []).Select(p => Intrinsics.Text(p)).ToList();
                break;
            case "AWS::IAM::InstanceProfile":
                c.InstanceProfiles[name] = (s.Resolved(id, "Roles") as JsonArray ?? []).Select(r => Intrinsics.Text(r)).ToList();
                break;
            case "AWS::EKS::AccessEntry":
                var (cluster, principal) = (s.Property(id, "ClusterName") ?? "", s.Property(id, "PrincipalArn") ?? "");
                var policies = (s.Resolved(id, "AccessPolicies") as JsonArray ?? []).Select(p =>
                    (Intrinsics.Text(p!["PolicyArn"]), p["AccessScope"]?["Type"]?.ToString() ?? "cluster")).ToList();
                try
                {
                    if (isNew || !c.AccessEntries.ContainsKey(name))
                        ClusterAccess.Create(c, cluster, principal, s.Property(id, "Type") ?? "STANDARD", policies);
                    else ClusterAccess.Associate(c, cluster, principal, policies);
                }
                catch (AwsError e)
                {
                    throw new ResourceFailedException($"Resource handler returned message: \"{e.Message} (Service: Eks, Status Code: {e.Status})\" " +
                                                      $"(HandlerErrorCode: {(e.Code == "ResourceInUseException" ? "AlreadyExists" : "InvalidRequest")})");
                }
                break;
            case "AWS::ECR::Repository":
                c.Repositories[name] = new JsonObject
                {
                    ["repositoryArn"] = Attribute(s, id, "Arn").ToString(), ["registryId"] = c.Account, ["repositoryName"] = name,
                    ["repositoryUri"] = RepositoryUri(c, name), ["createdAt"] = now, ["imageTagMutability"] = s.Property(id, "ImageTagMutability") ?? "MUTABLE",
                    ["imageScanningConfiguration"] = new JsonObject
                    {
                        ["scanOnPush"] = s.Resolved(id, "ImageScanningConfiguration")?["ScanOnPush"]?.ToString() == "true",
                    },
                    ["encryptionConfiguration"] = new JsonObject { ["encryptionType"] = "AES256" },
                };
                break;
            case "AWS::EKS::Cluster":
                var vpc = s.Resolved(id, "ResourcesVpcConfig") as JsonObject ?? [];
                c.Clusters[name] = new JsonObject
                {
                    ["name"] = name, ["arn"] = Attribute(s, id, "Arn").ToString(),
                    ["createdAt"] = c.Clusters.GetValueOrDefault(name)?["createdAt"]?.DeepClone() ?? now,
                    ["version"] = Eks.ClusterVersion(c, name, s.Property(id, "Version")), ["endpoint"] = Attribute(s, id, "Endpoint").ToString(),
                    ["roleArn"] = s.Property(id, "RoleArn") ?? "",
                    ["resourcesVpcConfig"] = new JsonObject
                    {
                        ["subnetIds"] = vpc["SubnetIds"]?.DeepClone() ?? new JsonArray(),
                        ["securityGroupIds"] = vpc["SecurityGroupIds"]?.DeepClone() ?? new JsonArray(),
                        ["clusterSecurityGroupId"] = Attribute(s, id, "ClusterSecurityGroupId").ToString(),
                        ["endpointPublicAccess"] = vpc["EndpointPublicAccess"]?.ToString() != "false",
                        ["publicAccessCidrs"] = vpc["PublicAccessCidrs"]?.DeepClone() ?? new JsonArray("0.0.0.0/0"),
                        ["endpointPrivateAccess"] = vpc["EndpointPrivateAccess"]?.ToString() == "true",
                    },
                    ["status"] = "ACTIVE", ["certificateAuthority"] = new JsonObject { ["data"] = Attribute(s, id, "CertificateAuthorityData").ToString() },
                    ["platformVersion"] = "eks.1",
                };
                if ((s.Resolved(id, "Logging")?["ClusterLogging"]?["EnabledTypes"] as JsonArray)?.Count > 0)
                    c.LogGroups.TryAdd($"/aws/eks/{name}/cluster", LogGroup(c, $"/aws/eks/{name}/cluster", null)); // EKS makes it; it outlives the cluster
                break;
            case "AWS::EKS::Nodegroup":
                var scaling = s.Resolved(id, "ScalingConfig") as JsonObject ?? [];
                int Size(string key, int fallback) => int.TryParse(scaling[key]?.ToString(), CultureInfo.InvariantCulture, out var v) ? v : fallback;
                var (nodeVersion, release) = Eks.NodegroupVersions(s, id, isNew ? null : previous, name.Split('/')[0]);
                var before = c.Nodegroups.GetValueOrDefault(name);
                // CloudFormation sends only what changed: an update that leaves ScalingConfig alone keeps the size (a paused group stays at 0).
                var keepSize = before is not null && previous?.Resolved(id, "ScalingConfig")?.ToJsonString() == scaling.ToJsonString();
                c.Nodegroups[name] = new JsonObject
                {
                    ["nodegroupName"] = name.Split('/')[1], ["nodegroupArn"] = Attribute(s, id, "Arn").ToString(), ["clusterName"] = name.Split('/')[0],
                    ["version"] = nodeVersion, ["releaseVersion"] = release,
                    ["createdAt"] = before?["createdAt"]?.DeepClone() ?? now, ["modifiedAt"] = now, ["status"] = "ACTIVE",
                    ["capacityType"] = s.Property(id, "CapacityType") ?? "ON_DEMAND",
                    ["scalingConfig"] = keepSize ? before!["scalingConfig"]!.DeepClone() : new JsonObject
                    {
                        ["minSize"] = Size("MinSize", 1), ["maxSize"] = Size("MaxSize", 2), ["desiredSize"] = Size("DesiredSize", 2),
                    },
                    ["instanceTypes"] = s.Resolved(id, "InstanceTypes")?.DeepClone() ?? new JsonArray(),
                    ["subnets"] = s.Resolved(id, "Subnets")?.DeepClone() ?? new JsonArray(),
                    ["amiType"] = s.Property(id, "AmiType") ?? "AL2023_x86_64_STANDARD", ["nodeRole"] = s.Property(id, "NodeRole") ?? "",
                    // EKS makes the node group's Auto Scaling group (kept across updates, as its attachments are).
                    ["resources"] = new JsonObject
                    {
                        ["autoScalingGroups"] = new JsonArray(new JsonObject
                        {
                            ["name"] = LoadBalancing.NodegroupAutoScalingGroup(c, name.Split('/')[0], name.Split('/')[1]),
                        }),
                    },
                };
                break;
            case "AWS::EC2::Volume":
                if (c.Volumes.GetValueOrDefault(name) is { } deployed) deployed["Size"] = Int("Size", 8);
                else c.Volumes[name] = Volume(name, Int("Size", 8), s.Property(id, "VolumeType") ?? "gp2");
                break;
            case "AWS::EKS::Addon":
                Eks.ApplyAddon(s, id);
                break;
            case "AWS::EC2::Instance":
                // Volumes are attached after the launch: one still attached to another instance fails it (as a replacement
                // meets the volume its predecessor holds: CloudFormation deletes the old instance only in the cleanup).
                var attach = (s.Resolved(id, "Volumes") as JsonArray ?? []).OfType<JsonObject>()
                    .Select(v => (Device: v["Device"]?.ToString() ?? "", VolumeId: v["VolumeId"]?.ToString() ?? "")).ToArray();
                foreach (var (_, volumeId) in attach)
                {
                    var wanted = c.Volumes.GetValueOrDefault(volumeId)
                                 ?? throw new ResourceFailedException($"The volume '{volumeId}' does not exist. (Service: AmazonEC2; Status Code: 400; " +
                                                                      "Error Code: InvalidVolume.NotFound)");
                    if (AttachedTo(wanted) is { } holder && holder != name)
                        throw new ResourceFailedException($"{volumeId} is already attached to an instance (Service: AmazonEC2; Status Code: 400; " +
                                                          $"Error Code: VolumeInUse; Request ID: {Guid.NewGuid()}) - attached to {holder}");
                }
                if (isNew)
                    foreach (var mapping in (s.Resolved(id, "BlockDeviceMappings") as JsonArray ?? []).OfType<JsonObject>())
                        if (mapping["Ebs"] is JsonObject ebs)
                        {
                            var device = mapping["DeviceName"]?.ToString() ?? "/dev/xvda";
                            var volumeId = "vol-0" + s.Hex(16, id, "block device " + device);
                            c.Volumes[volumeId] = Volume(volumeId, int.TryParse(ebs["VolumeSize"]?.ToString(), out var gb) ? gb : 8,
                                ebs["VolumeType"]?.ToString() ?? "gp2");
                            Attach(c.Volumes[volumeId], name, device, deleteOnTermination: ebs["DeleteOnTermination"]?.ToString() != "false");
                        }
                foreach (var (device, volumeId) in attach)
                    if (AttachedTo(c.Volumes[volumeId]) is null) Attach(c.Volumes[volumeId], name, device, deleteOnTermination: false);
                // The template's tags; tags added since (create-tags) stay, as CloudFormation only changes the tags it declares.
                var declaredTags = (s.Resolved(id, "Tags") as JsonArray ?? []).OfType<JsonObject>()
                    .Select(t => new JsonObject { ["Key"] = t["Key"]?.ToString(), ["Value"] = t["Value"]?.ToString() ?? "" }).ToList();
                var addedTags = (c.Instances.GetValueOrDefault(name)?["Tags"] as JsonArray ?? []).OfType<JsonObject>()
                    .Where(t => declaredTags.All(d => d["Key"]!.ToString() != t["Key"]!.ToString())).Select(t => (JsonObject)t.DeepClone());
                c.Instances[name] = new JsonObject
                {
                    ["Tags"] = new JsonArray([.. declaredTags, .. addedTags]),
                    ["InstanceId"] = name, ["InstanceType"] = s.Property(id, "InstanceType") ?? "t3.micro",
                    ["ImageId"] = s.Property(id, "ImageId") ?? "ami-0" + s.Hex(16, id, "ami"),
                    ["State"] = c.Instances.GetValueOrDefault(name)?["State"]?.DeepClone() ?? Services.InstanceState("running"),
                    ["PrivateIpAddress"] = PrivateIp(s, id), ["LaunchTime"] = now, ["Placement"] = new JsonObject { ["AvailabilityZone"] = c.Region + "a" },
                };
                if (s.Property(id, "IamInstanceProfile") is { } profile)
                    c.Instances[name]["IamInstanceProfile"] = new JsonObject
                    {
                        ["Arn"] = $"arn:aws:iam::{c.Account}:instance-profile/{profile}", ["Id"] = "AIPA" + s.Hex(17, id, "profile").ToUpperInvariant(),
                    };
                break;
            case "AWS::RDS::DBInstance":
                var existing = c.Databases.GetValueOrDefault(name);
                if (existing is not null && !isNew && existing["DBInstanceStatus"]!.GetValue<string>() != "available")
                    throw new ResourceFailedException(
                        "Resource handler returned message: \"Database instance is in a state that cannot be modified. (Service: Rds, Status Code: 400)\" " +
                        $"(HandlerErrorCode: InvalidRequest) - DB instance {name} is {existing["DBInstanceStatus"]}");
                c.Databases[name] = new JsonObject
                {
                    ["DBInstanceIdentifier"] = name, ["DBInstanceClass"] = s.Property(id, "DBInstanceClass") ?? "db.t4g.micro",
                    ["Engine"] = s.Property(id, "Engine") ?? "mysql",
                    ["DBInstanceStatus"] = existing?["DBInstanceStatus"]?.DeepClone() ?? "available", ["MasterUsername"] = "admin",
                    ["DBName"] = s.Property(id, "DBName") ?? "",
                    ["Endpoint"] = new JsonObject { ["Address"] = Attribute(s, id, "Endpoint.Address").ToString(), ["Port"] = Int("Port", 3306) },
                    ["AllocatedStorage"] = Int("AllocatedStorage", 20), ["EngineVersion"] = s.Property(id, "EngineVersion") ?? "8.4.7",
                    ["DBInstanceArn"] = Attribute(s, id, "DBInstanceArn").ToString(), ["MultiAZ"] = s.Property(id, "MultiAZ") == "true",
                    ["InstanceCreateTime"] = now,
                };
                break;
            case "AWS::SecretsManager::Secret":
                var secretName = s.Property(id, "Name") ?? name.Split(":secret:")[1][..^7];
                if (c.Secrets.TryGetValue(secretName, out var secret) && secret.Deleted is not null)
                    throw new ResourceFailedException(
                        "Resource handler returned message: \"You can't create this secret because a secret with this name is already scheduled " +
                        "for deletion. (Service: SecretsManager, Status Code: 400)\" (HandlerErrorCode: InvalidRequest)");
                if (secret is null)
                    c.Secrets[secretName] = new SecretRecord
                    {
                        Name = secretName, Arn = name, VersionId = Guid.NewGuid().ToString(), Created = DateTimeOffset.UtcNow,
                        Description = s.Property(id, "Description") ?? "",
                        Value = s.Property(id, "SecretString") is { } text
                            ? JsonNode.Parse(text)!.AsObject()
                            : Generated(s.Resolved(id, "GenerateSecretString") as JsonObject ?? []),
                    };
                break;
            case "AWS::SecretsManager::SecretTargetAttachment":
                var target = c.Secrets.Values.FirstOrDefault(x => x.Arn == s.Property(id, "SecretId") || x.Name == s.Property(id, "SecretId"));
                var db = c.Databases.GetValueOrDefault(s.Property(id, "TargetId") ?? "");
                if (target is not null && db is not null)
                {
                    target.Value["engine"] = db["Engine"]!.GetValue<string>();
                    target.Value["host"] = db["Endpoint"]!["Address"]!.GetValue<string>();
                    target.Value["port"] = db["Endpoint"]!["Port"]!.GetValue<int>();
                    target.Value["dbInstanceIdentifier"] = db["DBInstanceIdentifier"]!.GetValue<string>();
                    if (db["DBName"]!.GetValue<string>() is { Length: > 0 } dbName) target.Value["dbname"] = dbName;
                }
                break;
            case "AWS::Logs::LogGroup":
                c.LogGroups[name] = LogGroup(c, name,
                    int.TryParse(s.Property(id, "RetentionInDays"), CultureInfo.InvariantCulture, out var days) ? days : null);
                break;
            case "AWS::SQS::Queue":
                var queueName = name.Split('/').Last();
                var queue = c.Queues.GetValueOrDefault(queueName) ?? new JsonObject { ["Messages"] = new JsonArray() };
                (queue["Name"], queue["Url"], queue["Arn"]) = (queueName, name, Attribute(s, id, "Arn").ToString());
                queue["MessageRetentionPeriod"] = Int("MessageRetentionPeriod", 345600);
                c.Queues[queueName] = queue;
                break;
            case "AWS::ElasticLoadBalancingV2::LoadBalancer" or "AWS::ElasticLoadBalancingV2::TargetGroup" or "AWS::ElasticLoadBalancingV2::Listener":
                LoadBalancing.Apply(s, id, name);
                break;
            case "AWS::Scheduler::Schedule":
                var definition = new JsonObject();
                foreach (var member in new[] { "ActionAfterCompletion", "Description", "EndDate", "FlexibleTimeWindow", "KmsKeyArn", "ScheduleExpression",
                                               "ScheduleExpressionTimezone", "StartDate", "State", "Target" })
                    if (s.Resolved(id, member) is { } value) definition[member] = value.DeepClone();
                c.Schedules[name] = Services.Schedule(c, name, definition, c.Schedules.GetValueOrDefault(name)?["CreationDate"]?.GetValue<string>());
                break;
        }
    }

    /// <summary>Takes the resource out of the services (a deleted secret enters its recovery window, as in AWS).</summary>
    public static void Remove(Cloud c, string type, string physicalId)
    {
        switch (type)
        {
            case "AWS::S3::Bucket": c.Buckets.Remove(physicalId); break;
            case "AWS::SSM::Parameter": c.Parameters.Remove(physicalId); break;
            case "AWS::IAM::Role": c.Roles.Remove(physicalId); c.RolePolicies.Remove(physicalId); break;
            case "AWS::IAM::InstanceProfile": c.InstanceProfiles.Remove(physicalId); break;
            case "AWS::EKS::AccessEntry": c.AccessEntries.Remove(physicalId); break;
            case "AWS::ECR::Repository": c.Repositories.Remove(physicalId); break;
            case "AWS::EKS::Cluster":
                c.Clusters.Remove(physicalId);
                foreach (var key in c.AccessEntries.Keys.Where(k => k.StartsWith(physicalId + "|", StringComparison.Ordinal)).ToList())
                    c.AccessEntries.Remove(key);
                break;
            case "AWS::EKS::Nodegroup": c.Nodegroups.Remove(physicalId); LoadBalancing.RemoveNodegroup(c, physicalId); break;
            case "AWS::EKS::Addon": c.Addons.Remove(physicalId.Replace('|', '/')); break;
            case "AWS::ElasticLoadBalancingV2::LoadBalancer" or "AWS::ElasticLoadBalancingV2::TargetGroup" or "AWS::ElasticLoadBalancingV2::Listener":
                LoadBalancing.Remove(c, type, physicalId);
                break;
            case "AWS::EC2::Instance":
                c.Instances.Remove(physicalId);
                // Terminated: its block-device volumes go (DeleteOnTermination), attached volumes are released.
                foreach (var (volumeId, volume) in c.Volumes.Where(v => AttachedTo(v.Value) == physicalId).ToList())
                    if (volume["Attachments"]![0]!["DeleteOnTermination"]!.GetValue<bool>()) c.Volumes.Remove(volumeId);
                    else (volume["State"], volume["Attachments"]) = ("available", new JsonArray());
                break;
            case "AWS::EC2::Volume": c.Volumes.Remove(physicalId); break;
            case "AWS::RDS::DBInstance": c.Databases.Remove(physicalId); break;
            case "AWS::Logs::LogGroup": c.LogGroups.Remove(physicalId); break;
            case "AWS::Scheduler::Schedule": c.Schedules.Remove(physicalId); break;
            case "AWS::SQS::Queue": c.Queues.Remove(physicalId.Split('/').Last()); break;
            case "AWS::SecretsManager::Secret":
                if (c.Secrets.Values.FirstOrDefault(x => x.Arn == physicalId) is { } secret) secret.Deleted ??= DateTimeOffset.UtcNow;
                break;
        }
    }

    private static JsonObject Volume(string id, int gb, string type) => new()
    {
        ["VolumeId"] = id, ["Size"] = gb, ["VolumeType"] = type, ["State"] = "available", ["Attachments"] = new JsonArray(),
    };

    /// <summary>The instance an EBS volume is attached to, or null while it is available.</summary>
    public static string? AttachedTo(JsonObject volume) => volume["Attachments"]?.AsArray().FirstOrDefault()?["InstanceId"]?.GetValue<string>();

    private static void Attach(JsonObject volume, string instance, string device, bool deleteOnTermination)
    {
        volume["State"] = "in-use";
        volume["Attachments"] = new JsonArray(new JsonObject
        {
            ["InstanceId"] = instance, ["Device"] = device, ["State"] = "attached", ["DeleteOnTermination"] = deleteOnTermination,
        });
    }

    public static JsonObject LogGroup(Cloud c, string name, int? retention)
    {
        var group = new JsonObject
        {
            ["logGroupName"] = name, ["creationTime"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), ["storedBytes"] = 0,
            ["arn"] = $"arn:aws:logs:{c.Region}:{c.Account}:log-group:{name}:*", ["logGroupArn"] = $"arn:aws:logs:{c.Region}:{c.Account}:log-group:{name}",
        };
        if (retention is { } r) group["retentionInDays"] = r;
        return group;
    }

    /// <summary>Secrets Manager's generator: the template plus a random password from the allowed characters.</summary>
    private static JsonObject Generated(JsonObject generator)
    {
        bool On(string key) => generator[key]?.ToString() == "true";
        var chars = (On("ExcludeUppercase") ? "" : "ABCDEFGHIJKLMNOPQRSTUVWXYZ") + (On("ExcludeLowercase") ? "" : "abcdefghijklmnopqrstuvwxyz") +
                    (On("ExcludeNumbers") ? "" : "0123456789") + (On("ExcludePunctuation") ? "" : "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");
        var excluded = generator["ExcludeCharacters"]?.ToString() ?? "";
        var alphabet = chars.Where(ch => !excluded.Contains(ch)).ToArray();
        var length = int.TryParse(generator["PasswordLength"]?.ToString(), CultureInfo.InvariantCulture, out var l) ? l : 32;
        var password = new string(Enumerable.Range(0, length).Select(_ => alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)]).ToArray());
        var value = generator["SecretStringTemplate"]?.ToString() is { } template ? JsonNode.Parse(template)!.AsObject() : [];
        if (generator["GenerateStringKey"]?.ToString() is { } key) value[key] = password;
        else return new JsonObject { ["password"] = password };
        return value;
    }
}
