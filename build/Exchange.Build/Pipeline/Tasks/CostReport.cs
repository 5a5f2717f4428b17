using Exchange.Build.Cost;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>
/// Cost: a monthly estimate of the synthesized environment from the dated price table in
/// build/prices/&lt;region&gt;.json, per resource, running / paused / deep-paused, with the configuration
/// options and the design document priced from the same table. Needs no AWS account.
/// </summary>
public static class CostReport
{
    public static string OutputFile(BuildContext b) => Path.Combine(b.Settings.ArtifactsDir, "cost.json");

    public static void Run(BuildContext b)
    {
        Synth.EnsureAssembly(b);
        var tableFile = PriceTable.PathFor(b.Settings.RepoRoot, b.Settings.Region);
        var prices = PriceTable.Load(tableFile);
        var comparison = CostComparison.Of(CloudAssembly.Load(b.Settings.CdkOutDir), prices, PausePlan.For(b.Names));
        var shownTable = Path.GetRelativePath(b.Settings.RepoRoot, tableFile);

        foreach (var line in CostText.Render(comparison, prices, shownTable)) b.Log.Information(line);
        foreach (var line in PreviewLines(PreviewCost.Of(prices, b.Settings.Environment), b.Settings.PreviewCap)) b.Log.Information(line);
        var estimate = comparison.Default;
        if (estimate.NotPriced.Count > 0)
            b.Log.Warning($"{estimate.NotPriced.Count} billable item(s) are not priced (listed above): the totals are too low by their cost.");
        // Priced on standard support (UpgradePolicy STANDARD); past its end EKS upgrades the control plane rather than billing extended support.
        var version = b.Settings.Environment.Of<Contracts.EksConfig>().KubernetesVersion;
        if (Operations.KubernetesChecks.SupportWarning(version, b.Now(), "configured") is { } support)
        {
            var extendedMore = (prices.Eks.ExtendedPerHour.Usd - prices.Eks.StandardPerHour.Usd) * prices.HoursPerMonth;
            b.Log.Warning($"{support} (With UpgradePolicy EXTENDED it would stay and bill ${CostText.Money(extendedMore)} a month more.)");
        }
        var oldest = DateOnly.FromDateTime(DateTime.UtcNow).AddMonths(-6);
        if (prices.AsOf < oldest)
            b.Log.Warning($"The price table is from {prices.AsOf:yyyy-MM-dd}, more than six months ago: check it against its sources ({shownTable}).");

        Directory.CreateDirectory(b.Settings.ArtifactsDir);
        var document = CostDocument.From(b.Settings.Environment.EnvName, comparison, prices, shownTable);
        Files.AtomicFile.WriteAllText(OutputFile(b), document.ToJson());
        b.Document = (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(document.ToJson())!;
        b.Log.Information($"Wrote {OutputFile(b)}");

        var totals = estimate.Totals;
        var notPriced = estimate.NotPriced.Count == 0 ? "" : $", {estimate.NotPriced.Count} item(s) not priced";
        var sleep = comparison.Sleep.Schedule is null ? ""
            : $", effective ${CostText.Money(comparison.Sleep.Shallow)} shallow / ${CostText.Money(comparison.Sleep.Deep)} deep sleep";
        b.Report.Add(TaskNames.Cost, StepOutcome.Checked,
            $"~${CostText.Money(totals.Running)}/month running, ${CostText.Money(totals.Paused)} paused, " +
            $"${CostText.Money(totals.DeepPaused)} deep-paused{sleep} (prices of {prices.AsOf:yyyy-MM-dd}{notPriced})");
    }

    /// <summary>What previews add (README "Preview environments"): one preview's share of a node, and the cap's worth of them.</summary>
    public static IEnumerable<string> PreviewLines(PreviewCost.Estimate preview, int cap)
    {
        yield return $"Previews: one adds ~${CostText.Money(preview.PerMonth)}/month (${preview.PerDay:0.00}/day: its quota's " +
                     $"{preview.NodeShare:0.##} of a Spot {preview.NodeType} node; no AWS resource of its own);";
        yield return $"  at the cap of {cap} (--{Settings.ArgumentNames.PreviewCap}), up to ~${CostText.Money(preview.PerMonth * cap)}/month " +
                     "more while they run (they sleep with the environment).";
    }

    public static string DiffFile(BuildContext b) => Path.Combine(b.Settings.ArtifactsDir, "cost-diff.md");

    /// <summary>
    /// CostDiff: this checkout's assembly against the base branch's (--base-assembly), per resource, running and
    /// effective, as markdown (artifacts/&lt;env&gt;/cost-diff.md and the GitHub job summary). Fails when the running
    /// monthly increase exceeds --cost-threshold.
    /// </summary>
    public static void Diff(BuildContext b)
    {
        Synth.EnsureAssembly(b);
        var prices = PriceTable.Load(PriceTable.PathFor(b.Settings.RepoRoot, b.Settings.Region));
        var diff = CostDiff.Of(CloudAssembly.Load(b.Settings.BaseAssemblyDir!), CloudAssembly.Load(b.Settings.CdkOutDir), prices, PausePlan.For(b.Names));
        var markdown = diff.ToMarkdown(prices, b.Settings.CostThreshold);
        Directory.CreateDirectory(b.Settings.ArtifactsDir);
        File.WriteAllText(DiffFile(b), markdown);
        if (b.Settings.StepSummaryFile is { } summary) File.AppendAllText(summary, markdown + Environment.NewLine);
        foreach (var line in markdown.Split('\n')) b.Log.Information(line.TrimEnd());
        b.Log.Information($"Wrote {DiffFile(b)}" + (b.Settings.StepSummaryFile is null ? "" : " and the job summary"));
        var outcome = $"running {Signed(diff.RunningDelta)}/month, effective {Signed(diff.EffectiveDelta)}/month, {diff.Resources.Count} resource(s) changed";
        b.Report.Add(TaskNames.CostDiff, StepOutcome.Checked, outcome);
        if (diff.Exceeds(b.Settings.CostThreshold))
            throw new InvalidOperationException($"This change raises the running cost by ${CostText.Money(diff.RunningDelta)}/month, more than " +
                                                $"--cost-threshold={CostText.Money(b.Settings.CostThreshold!.Value)}. See {DiffFile(b)}; " +
                                                "make it cheaper, or raise the threshold on purpose.");
    }

    private static string Signed(decimal usd) => (usd >= 0 ? "+$" : "-$") + CostText.Money(Math.Abs(usd));

    /// <summary>After a pause: what still bills and what it costs a month, from the last synthesized assembly.</summary>
    public static bool PrintPausedCost(BuildContext b, bool deep)
    {
        if (!File.Exists(Path.Combine(b.Settings.CdkOutDir, "manifest.json"))) return false;
        var prices = PriceTable.Load(PriceTable.PathFor(b.Settings.RepoRoot, b.Settings.Region));
        var estimate = CostEstimate.Of(CloudAssembly.Load(b.Settings.CdkOutDir), prices, PausePlan.For(b.Names));
        var totals = estimate.Totals;
        var paused = deep ? totals.DeepPaused : totals.Paused;
        b.Log.Information($"Paused{(deep ? " deeply" : "")}, this environment costs ~${CostText.Money(paused)}/month " +
                          $"(running: ~${CostText.Money(totals.Running)}; prices of {prices.AsOf:yyyy-MM-dd}). Still billing:");
        foreach (var line in estimate.Lines.Where(l => (deep ? l.DeepPaused : l.Paused) > 0.5m).OrderByDescending(l => deep ? l.DeepPaused : l.Paused))
            b.Log.Information($"  ~${CostText.Money(deep ? line.DeepPaused : line.Paused),8}  {line.Billed} ({line.Stack}/{line.LogicalId})");
        if (!deep) b.Log.Information("  (--deep also removes the EKS stack: ~$" + CostText.Money(totals.DeepPaused) + "/month)");
        return true;
    }
}
