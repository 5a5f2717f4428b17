using System.Text.Json.Nodes;
using static Exchange.Build.Cost.ComputePricers;

namespace Exchange.Build.Cost;

/// <summary>Network egress, logs, registries and secrets. Usage-based lines rest on the table's usage assumptions.</summary>
public static class ServicePricers
{
    /// <summary>Gateway hours (always) and data processed (the assumed monthly GB; none while paused).</summary>
    public static Priced NatGateway(PricingInput p)
    {
        var nat = p.Prices.NatGateway;
        var gb = p.Prices.Usage.NatGatewayGbPerMonth;
        return Priced.Of(
            p.Hourly("NAT gateway hours", nat.PerHour),
            new Charge($"NAT gateway data processing, {Count(gb)} GB assumed", gb * nat.PerGb.Usd, StopsWhenPaused: true, Estimate: true));
    }

    /// <summary>
    /// An Application Load Balancer: its hours (while it exists, paused or not), the assumed LCU-hours (none while paused: no traffic),
    /// and, internet-facing (CloudFormation's default scheme), one public IPv4 address per subnet it lives in (billed paused or not).
    /// Network and gateway load balancers have prices of their own, not in the table.
    /// </summary>
    public static Priced LoadBalancer(PricingInput p)
    {
        var props = p.Resource.Properties;
        var type = Literal.String(props["Type"]) ?? "application";
        if (type != "application") return Priced.NotPriced($"a {type} load balancer: the table holds Application Load Balancer prices");
        var alb = p.Prices.LoadBalancer;
        var lcu = p.Prices.Usage.AlbLcuPerHour;
        var charges = new List<Charge>
        {
            p.Hourly("Application Load Balancer hours (bills while paused)", alb.ApplicationPerHour),
            new($"LCU-hours, {Count(lcu)} LCU assumed while running", lcu * alb.LcuPerHour.Usd * p.Hours, StopsWhenPaused: true, Estimate: true),
        };
        if ((Literal.String(props["Scheme"]) ?? "internet-facing") != "internet-facing") return Priced.Of([.. charges]);
        var subnets = (props["SubnetMappings"] ?? props["Subnets"]) as JsonArray;
        if (subnets is null) return new Priced(charges, ["its subnets are not a literal list: the public IPv4 addresses (one per zone) are not counted"]);
        charges.Add(p.Hourly($"{Count(subnets.Count)} public IPv4 addresses (one per subnet)", p.Prices.PublicIpv4PerHour, subnets.Count));
        return Priced.Of([.. charges]);
    }

    public static Priced ElasticIp(PricingInput p) => Priced.Of(p.Hourly("public IPv4 address (Elastic IP)", p.Prices.PublicIpv4PerHour));

    /// <summary>Gateway endpoints (S3, DynamoDB) are free; interface endpoints bill per AZ-hour and GB, not in the table.</summary>
    public static Priced VpcEndpoint(PricingInput p) =>
        Literal.String(p.Resource.Properties["VpcEndpointType"]) is null or "Gateway"
            ? Priced.Free
            : Priced.NotPriced("interface / load-balancer VPC endpoints bill per AZ-hour and GB: not in the table");

    /// <summary>
    /// Ingestion of the assumed GB a month and the storage its retention keeps. An EKS cluster's own log group
    /// (<c>/aws/eks/NAME/cluster</c>, with the cluster in the same stack) is sized by the log types the cluster
    /// enables; other groups by name prefix, else the default.
    /// </summary>
    public static Priced LogGroup(PricingInput p)
    {
        var usage = p.Prices.Usage;
        var name = Literal.String(p.Resource.Properties["LogGroupName"]);
        var types = ControlPlaneLogTypes(p.Resource, name);
        var unpriced = new List<string>();
        decimal gb;
        var basis = "";
        if (types is not null && usage.EksLogGbPerMonthByType is { } perType)
        {
            unpriced.AddRange(types.Where(t => !perType.ContainsKey(t)).Select(t => $"no assumed volume for control-plane log type '{t}' in the table"));
            gb = types.Sum(t => perType.GetValueOrDefault(t));
            basis = types.Count == 0 ? " (no log types enabled)" : $" ({string.Join(", ", types)})";
        }
        else
        {
            gb = usage.LogGroupGbPerMonthByNamePrefix
                .Where(e => name?.StartsWith(e.Key, StringComparison.Ordinal) == true)
                .Select(e => (decimal?)e.Value).FirstOrDefault() ?? usage.LogGroupGbPerMonth;
        }
        var ingestion = new Charge($"log ingestion, {Count(gb)} GB/month assumed{basis}", gb * p.Prices.Logs.IngestionPerGb.Usd, Estimate: true);
        if (Literal.Number(p.Resource.Properties["RetentionInDays"]) is not { } days)
            return new Priced([ingestion], [$"no retention: stored logs grow by {Count(gb)} GB every month", .. unpriced]);
        var stored = gb * days / 30;
        return new Priced([ingestion,
            new Charge($"log storage, {Count(Math.Round(stored, 2))} GB kept ({Count(days)}-day retention)", stored * p.Prices.Logs.StoragePerGbMonth.Usd,
                Estimate: true)],
            unpriced);
    }

