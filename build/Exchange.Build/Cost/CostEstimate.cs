namespace Exchange.Build.Cost;

/// <summary>One billed item of one resource, per month, in the three states of the environment.</summary>
public sealed record CostLine(string Stack, string LogicalId, string Type, string Billed,
    decimal Running, decimal Paused, decimal DeepPaused, bool Estimate);

/// <summary>A billable resource (or part of one) the table cannot price. Listed, never counted as 0.</summary>
public sealed record NotPricedResource(string Stack, string LogicalId, string Type, string Reason);

public sealed record StateTotals(decimal Running, decimal Paused, decimal DeepPaused);

/// <summary>
/// The monthly cost of a cloud assembly: per resource and billed item, running / paused (node group at
/// 0, Redpanda host and RDS stopped) / deep-paused (the EKS stack removed as well).
/// </summary>
public sealed record CostEstimate(IReadOnlyList<CostLine> Lines, IReadOnlyList<NotPricedResource> NotPriced)
{
    public StateTotals Totals => new(Lines.Sum(l => l.Running), Lines.Sum(l => l.Paused), Lines.Sum(l => l.DeepPaused));

    public static CostEstimate Of(CloudAssembly assembly, PriceTable prices, PausePlan plan)
    {
        var lines = new List<CostLine>();
        var notPriced = new List<NotPricedResource>();
        foreach (var resource in assembly.Resources)
        {
            var priced = Pricers.Price(new PricingInput(resource, prices, plan));
            var removed = plan.RemovedStacks.Contains(resource.Stack);
            lines.AddRange(priced.Charges.Select(c => new CostLine(resource.Stack, resource.LogicalId, resource.Type, c.Billed,
                Running: c.Monthly,
                Paused: c.StopsWhenPaused ? 0 : c.Monthly,
                DeepPaused: c.StopsWhenPaused || removed ? 0 : c.Monthly,
                c.Estimate)));
            notPriced.AddRange(priced.Unpriced.Select(reason => new NotPricedResource(resource.Stack, resource.LogicalId, resource.Type, reason)));
        }
        return new CostEstimate(lines, notPriced);
    }
}
