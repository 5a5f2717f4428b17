using System.Globalization;
using System.Text.RegularExpressions;
using Exchange.Build.Text;
using static Exchange.Build.Cost.ComputePricers;

namespace Exchange.Build.Cost;

/// <summary>
/// The cost report as aligned text lines for the build log, each within <see cref="ShellWrap.Width"/>
/// columns: long cells and sentences wrap, resources show as stack/logical ID without the common stack
/// prefix and CDK's hash suffix. cost.json keeps the full stack names, logical IDs and types.
/// </summary>
public static partial class CostText
{
    public const string States =
        "Running: everything up. Paused: node group at 0, Redpanda host and RDS stopped (NAT, control plane, cache, storage, IPv4 and the backend's " +
        "load balancer keep billing). Deep-paused: paused, and the EKS stack removed (with the backend's load balancer).";

    public static IEnumerable<string> Render(CostComparison comparison, PriceTable prices, string priceTableFile)
    {
        var estimate = comparison.Default;
        var stacks = estimate.Lines.Select(l => l.Stack).Distinct().ToArray();
        string Resource(string stack, string logicalId) => ShortResource(stacks, stack, logicalId);
        foreach (var line in Wrap($"Monthly cost estimate, {prices.Region}, {prices.Currency}, {prices.HoursPerMonth:0} h/month, " +
                                  $"prices as of {prices.AsOf:yyyy-MM-dd} ({priceTableFile})")) yield return line;
        foreach (var line in Wrap(States)) yield return line;
        yield return "";
        var rows = estimate.Lines
            .Select(l => new[] { Resource(l.Stack, l.LogicalId), (l.Estimate ? "~ " : "  ") + l.Billed, Money(l.Running), Money(l.Paused),
                Money(l.DeepPaused) })
            .Append(["Total", "", Money(estimate.Totals.Running), Money(estimate.Totals.Paused), Money(estimate.Totals.DeepPaused)]);
        foreach (var line in Table(["Resource", "  Billed", "Running", "Paused", "Deep-paused"], rows, textColumns: 2, wrapColumn: 1)) yield return line;
        foreach (var line in Legend(prices, stacks)) yield return line;
        yield return "";
        foreach (var line in Sleep(comparison.Sleep)) yield return line;
        yield return "";

        if (estimate.NotPriced.Count == 0) yield return "Not priced: none (every billable resource type is in the table).";
        else
        {
            yield return $"NOT PRICED ({estimate.NotPriced.Count}): billable but not in the table, so the totals leave them out:";
            foreach (var n in estimate.NotPriced)
                foreach (var line in Wrap($"{Resource(n.Stack, n.LogicalId)} ({n.Type}): {n.Reason}", "  ", "      ")) yield return line;
        }
        yield return "";

        yield return "Options, each alone against the synthesized configuration:";
        foreach (var line in Comparison(estimate, comparison.Options, Resource)) yield return line;
        yield return "";
        if (comparison.LeftOut.Count > 0)
        {
            yield return "Left out, each alone against the synthesized configuration (what each saves):";
            foreach (var line in Comparison(estimate, comparison.LeftOut, Resource)) yield return line;
            yield return "";
        }
        yield return "Dev default vs the design document:";
        foreach (var line in Comparison(estimate, comparison.DesignDocument, Resource)) yield return line;
        yield return "";
        foreach (var line in Wrap(Verdict(estimate.Totals, comparison.DesignDocument))) yield return line;
    }

    /// <summary>
    /// "Vpc/VpcPublicSubnet1NatInstance" for Exchange-dev-Vpc's VpcPublicSubnet1NatInstance57B636B8:
    /// the prefix every stack shares and the 8-hex-digit hash CDK appends are left out.
    /// </summary>
    public static string ShortResource(IReadOnlyList<string> stacks, string stack, string logicalId)
    {
        var prefix = stacks.Count > 1 ? CommonPrefix(stacks) : "";
        var shortStack = stack.Length > prefix.Length ? stack[prefix.Length..] : stack;
        return $"{shortStack}/{CdkHash().Replace(logicalId, "", 1)}";
    }

    private static string CommonPrefix(IReadOnlyList<string> names)
    {
        var prefix = names[0];
        foreach (var name in names.Skip(1))
            while (!name.StartsWith(prefix, StringComparison.Ordinal)) prefix = prefix[..^1];
        var cut = prefix.LastIndexOf('-'); // whole words only: "Exchange-dev-"
        return cut < 0 ? "" : prefix[..(cut + 1)];
    }

    private static IEnumerable<string> Wrap(string text, string indent = "", string hanging = "  ") => ShellWrap.Prose(text, indent, hanging);