    /// <summary>
    /// The enabled control-plane log types of the EKS cluster in this stack that writes to <paramref name="logGroupName"/>; null when none does.
    /// </summary>
    private static IReadOnlyList<string>? ControlPlaneLogTypes(TemplateResource group, string? logGroupName)
    {
        if (logGroupName is null || !logGroupName.StartsWith("/aws/eks/", StringComparison.Ordinal)
            || !logGroupName.EndsWith("/cluster", StringComparison.Ordinal))
            return null;
        var clusterName = logGroupName["/aws/eks/".Length..^"/cluster".Length];
        var cluster = group.Siblings.Select(e => e.Value as JsonObject)
            .FirstOrDefault(r => Literal.String(r?["Type"]) == "AWS::EKS::Cluster" && Literal.String(r?["Properties"]?["Name"]) == clusterName);
        if (cluster is null) return null;
        return (cluster["Properties"]?["Logging"]?["ClusterLogging"]?["EnabledTypes"] as JsonArray ?? [])
            .Select(t => Literal.String(t?["Type"])).OfType<string>().ToArray();
    }

    public static Priced EcrRepository(PricingInput p)
    {
        var gb = p.Prices.Usage.EcrGbPerRepository;
        return Priced.Of(new Charge($"image storage, {Count(gb)} GB assumed", gb * p.Prices.EcrStoragePerGbMonth.Usd, Estimate: true));
    }

    /// <summary>
    /// A flow log into CloudWatch is billed as its log group's ingestion (priced there); into S3 as vended-log delivery
    /// of the assumed monthly volume for its traffic type.
    /// </summary>
    public static Priced FlowLog(PricingInput p)
    {
        if (Literal.String(p.Resource.Properties["LogDestinationType"]) != "s3") return Priced.Free;
        var traffic = Literal.String(p.Resource.Properties["TrafficType"]) ?? "ALL";
        if (p.Prices.Usage.FlowLogGbPerMonth?.GetValueOrDefault(traffic) is not { } gb)
            return Priced.NotPriced($"no assumed flow-log volume for traffic type '{traffic}' in the table");
        return Priced.Of(new Charge($"flow log delivery to S3, {Count(gb)} GB/month assumed ({traffic})", gb * p.Prices.S3.VendedLogsPerGb.Usd,
            Estimate: true));
    }

    /// <summary>
    /// S3 Standard storage: the assumed size of a bucket, plus, for a bucket in this stack that flow logs go to, a month's
    /// flow-log volume times the months its lifecycle expiry keeps (no expiry: not priced, it grows every month).
    /// </summary>
    public static Priced Bucket(PricingInput p)
    {
        var usage = p.Prices.Usage;
        var rate = p.Prices.S3.StandardPerGbMonth;
        var flowLogGb = p.Resource.Siblings.Select(e => e.Value as JsonObject)
            .Where(r => Literal.String(r?["Type"]) == "AWS::EC2::FlowLog" && Literal.String(r?["Properties"]?["LogDestinationType"]) == "s3"
                        && ReferencesBucket(r?["Properties"]?["LogDestination"], p.Resource.LogicalId))
            .Sum(r => usage.FlowLogGbPerMonth?.GetValueOrDefault(Literal.String(r?["Properties"]?["TrafficType"]) ?? "ALL") ?? 0);
        var charges = new List<Charge> { new($"object storage, {Count(usage.S3GbPerBucket)} GB assumed", usage.S3GbPerBucket * rate.Usd, Estimate: true) };
        if (flowLogGb == 0) return Priced.Of([.. charges]);
        var days = (p.Resource.Properties["LifecycleConfiguration"]?["Rules"] as JsonArray ?? [])
            .Select(r => Literal.Number(r?["ExpirationInDays"])).Where(d => d is not null).Min();
        if (days is null) return new Priced(charges, [$"flow logs without a lifecycle expiry: stored logs grow by {Count(flowLogGb)} GB every month"]);
        var stored = flowLogGb * days.Value / 30;
        charges.Add(new Charge($"flow logs kept, {Count(Math.Round(stored, 2))} GB ({Count(days.Value)}-day expiry)", stored * rate.Usd, Estimate: true));
        return Priced.Of([.. charges]);
    }

    /// <summary>True when <paramref name="node"/> (an ARN expression) is built from the bucket's Arn attribute.</summary>
    private static bool ReferencesBucket(JsonNode? node, string logicalId) =>
        node?.ToJsonString().Contains($"[\"{logicalId}\",\"Arn\"]", StringComparison.Ordinal) == true;

    /// <summary>An SQS queue bills only its requests: the assumed monthly count (a sleep schedule's dead-letter queue sees a handful).</summary>
    public static Priced Queue(PricingInput p)
    {
        var requests = p.Prices.Usage.SqsRequestsPerQueuePerMonth;
        return Priced.Of(new Charge($"SQS requests, {Count(requests)} a month assumed", requests / 1_000_000m * p.Prices.SqsPerMillionRequests.Usd,
            Estimate: true));
    }

    public static Priced Secret(PricingInput p) =>
        Priced.Of(new Charge("secret", p.Prices.SecretPerMonth.Usd, Estimate: p.Prices.SecretPerMonth.Estimate));
}
