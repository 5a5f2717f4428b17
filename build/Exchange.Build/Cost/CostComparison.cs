namespace Exchange.Build.Cost;

/// <summary>How one resource's monthly running cost differs between the synthesized configuration and an alternative.</summary>
public sealed record ResourceDifference(string Stack, string LogicalId, string From, string To, decimal FromRunning, decimal ToRunning)
{
    public decimal Delta => ToRunning - FromRunning;
}

/// <summary>An alternative configuration, priced; <see cref="Changes"/> is 0 when the synthesized one already is it.</summary>
public sealed record ConfigurationCost(CostConfiguration Configuration, int Changes, CostEstimate Estimate, IReadOnlyList<ResourceDifference> Differences)
{
    public StateTotals Totals => Estimate.Totals;
}

/// <summary>The synthesized configuration, each option alone, and the design document, all from one price table.</summary>
public sealed record CostComparison(CostEstimate Default, IReadOnlyList<ConfigurationCost> Options, IReadOnlyList<ConfigurationCost> DesignDocument)
{
    /// <summary>Parts of the default left out, each alone (<see cref="Configurations.LeftOut"/>): what each would save.</summary>
    public IReadOnlyList<ConfigurationCost> LeftOut { get; init; } = [];

    /// <summary>The default's effective cost under the assembly's own sleep schedule.</summary>
    public required SleepCost Sleep { get; init; }

    public static CostComparison Of(CloudAssembly assembly, PriceTable prices, PausePlan plan)
    {
        var baseline = CostEstimate.Of(assembly, prices, plan);
        ConfigurationCost Price(CostConfiguration configuration)
        {
            var copy = assembly.Clone();
            var changes = configuration.Apply(copy);
            var estimate = CostEstimate.Of(copy, prices, plan);
            return new ConfigurationCost(configuration, changes, estimate, Differences(baseline, estimate));
        }
        return new CostComparison(baseline,
            Configurations.Options.Select(Price).ToArray(),
            Configurations.DesignDocumentVariants.Select(Price).ToArray())
        {
            Sleep = SleepCost.Of(baseline, assembly.SleepSchedule, prices.HoursPerMonth),
            LeftOut = Configurations.LeftOut.Select(Price).ToArray(),
        };
    }

    /// <summary>Per resource (stack and logical id), where the running cost or what is billed changed.</summary>
    public static IReadOnlyList<ResourceDifference> Differences(CostEstimate from, CostEstimate to)
    {
        var before = ByResource(from);
        var after = ByResource(to);
        return before.Keys.Union(after.Keys).Order()
            .Select(key => (key, a: before.GetValueOrDefault(key), b: after.GetValueOrDefault(key)))
            .Where(x => x.a.Billed != x.b.Billed || x.a.Running != x.b.Running)
            .Select(x => new ResourceDifference(x.key.Stack, x.key.LogicalId,
                x.a.Billed ?? "(none)", x.b.Billed ?? "(none)", x.a.Running, x.b.Running))
            .ToArray();
    }

    private static Dictionary<(string Stack, string LogicalId), (string? Billed, decimal Running)> ByResource(CostEstimate estimate) =>
        estimate.Lines.GroupBy(l => (l.Stack, l.LogicalId))
            .ToDictionary(g => g.Key, g => ((string?)string.Join("; ", g.Select(l => l.Billed)), g.Sum(l => l.Running)));
}
