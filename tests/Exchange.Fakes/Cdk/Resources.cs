using System.Text.Json.Nodes;
using Exchange.Fakes.Aws;
using Exchange.Fakes.Core;

namespace Exchange.Fakes.Cdk;

/// <summary>The stack being deployed: where it goes and its template.</summary>
internal sealed record StackContext(string StackName, string Region, string Account, JsonObject Template)
{
    public string StackId => $"arn:aws:cloudformation:{Region}:{Account}:stack/{StackName}/{Guid(StackName)}";

    public JsonObject Resources => Template["Resources"] as JsonObject ?? [];

    public JsonObject? Resource(string logicalId) => Resources[logicalId] as JsonObject;

    public string? Type(string logicalId) => Json.Str(Resource(logicalId), "Type");

    public JsonObject Properties(string logicalId) => Resource(logicalId)?["Properties"] as JsonObject ?? [];

    public string? Property(string logicalId, string name) => Json.Str(Properties(logicalId), name);

    /// <summary>A deterministic hex string for this stack's resource (same template, same ids).</summary>
    public string Hex(int length, string logicalId, string salt = "") => Json.StableHex(length, Account, Region, StackName, logicalId, salt);

    public static string Guid(string seed) => new Guid(Convert.FromHexString(Json.StableHex(32, seed))).ToString();

    /// <summary>ap-northeast-2 -> apn2, us-east-1 -> use1: the short region in ElastiCache host names.</summary>
    public string ShortRegion
    {
        get
        {
            var parts = Region.Split('-');
            return parts.Length < 3 ? Region : parts[0] + string.Concat(parts[1..^1].Select(p => p[0])) + parts[^1];
        }
    }
}

/// <summary>What CloudFormation would name resources (Ref) and report as their attributes (Fn::GetAtt).</summary>
internal static class Resources
{
    public const string PrivateIp = "10.0.11.25";

    public static string PhysicalId(StackContext stack, string logicalId)
    {
        var p = (string name) => stack.Property(logicalId, name);
        return stack.Type(logicalId) switch
        {
            "AWS::EC2::VPC" => "vpc-0" + stack.Hex(16, logicalId),
            "AWS::EC2::SecurityGroup" => "sg-0" + stack.Hex(16, logicalId),
            "AWS::EC2::Subnet" => "subnet-0" + stack.Hex(16, logicalId),
            "AWS::EC2::Instance" => "i-0" + stack.Hex(16, logicalId),
            "AWS::ECR::Repository" => p("RepositoryName") ?? "exchange/" + logicalId.ToLowerInvariant(),
            "AWS::EKS::Cluster" => p("Name") ?? $"{logicalId}-{stack.Hex(8, logicalId)}",
            "AWS::EKS::Nodegroup" => $"{ClusterName(stack, logicalId)}/{NodegroupName(stack, logicalId)}",
            "AWS::RDS::DBInstance" => p("DBInstanceIdentifier") ?? $"{stack.StackName}-{logicalId}-{stack.Hex(12, logicalId)}".ToLowerInvariant(),
            "AWS::SecretsManager::Secret" => SecretArn(stack, p("Name") ?? $"{logicalId}-{stack.Hex(12, logicalId)}"),
            "AWS::ElastiCache::CacheCluster" => p("ClusterName") ?? $"{stack.StackName}-{logicalId}".ToLowerInvariant(),
            "AWS::ElastiCache::ReplicationGroup" => p("ReplicationGroupId") ?? $"{stack.StackName}-{logicalId}".ToLowerInvariant(),
            "AWS::Logs::LogGroup" => p("LogGroupName") ?? $"{stack.StackName}-{logicalId}-{stack.Hex(12, logicalId)}",
            "AWS::Scheduler::Schedule" => p("Name") ?? $"{stack.StackName}-{logicalId}-{stack.Hex(12, logicalId)}",
            _ => $"{stack.StackName}-{logicalId}-{stack.Hex(12, logicalId).ToUpperInvariant()}",
        };
    }