    private static IEnumerable<string> Legend(PriceTable prices, IReadOnlyList<string> stacks)
    {
        var prefix = stacks.Count > 1 ? CommonPrefix(stacks) : "";
        foreach (var line in Wrap($"Resource: stack/logical ID{(prefix.Length > 0 ? $" (stacks without '{prefix}')" : "")}, without CDK's hash suffix; " +
                                  "cost.json has the full names and resource types.")) yield return line;
        var u = prices.Usage;
        var prefixes = string.Concat(u.LogGroupGbPerMonthByNamePrefix.Select(e => $", {Count(e.Value)} GB for {e.Key}*"));
        yield return "~ marks an estimate: a price not read from a published Seoul figure (see the table's notes), or an assumed usage:";
        foreach (var line in Wrap($"  NAT gateway {Count(u.NatGatewayGbPerMonth)} GB/month; logs {Count(u.LogGroupGbPerMonth)} GB/month per group{prefixes}; " +
                     $"ECR {Count(u.EcrGbPerRepository)} GB per repository; unsized root volumes {Count(u.RootVolumeGbWhenUnspecified)} GB; " +
                     $"the load balancer {Count(u.AlbLcuPerHour)} LCU while running; " +
                     $"Spot {Percent(prices.Spot.Discount)} off on-demand ({prices.Spot.AsOf}).", "  ", "    ")) yield return line;
        foreach (var line in Wrap($"  Not counted: internet data transfer out, API requests, T-instance CPU credit surplus, snapshots. " +
                                  $"Sources: {prices.Sources.Count} listed in the table.", "  ", "    ")) yield return line;
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
            new[] { "Shallow sleep (asleep = paused)" + (configured == "shallow" ? " *" : ""), Count(sleep.ShallowUpHours), Count(sleep.ShallowAsleepHours),
                Money(sleep.Shallow) },
            ["Deep sleep (asleep = deep-paused)" + (configured == "deep" ? " *" : ""), Count(sleep.DeepUpHours), Count(sleep.DeepAsleepHours),
                Money(sleep.Deep)],
        };
        foreach (var line in Table(["Sleep", "Up h/month", "Asleep h/month", "Effective"], rows, textColumns: 1, wrapColumn: 0,
                     width: ShellWrap.Width - 2))
            yield return "  " + line;
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
            : $"WARNING: the dev default (${Money(defaults.Running)}/month) is not cheaper than '{cheapest.Configuration.Name}' " +
                $"(${Money(cheapest.Totals.Running)}).";
    }

    private static IEnumerable<string> Comparison(CostEstimate baseline, IReadOnlyList<ConfigurationCost> alternatives, Func<string, string, string> resource)
    {
        var rows = alternatives.Select(a => new[]
            {
                a.Configuration.Name + (a.Changes == 0 ? " (already synthesized)" : ""),
                Money(a.Totals.Running), Money(a.Totals.Paused), Money(a.Totals.DeepPaused), Signed(a.Totals.Running - baseline.Totals.Running),
            })
            .Prepend(["Synthesized (dev default)", Money(baseline.Totals.Running), Money(baseline.Totals.Paused), Money(baseline.Totals.DeepPaused), ""]);
        foreach (var line in Table(["Configuration", "Running", "Paused", "Deep-paused", "vs default"], rows, textColumns: 1, wrapColumn: 0,
            width: ShellWrap.Width - 2))
            yield return "  " + line;
        foreach (var a in alternatives.Where(a => a.Differences.Count > 0))
        {
            foreach (var line in Wrap($"{a.Configuration.Name}: {a.Configuration.Description}", "  ", "    ")) yield return line;
            foreach (var d in a.Differences)
                foreach (var line in Wrap($"{resource(d.Stack, d.LogicalId)}: {d.From} ({Money(d.FromRunning)}) -> {d.To} ({Money(d.ToRunning)})",
                             $"    {Signed(d.Delta),9}  ", new string(' ', 17)))
                    yield return line;
        }
    }

    /// <summary>
    /// The first <paramref name="textColumns"/> columns left-aligned, the amounts after them right-aligned;
    /// when the table is wider than <paramref name="width"/>, the cells of <paramref name="wrapColumn"/> wrap onto more lines.
    /// </summary>
    private static IEnumerable<string> Table(string[] header, IEnumerable<string[]> body, int textColumns, int wrapColumn, int? width = null)
    {
        var max = width ?? ShellWrap.Width;
        var rows = body.Prepend(header).ToArray();
        var widths = header.Select((_, i) => rows.Max(r => r[i].Length)).ToArray();
        var others = widths.Where((_, i) => i != wrapColumn).Sum() + 2 * (widths.Length - 1);
        widths[wrapColumn] = Math.Max(header[wrapColumn].Length, Math.Min(widths[wrapColumn], max - others));
        foreach (var row in rows)
        {
            var cell = row[wrapColumn];
            var marker = cell.StartsWith("  ", StringComparison.Ordinal) || cell.StartsWith("~ ", StringComparison.Ordinal) ? cell[..2] : "";
            var parts = ShellWrap.Prose(cell[marker.Length..], marker, new string(' ', marker.Length), widths[wrapColumn]).ToArray();
            for (var p = 0; p < parts.Length; p++)
            {
                var cells = row.Select((c, i) => i == wrapColumn ? parts[p] : p == 0 ? c : "").ToArray();
                yield return string.Join("  ", cells.Select((c, i) => i >= textColumns ? c.PadLeft(widths[i]) : c.PadRight(widths[i]))).TrimEnd();
            }
        }
    }

    public static string Money(decimal usd) => usd.ToString("0.00", CultureInfo.InvariantCulture);
    private static string Signed(decimal usd) => (usd >= 0 ? "+" : "") + Money(usd);
    private static string Percent(decimal fraction) => (fraction * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";

    [GeneratedRegex("[0-9A-F]{8}(?=$|[A-Z][a-z])")] private static partial Regex CdkHash();
}
