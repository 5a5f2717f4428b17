using Exchange.Contracts;

namespace Exchange.Build.Cost;

/// <summary>
/// One thing a resource is billed for, per month while running. <see cref="StopsWhenPaused"/>: Pause
/// stops it (node group at 0, instance or database stopped, no traffic). <see cref="Estimate"/>: it
/// rests on an estimated price or a usage assumption.
/// </summary>
public sealed record Charge(string Billed, decimal Monthly, bool StopsWhenPaused = false, bool Estimate = false);

/// <summary>What a pricer made of a resource: its charges, and the parts it could not price (never 0).</summary>
public sealed record Priced(IReadOnlyList<Charge> Charges, IReadOnlyList<string> Unpriced)
{
    public static readonly Priced Free = new([], []);
    public static Priced Of(params Charge[] charges) => new(charges, []);
    public static Priced NotPriced(string why) => new([], [why]);
}

/// <summary>
/// What Pause does to the environment, by stack name: which resource types it stops in which stack, which stacks
/// --deep removes. From the one declaration the Pause and Resume tasks read (<see cref="Pausing"/>).
/// </summary>
public sealed record PausePlan(IReadOnlySet<(string Stack, string Type)> Stopped, IReadOnlySet<string> RemovedStacks)
{
    public static PausePlan For(EnvironmentNames names) => new(
        Pausing.All.Select(r => (names.Stack(r.Stack), r.ResourceType)).ToHashSet(),
        Pausing.DeepRemoved.Select(names.Stack).ToHashSet(StringComparer.Ordinal));

    /// <summary>True when Pause stops this resource (its hours stop billing).</summary>
    public bool Stops(TemplateResource resource) => Stopped.Contains((resource.Stack, resource.Type));
}

/// <summary>The input of a pricer, with the arithmetic every pricer shares.</summary>
public sealed record PricingInput(TemplateResource Resource, PriceTable Prices, PausePlan Plan)
{
    public decimal Hours => Prices.HoursPerMonth;
    public Charge Hourly(string billed, Rate rate, decimal count = 1, bool stopsWhenPaused = false) =>
        new(billed, count * rate.Usd * Hours, stopsWhenPaused, rate.Estimate);

    /// <summary>A block-storage charge, or the reason it cannot be priced.</summary>
    public (Charge? Charge, string? Unpriced) Storage(string billed, IReadOnlyDictionary<string, Rate> table, string type, decimal gb,
        bool stopsWhenPaused = false, bool estimatedSize = false) =>
        table.TryGetValue(type, out var rate)
            ? (new Charge(billed, gb * rate.Usd, stopsWhenPaused, rate.Estimate || estimatedSize), null)
            : (null, $"{billed}: no price for storage type '{type}' in the table");
}

/// <summary>The pricers, by CloudFormation resource type. A type in none of them is reported as not priced.</summary>
public static class Pricers
{
    private static readonly IReadOnlyDictionary<string, Func<PricingInput, Priced>> ByType =
        new Dictionary<string, Func<PricingInput, Priced>>(StringComparer.Ordinal)
        {
            ["AWS::EKS::Cluster"] = ComputePricers.EksCluster,
            ["AWS::EKS::Nodegroup"] = ComputePricers.Nodegroup,
            ["AWS::EC2::Instance"] = ComputePricers.Instance,
            ["AWS::EC2::Volume"] = ComputePricers.Volume,
            ["AWS::RDS::DBInstance"] = DataPricers.DbInstance,
            ["AWS::ElastiCache::ReplicationGroup"] = DataPricers.ReplicationGroup,
            ["AWS::ElastiCache::CacheCluster"] = DataPricers.CacheCluster,
            ["AWS::EC2::NatGateway"] = ServicePricers.NatGateway,
            ["AWS::EC2::EIP"] = ServicePricers.ElasticIp,
            ["AWS::EC2::VPCEndpoint"] = ServicePricers.VpcEndpoint,
            ["AWS::Logs::LogGroup"] = ServicePricers.LogGroup,
            ["AWS::ECR::Repository"] = ServicePricers.EcrRepository,
            ["AWS::SecretsManager::Secret"] = ServicePricers.Secret,
            ["AWS::S3::Bucket"] = ServicePricers.Bucket,
            ["AWS::EC2::FlowLog"] = ServicePricers.FlowLog,
            ["AWS::SQS::Queue"] = ServicePricers.Queue,
            ["AWS::ElasticLoadBalancingV2::LoadBalancer"] = ServicePricers.LoadBalancer,
        };

    public static IEnumerable<string> KnownTypes => ByType.Keys;

    public static Priced Price(PricingInput input)
    {
        if (ByType.TryGetValue(input.Resource.Type, out var pricer)) return pricer(input);
        return input.Prices.FreeResourceTypes.Contains(input.Resource.Type, StringComparer.Ordinal)
            ? Priced.Free
            : Priced.NotPriced($"no pricer for {input.Resource.Type}: add one in build/Exchange.Build/Cost, or list the type as free in the price table");
    }
}