    public static string Attribute(StackContext stack, string logicalId, string attribute)
    {
        var id = PhysicalId(stack, logicalId);
        return (stack.Type(logicalId), attribute) switch
        {
            ("AWS::EC2::Instance", "PrivateIp") => PrivateIp,
            ("AWS::EC2::Instance", "PrivateDnsName") => $"ip-{PrivateIp.Replace('.', '-')}.{stack.Region}.compute.internal",
            ("AWS::EC2::Instance", "AvailabilityZone") => stack.Region + "a",
            ("AWS::EC2::SecurityGroup", "GroupId") => id,
            ("AWS::EC2::VPC", "VpcId") => id,
            ("AWS::EC2::VPC", "CidrBlock") => stack.Property(logicalId, "CidrBlock") ?? "10.0.0.0/16",
            ("AWS::ECR::Repository", "Arn") => $"arn:aws:ecr:{stack.Region}:{stack.Account}:repository/{id}",
            ("AWS::ECR::Repository", "RepositoryUri") => Ecr.RepositoryUri(id, stack.Region),
            ("AWS::RDS::DBInstance", "Endpoint.Address") => $"{id}.abc123.{stack.Region}.rds.amazonaws.com",
            ("AWS::RDS::DBInstance", "Endpoint.Port") => stack.Property(logicalId, "Port") ?? "3306",
            ("AWS::RDS::DBInstance", "DBInstanceArn") => $"arn:aws:rds:{stack.Region}:{stack.Account}:db:{id}",
            ("AWS::ElastiCache::CacheCluster", "RedisEndpoint.Address") => $"{id}.abc123.0001.{stack.ShortRegion}.cache.amazonaws.com",
            ("AWS::ElastiCache::CacheCluster", "RedisEndpoint.Port") => stack.Property(logicalId, "Port") ?? "6379",
            ("AWS::ElastiCache::ReplicationGroup", "PrimaryEndPoint.Address") => $"master.{id}.abc123.{stack.ShortRegion}.cache.amazonaws.com",
            ("AWS::ElastiCache::ReplicationGroup", "PrimaryEndPoint.Port") => stack.Property(logicalId, "Port") ?? "6379",
            ("AWS::EKS::Cluster", "Arn") => ClusterArn(stack, id),
            ("AWS::EKS::Cluster", "Endpoint") => ClusterEndpoint(stack, id),
            ("AWS::EKS::Cluster", "ClusterSecurityGroupId") => "sg-0" + stack.Hex(16, logicalId, "cluster-sg"),
            ("AWS::EKS::Cluster", "CertificateAuthorityData") => Convert.ToBase64String(Convert.FromHexString(stack.Hex(64, logicalId, "ca"))),
            ("AWS::EKS::Cluster", "OpenIdConnectIssuerUrl") => $"https://oidc.eks.{stack.Region}.amazonaws.com/id/{stack.Hex(32, logicalId).ToUpperInvariant()}",
            ("AWS::EKS::Nodegroup", "NodegroupName") => NodegroupName(stack, logicalId),
            ("AWS::EKS::Nodegroup", "ClusterName") => ClusterName(stack, logicalId),
            ("AWS::EKS::Nodegroup", "Arn") => $"arn:aws:eks:{stack.Region}:{stack.Account}:nodegroup/{id}/{stack.Hex(8, logicalId)}",
            (_, "Arn") => $"arn:aws:{Service(stack.Type(logicalId))}:{stack.Region}:{stack.Account}:{id}",
            _ => $"{logicalId}-{attribute.Replace('.', '-')}-{stack.Hex(8, logicalId, attribute)}",
        };
    }

    public static string ClusterArn(StackContext stack, string name) => $"arn:aws:eks:{stack.Region}:{stack.Account}:cluster/{name}";

    public static string ClusterEndpoint(StackContext stack, string name) =>
        $"https://{Json.StableHex(32, stack.Account, stack.Region, name).ToUpperInvariant()}.gr7.{stack.Region}.eks.amazonaws.com";

    public static string SecretArn(StackContext stack, string name) =>
        $"arn:aws:secretsmanager:{stack.Region}:{stack.Account}:secret:{name}-{SecretSuffix(name)}";

    /// <summary>The Ref/property value of a resource property that may itself be an intrinsic (e.g. ClusterName: {Ref: Cluster}).</summary>
    public static string? ResolvedProperty(StackContext stack, string logicalId, string name) =>
        stack.Properties(logicalId)[name] is { } value ? Intrinsics.TryResolve(stack, value, null) : null;

    private static string ClusterName(StackContext stack, string nodegroupId) =>
        ResolvedProperty(stack, nodegroupId, "ClusterName") ?? "cluster";

    private static string NodegroupName(StackContext stack, string nodegroupId) =>
        stack.Property(nodegroupId, "NodegroupName") ?? $"{nodegroupId}-{stack.Hex(12, nodegroupId)}";

    private static string SecretSuffix(string name) =>
        new(Json.StableHex(12, name).Select((c, i) => (char)('a' + (c + i) % 26)).Take(6).ToArray());

    private static string Service(string? type) => (type ?? "AWS::Unknown::X").Split("::")[1].ToLowerInvariant();
}
