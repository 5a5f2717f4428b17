using System.Text.Json;
using System.Text.Json.Serialization;

namespace Exchange.Build.Cost;

/// <summary>The effective monthly cost under the sleep schedule (null schedule: none, effective = running).</summary>
public sealed record SleepSummary(string? Schedule, bool Deep, decimal UpHoursShallow, decimal UpHoursDeep, decimal Shallow, decimal DeepSleep,
    decimal Configured)
{
    public static SleepSummary From(SleepCost s) =>
        new(s.Schedule?.Describe(), s.Schedule?.Deep == true, s.ShallowUpHours, s.DeepUpHours, s.Shallow, s.Deep, s.Configured);
}

public sealed record ConfigurationSummary(string Name, string Description, bool AlreadySynthesized,
    StateTotals Totals, decimal RunningVsDefault, IReadOnlyList<ResourceDifference> Differences);

/// <summary>The cost report as JSON (artifacts/&lt;env&gt;/cost.json): the same content as the printed table, amounts in cents.</summary>
public sealed record CostDocument(
    string Environment, string Region, string Currency, DateOnly PricesAsOf, string PriceTable, decimal HoursPerMonth, string States,
    StateTotals Totals, IReadOnlyList<CostLine> Lines, IReadOnlyList<NotPricedResource> NotPriced,
    IReadOnlyList<ConfigurationSummary> Options, IReadOnlyList<ConfigurationSummary> DesignDocument, string Verdict,
    SpotEstimate Spot, UsageAssumptions Usage, IReadOnlyList<PriceSource> Sources, SleepSummary? Sleep = null,
    IReadOnlyList<ConfigurationSummary>? LeftOut = null)
{
    public static CostDocument From(string environment, CostComparison comparison, PriceTable prices, string priceTableFile)
    {
        var defaults = comparison.Default.Totals;
        ConfigurationSummary Summary(ConfigurationCost c) => new(c.Configuration.Name, c.Configuration.Description, c.Changes == 0,
            c.Totals, c.Totals.Running - defaults.Running, c.Differences);
        return new CostDocument(environment, prices.Region, prices.Currency, prices.AsOf, priceTableFile, prices.HoursPerMonth, CostText.States,
            defaults, comparison.Default.Lines, comparison.Default.NotPriced,
            comparison.Options.Select(Summary).ToArray(), comparison.DesignDocument.Select(Summary).ToArray(),
            CostText.Verdict(defaults, comparison.DesignDocument), prices.Spot, prices.Usage, prices.Sources, SleepSummary.From(comparison.Sleep),
            comparison.LeftOut.Select(Summary).ToArray());
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new CentsConverter() },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static CostDocument Parse(string json) => JsonSerializer.Deserialize<CostDocument>(json, Json)
        ?? throw new JsonException("empty cost document");

    /// <summary>Amounts are computed unrounded and written to the cent (0.5 GB and 0.65 stay as they are).</summary>
    private sealed class CentsConverter : JsonConverter<decimal>
    {
        public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDecimal();
        public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options) =>
            writer.WriteNumberValue(Math.Round(value, 2, MidpointRounding.AwayFromZero));
    }
}
