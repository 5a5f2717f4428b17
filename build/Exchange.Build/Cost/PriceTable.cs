using System.Text.Json;
using System.Text.Json.Serialization;

namespace Exchange.Build.Cost;

/// <summary>A price in USD. <see cref="Estimate"/> marks figures not read from a published Seoul price.</summary>
public sealed record Rate(decimal Usd, bool Estimate = false, string? Note = null);

public sealed record InstancePrice(decimal OnDemand, bool Estimate = false, string? Note = null);

public sealed record PriceSource(string Name, string Url);

public sealed record EksPrices(Rate StandardPerHour, Rate ExtendedPerHour,
    IReadOnlyList<string> VersionsPastStandardSupport, string? VersionsNote = null);

/// <summary>Spot has no list price: an assumed discount off on-demand, dated.</summary>
public sealed record SpotEstimate(decimal Discount, string AsOf, bool Estimate, string Note);

public sealed record NatGatewayPrices(Rate PerHour, Rate PerGb);

public sealed record LogPrices(Rate IngestionPerGb, Rate StoragePerGbMonth);

public sealed record S3Prices(Rate StandardPerGbMonth, Rate VendedLogsPerGb);

/// <summary>Application Load Balancer hours and LCU-hours (its public IPv4 addresses bill as <see cref="PriceTable.PublicIpv4PerHour"/>).</summary>
public sealed record LoadBalancerPrices(Rate ApplicationPerHour, Rate LcuPerHour);

/// <summary>What a quiet dev environment is assumed to use; not prices.</summary>
public sealed record UsageAssumptions(
    string Note,
    decimal NatGatewayGbPerMonth,
    decimal LogGroupGbPerMonth,
    IReadOnlyDictionary<string, decimal> LogGroupGbPerMonthByNamePrefix,
    decimal EcrGbPerRepository,
    decimal RootVolumeGbWhenUnspecified,
    IReadOnlyDictionary<string, decimal>? EksLogGbPerMonthByType = null,
    string? EksLogGbPerMonthByTypeNote = null,
    decimal S3GbPerBucket = 0,
    IReadOnlyDictionary<string, decimal>? FlowLogGbPerMonth = null,
    string? FlowLogNote = null,
    decimal SqsRequestsPerQueuePerMonth = 0,
    string? SqsNote = null,
    decimal AlbLcuPerHour = 0,
    string? AlbLcuNote = null);

/// <summary>
/// The dated price table for one region (build/prices/&lt;region&gt;.json), with its sources. Unknown
/// keys are an error, so a typo cannot silently drop a price.
/// </summary>
public sealed record PriceTable
{
    public required string Region { get; init; }
    public required string Currency { get; init; }
    public required DateOnly AsOf { get; init; }
    public required decimal HoursPerMonth { get; init; }
    public required string HowToUpdate { get; init; }
    public required IReadOnlyList<PriceSource> Sources { get; init; }
    public required EksPrices Eks { get; init; }
    public required IReadOnlyDictionary<string, InstancePrice> Ec2 { get; init; }
    public required SpotEstimate Spot { get; init; }
    public required IReadOnlyDictionary<string, Rate> Rds { get; init; }
    public required IReadOnlyDictionary<string, Rate> RdsStoragePerGbMonth { get; init; }
    public required IReadOnlyDictionary<string, Rate> Cache { get; init; }
    public required NatGatewayPrices NatGateway { get; init; }
    public required Rate PublicIpv4PerHour { get; init; }
    public required IReadOnlyDictionary<string, Rate> EbsPerGbMonth { get; init; }
    public required LogPrices Logs { get; init; }
    public required Rate EcrStoragePerGbMonth { get; init; }
    public required Rate SecretPerMonth { get; init; }
    public required S3Prices S3 { get; init; }
    public required Rate SqsPerMillionRequests { get; init; }
    public required LoadBalancerPrices LoadBalancer { get; init; }
    public required IReadOnlyList<string> FreeResourceTypes { get; init; }
    public string? FreeResourceTypesNote { get; init; }
    public required UsageAssumptions Usage { get; init; }

    /// <summary>The hourly price of a node on Spot: on-demand less the assumed discount.</summary>
    public decimal SpotHourly(string instanceType) => Ec2[instanceType].OnDemand * (1 - Spot.Discount);

    public static string PathFor(string repoRoot, string region) => System.IO.Path.Combine(repoRoot, "build", "prices", region + ".json");

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    public static PriceTable Load(string file)
    {
        if (!File.Exists(file))
            throw new PriceTableException($"No price table at {file}. Copy build/prices/ap-northeast-2.json for the new region and fill it from the sources " +
                "it lists.");
        PriceTable? table;
        try { table = JsonSerializer.Deserialize<PriceTable>(File.ReadAllText(file), Options); }
        catch (JsonException e) { throw new PriceTableException($"Price table {file} is not valid: {e.Message}"); }
        if (table is null) throw new PriceTableException($"Price table {file} is empty.");
        table.Validate(file);
        return table;
    }

    private void Validate(string file)
    {
        var problems = new List<string>();
        if (HoursPerMonth <= 0) problems.Add("hoursPerMonth must be positive");
        if (Spot.Discount is < 0 or >= 1) problems.Add("spot.discount must be in [0, 1)");
        if (Usage.AlbLcuPerHour < 0) problems.Add("usage.albLcuPerHour must not be negative");
        var rates = new[] { Eks.StandardPerHour, Eks.ExtendedPerHour, NatGateway.PerHour, NatGateway.PerGb, PublicIpv4PerHour,
                Logs.IngestionPerGb, Logs.StoragePerGbMonth, EcrStoragePerGbMonth, SecretPerMonth, S3.StandardPerGbMonth, S3.VendedLogsPerGb,
                LoadBalancer.ApplicationPerHour, LoadBalancer.LcuPerHour }
            .Concat(Rds.Values).Concat(RdsStoragePerGbMonth.Values).Concat(Cache.Values).Concat(EbsPerGbMonth.Values);
        if (rates.Any(r => r.Usd < 0) || Ec2.Values.Any(p => p.OnDemand < 0)) problems.Add("prices must not be negative");
        if (Sources.Count == 0) problems.Add("sources must name where the prices come from");
        if (problems.Count > 0) throw new PriceTableException($"Price table {file}: {string.Join("; ", problems)}.");
    }
}

public sealed class PriceTableException(string message) : Exception(message);
