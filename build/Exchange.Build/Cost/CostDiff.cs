using System.Text;

namespace Exchange.Build.Cost;

/// <summary>One resource's monthly cost on the base and on the change: running, and effective under each side's own sleep schedule.</summary>
public sealed record ResourceCostChange(string Stack, string LogicalId, string Type, string BaseBilled, string ChangeBilled,
    decimal BaseRunning, decimal ChangeRunning, decimal BaseEffective, decimal ChangeEffective)
{
    public decimal RunningDelta => ChangeRunning - BaseRunning;
    public decimal EffectiveDelta => ChangeEffective - BaseEffective;
}

/// <summary>
/// What a pull request does to the monthly cost: both cloud assemblies priced from the same table, per resource
/// (stack and logical id), running and effective (each assembly's own sleep schedule, as configured), with totals.
/// </summary>
public sealed record CostDiff(CostEstimate Base, CostEstimate Change, SleepCost BaseSleep, SleepCost ChangeSleep,
    IReadOnlyList<ResourceCostChange> Resources)
{
    public decimal RunningDelta => Change.Totals.Running - Base.Totals.Running;
    public decimal EffectiveDelta => ChangeSleep.Configured - BaseSleep.Configured;

    public static CostDiff Of(CloudAssembly baseAssembly, CloudAssembly change, PriceTable prices, PausePlan plan)
    {
        var before = CostEstimate.Of(baseAssembly, prices, plan);
        var after = CostEstimate.Of(change, prices, plan);
        var beforeSleep = SleepCost.Of(before, baseAssembly.SleepSchedule, prices.HoursPerMonth);
        var afterSleep = SleepCost.Of(after, change.SleepSchedule, prices.HoursPerMonth);
        var a = ByResource(before, beforeSleep);
        var b = ByResource(after, afterSleep);
        var rows = a.Keys.Union(b.Keys).Order()
            .Select(key => (key, x: a.GetValueOrDefault(key), y: b.GetValueOrDefault(key)))
            .Select(r => new ResourceCostChange(r.key.Stack, r.key.LogicalId, r.x.Type ?? r.y.Type ?? "",
                r.x.Billed ?? "(none)", r.y.Billed ?? "(none)", r.x.Running, r.y.Running, r.x.Effective, r.y.Effective))
            .Where(r => r.BaseBilled != r.ChangeBilled || r.RunningDelta != 0 || Math.Round(r.EffectiveDelta, 2) != 0)
            .ToArray();
        return new CostDiff(before, after, beforeSleep, afterSleep, rows);
    }

    private static Dictionary<(string Stack, string LogicalId), (string? Type, string? Billed, decimal Running, decimal Effective)> ByResource(
        CostEstimate estimate, SleepCost sleep)
    {
        var effective = sleep.Lines.GroupBy(l => (l.Stack, l.LogicalId))
            .ToDictionary(g => g.Key, g => sleep.Schedule?.Deep == true ? g.Sum(l => l.Deep) : g.Sum(l => l.Shallow));
        return estimate.Lines.GroupBy(l => (l.Stack, l.LogicalId)).ToDictionary(g => g.Key,
            g => ((string?)g.First().Type.Replace("AWS::", "", StringComparison.Ordinal), (string?)string.Join("; ", g.Select(l => l.Billed)),
                g.Sum(l => l.Running), effective[g.Key]));
    }

    /// <summary>True when the running monthly increase is above <paramref name="thresholdUsd"/>.</summary>
    public bool Exceeds(decimal? thresholdUsd) => thresholdUsd is { } t && RunningDelta > t;

    /// <summary>The job summary: totals, then one row per changed resource.</summary>
    public string ToMarkdown(PriceTable prices, decimal? thresholdUsd)
    {
        var md = new StringBuilder();
        md.AppendLine("### Monthly cost of this change");
        md.AppendLine();
        md.AppendLine($"Prices of {prices.AsOf:yyyy-MM-dd} ({prices.Region}, {prices.Currency}, {prices.HoursPerMonth:0} h/month). " +
                      "Effective: under each side's sleep schedule as configured " +
                      $"(base: {Describe(BaseSleep)}; change: {Describe(ChangeSleep)}).");
        md.AppendLine();
        md.AppendLine("| | Base | This change | Difference |");
        md.AppendLine("|---|---:|---:|---:|");
        md.AppendLine($"| Running | {Usd(Base.Totals.Running)} | {Usd(Change.Totals.Running)} | {Signed(RunningDelta)} |");
        md.AppendLine($"| Effective | {Usd(BaseSleep.Configured)} | {Usd(ChangeSleep.Configured)} | {Signed(EffectiveDelta)} |");
        md.AppendLine($"| Paused | {Usd(Base.Totals.Paused)} | {Usd(Change.Totals.Paused)} | {Signed(Change.Totals.Paused - Base.Totals.Paused)} |");
        md.AppendLine($"| Deep-paused | {Usd(Base.Totals.DeepPaused)} | {Usd(Change.Totals.DeepPaused)} | " +
            $"{Signed(Change.Totals.DeepPaused - Base.Totals.DeepPaused)} |");
        md.AppendLine();
        if (Resources.Count == 0) md.AppendLine("No resource changes its cost.");
        else
        {
            md.AppendLine("| Resource | Type | Base | This change | Running | Effective |");
            md.AppendLine("|---|---|---|---|---:|---:|");
            foreach (var r in Resources)
                md.AppendLine($"| `{r.Stack}/{r.LogicalId}` | {Cell(r.Type)} | {Cell(r.BaseBilled)} ({Usd(r.BaseRunning)}) | " +
                              $"{Cell(r.ChangeBilled)} ({Usd(r.ChangeRunning)}) | {Signed(r.RunningDelta)} | {Signed(r.EffectiveDelta)} |");
        }
        var unpriced = Change.NotPriced.Count;
        if (unpriced > 0)
        {
            md.AppendLine();
            md.AppendLine($"**{unpriced} billable item(s) of this change are not priced** (left out of the totals):");
            foreach (var n in Change.NotPriced) md.AppendLine($"- `{n.Stack}/{n.LogicalId}` ({n.Type}): {Cell(n.Reason)}");
        }
        if (thresholdUsd is { } t)
        {
            md.AppendLine();
            md.AppendLine(Exceeds(t)
                ? $"**The running cost rises by {Usd(RunningDelta)}/month, above the threshold of {Usd(t)}.**"
                : $"Within the threshold: the running cost changes by {Signed(RunningDelta)}/month (threshold {Usd(t)}).");
        }
        return md.ToString();
    }

    private static string Describe(SleepCost sleep) => sleep.Schedule is null
        ? "no schedule, always running"
        : $"up {sleep.Schedule.UpFraction(sleep.Schedule.Deep) * 100:0.#}% of the time, {(sleep.Schedule.Deep ? "deep" : "shallow")}";

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
    private static string Usd(decimal usd) => "$" + CostText.Money(usd);
    private static string Signed(decimal usd) => (usd >= 0 ? "+$" : "-$") + CostText.Money(Math.Abs(usd));
}
