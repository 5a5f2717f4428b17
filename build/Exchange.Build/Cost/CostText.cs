using System.Globalization;
using static Exchange.Build.Cost.ComputePricers;

namespace Exchange.Build.Cost;

/// <summary>The cost report as aligned text lines for the build log.</summary>
public static class CostText
{
    public const string States =
        "Running: everything up. Paused: node group at 0, Redpanda host and RDS stopped (NAT, control plane, cache, storage and IPv4 keep billing). " +
        "Deep-paused: paused, and the EKS stack removed.";

    public static IEnumerable<string> Render(CostComparison comparison, PriceTable prices, string priceTableFile)
    {
        var estimate = comparison.Default;
        yield return $"Monthly cost estimate, {prices.Region}, {prices.Currency}, {prices.HoursPerMonth:0} h/month, prices as of {prices.AsOf:yyyy-MM-dd} ({priceTableFile})";
        yield return States;
        yield return "";
        var rows = estimate.Lines
            .Select(l => new[] { l.Stack, l.LogicalId, l.Type.Replace("AWS::", "", StringComparison.Ordinal), (l.Estimate ? "~ " : "  ") + l.Billed, Money(l.Running), Money(l.Paused), Money(l.DeepPaused) })
            .Append(["Total", "", "", "", Money(estimate.Totals.Running), Money(estimate.Totals.Paused), Money(estimate.Totals.DeepPaused)]);
        foreach (var line in Table(["Stack", "Resource", "Type", "  Billed", "Running", "Paused", "Deep-paused"], rows, textColumns: 4)) yield return line;
        foreach (var line in Legend(prices)) yield return line;
        yield return "";
        foreach (var line in Sleep(comparison.Sleep)) yield return line;
        yield return "";

        if (estimate.NotPriced.Count == 0) yield return "Not priced: none (every billable resource type is in the table).";
        else
        {
            yield return $"NOT PRICED ({estimate.NotPriced.Count}): billable but not in the table, so the totals leave them out:";
            foreach (var n in estimate.NotPriced) yield return $"  {n.Stack}/{n.LogicalId} ({n.Type}): {n.Reason}";
        }
        yield return "";

        yield return "Options, each alone against the synthesized configuration:";
        foreach (var line in Comparison(estimate, comparison.Options)) yield return line;
        yield return "";
        yield return "Dev default vs the design document:";
        foreach (var line in Comparison(estimate, comparison.DesignDocument)) yield return line;
        yield return "";
        yield return Verdict(estimate.Totals, comparison.DesignDocument);
    }

    private static IEnumerable<string> Legend(PriceTable prices)
    {
        var u = prices.Usage;
        var prefixes = string.Concat(u.LogGroupGbPerMonthByNamePrefix.Select(e => $", {Count(e.Value)} GB for {e.Key}*"));
        yield return "~ marks an estimate: a price not read from a published Seoul figure (see the table's notes), or an assumed usage:";
        yield return $"  NAT gateway {Count(u.NatGatewayGbPerMonth)} GB/month; logs {Count(u.LogGroupGbPerMonth)} GB/month per group{prefixes}; " +
                     $"ECR {Count(u.EcrGbPerRepository)} GB per repository; unsized root volumes {Count(u.RootVolumeGbWhenUnspecified)} GB; " +
                     $"Spot {Percent(prices.Spot.Discount)} off on-demand ({prices.Spot.AsOf}).";
        yield return $"  Not counted: internet data transfer out, API requests, T-instance CPU credit surplus, snapshots. Sources: {prices.Sources.Count} listed in the table.";
    }

