using System.Globalization;
using Exchange.Contracts;

namespace Exchange.Build.Cost;

/// <summary>
/// What one preview costs: the share of the dev node group its ResourceQuota reserves (the larger of its CPU and memory requests
/// against one node), priced as a Spot node of the node group's first type from the price table. A preview adds no AWS resource:
/// its database, topics and Redis database live on the shared instances (storage and I/O of a dev preview are not priced).
/// </summary>
public static class PreviewCost
{
    /// <summary>vCPU and memory of the node types the dev node group uses (EksConfig.NodeInstanceTypes).</summary>
    private static readonly Dictionary<string, (decimal VCpu, decimal MemoryGib)> Nodes = new()
    {
        ["t3.medium"] = (2, 4), ["t3a.medium"] = (2, 4), ["t3.large"] = (2, 8), ["t3a.large"] = (2, 8),
    };

    public sealed record Estimate(decimal NodeShare, decimal PerDay, decimal PerMonth, string NodeType);

    public static Estimate Of(PriceTable prices, EnvironmentConfig environment)
    {
        var type = environment.Of<EksConfig>().NodeInstanceTypes[0];
        if (!Nodes.TryGetValue(type, out var node))
            throw new PriceTableException($"The preview cost knows no vCPU/memory for node type {type}: add it to {nameof(PreviewCost)}.Nodes.");
        var cpu = Quantity(Previews.Quota.RequestsCpu) / node.VCpu;
        var memory = Quantity(Previews.Quota.RequestsMemory) / node.MemoryGib;
        var share = Math.Max(cpu, memory);
        var hourly = share * prices.SpotHourly(type);
        return new Estimate(Math.Round(share, 2), Math.Round(hourly * 24, 2), Math.Round(hourly * prices.HoursPerMonth, 2), type);
    }

    /// <summary>A Kubernetes quantity in cores or GiB: <c>1500m</c>, <c>2</c>, <c>2816Mi</c>, <c>3Gi</c>.</summary>
    public static decimal Quantity(string text) => text switch
    {
        _ when text.EndsWith('m') => decimal.Parse(text[..^1], CultureInfo.InvariantCulture) / 1000,
        _ when text.EndsWith("Mi", StringComparison.Ordinal) => decimal.Parse(text[..^2], CultureInfo.InvariantCulture) / 1024,
        _ when text.EndsWith("Gi", StringComparison.Ordinal) => decimal.Parse(text[..^2], CultureInfo.InvariantCulture),
        _ => decimal.Parse(text, CultureInfo.InvariantCulture),
    };
}