    /// <summary>The effective monthly cost under the assembly's sleep schedule: shallow and deep, hours up and asleep.</summary>
    public static IEnumerable<string> Sleep(SleepCost sleep)
    {
        if (sleep.Schedule is not { } schedule)
        {
            yield return "No sleep schedule: the environment runs until someone pauses it (effective = running).";
            yield break;
        }
        yield return "Effective monthly cost under the sleep schedule:";
        yield return "  " + schedule.Describe();
        var configured = schedule.Deep ? "deep" : "shallow";
        var rows = new[]
        {
            new[] { "Shallow sleep (asleep = paused)" + (configured == "shallow" ? " *" : ""), Count(sleep.ShallowUpHours), Count(sleep.ShallowAsleepHours), Money(sleep.Shallow) },
            ["Deep sleep (asleep = deep-paused)" + (configured == "deep" ? " *" : ""), Count(sleep.DeepUpHours), Count(sleep.DeepAsleepHours), Money(sleep.Deep)],
        };
        foreach (var line in Table(["Sleep", "Up h/month", "Asleep h/month", "Effective"], rows, textColumns: 1)) yield return "  " + line;
        yield return $"  * configured. Up {schedule.AwakeHoursPerWeek:0.#} of 168 h a week (deep sleep: +{schedule.DeepWakeLead.TotalMinutes:0} min " +
                     "a work day to recreate EKS); holidays not subtracted.";
    }

    private static string Count(decimal hours) => hours.ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>Whether the synthesized default is below every design-document variant, with the amounts.</summary>
    public static string Verdict(StateTotals defaults, IReadOnlyList<ConfigurationCost> designDocument)
    {
        var cheapest = designDocument.MinBy(d => d.Totals.Running)!;
        return defaults.Running < cheapest.Totals.Running
            ? $"The dev default costs ${Money(defaults.Running)}/month running, ${Money(cheapest.Totals.Running - defaults.Running)} less than the cheapest " +
              $"design-document variant ({string.Join("; ", designDocument.Select(d => $"{d.Configuration.Name}: ${Money(d.Totals.Running)}"))})."
            : $"WARNING: the dev default (${Money(defaults.Running)}/month) is not cheaper than '{cheapest.Configuration.Name}' (${Money(cheapest.Totals.Running)}).";
    }

    private static IEnumerable<string> Comparison(CostEstimate baseline, IReadOnlyList<ConfigurationCost> alternatives)
    {
        var rows = alternatives.Select(a => new[]
            {
                a.Configuration.Name + (a.Changes == 0 ? " (already synthesized)" : ""),
                Money(a.Totals.Running), Money(a.Totals.Paused), Money(a.Totals.DeepPaused), Signed(a.Totals.Running - baseline.Totals.Running),
            })
            .Prepend(["Synthesized (dev default)", Money(baseline.Totals.Running), Money(baseline.Totals.Paused), Money(baseline.Totals.DeepPaused), ""]);
        foreach (var line in Table(["Configuration", "Running", "Paused", "Deep-paused", "vs default"], rows, textColumns: 1)) yield return "  " + line;
        foreach (var a in alternatives.Where(a => a.Differences.Count > 0))
        {
            yield return $"  {a.Configuration.Name}: {a.Configuration.Description}";
            foreach (var d in a.Differences)
                yield return $"    {Signed(d.Delta),9}  {d.Stack}/{d.LogicalId}: {d.From} ({Money(d.FromRunning)}) -> {d.To} ({Money(d.ToRunning)})";
        }
    }

    /// <summary>The first <paramref name="textColumns"/> columns left-aligned, the amounts after them right-aligned.</summary>
    private static IEnumerable<string> Table(string[] header, IEnumerable<string[]> body, int textColumns)
    {
        var rows = body.Prepend(header).ToArray();
        var widths = header.Select((_, i) => rows.Max(r => r[i].Length)).ToArray();
        foreach (var row in rows)
            yield return string.Join("  ", row.Select((cell, i) => i >= textColumns ? cell.PadLeft(widths[i]) : cell.PadRight(widths[i]))).TrimEnd();
    }

    public static string Money(decimal usd) => usd.ToString("0.00", CultureInfo.InvariantCulture);
    private static string Signed(decimal usd) => (usd >= 0 ? "+" : "") + Money(usd);
    private static string Percent(decimal fraction) => (fraction * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";
}
