using System.Text.Json;
using System.Text.Json.Serialization;

namespace Exchange.Build.Verification;

/// <summary>One checklist item as Verify recorded it.</summary>
public sealed record RecordedItem(string Item, ItemOutcome Outcome, string Detail);

/// <summary>
/// artifacts/&lt;env&gt;/verify.json: Verify's last result and when it ran, written whole or not at all and shared in the
/// artifacts bucket like the other artefacts, so Status shows it on any machine.
/// </summary>
public sealed record VerifyRecord(DateTimeOffset At, bool Passed, string? Failure, IReadOnlyList<RecordedItem> Items)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public static VerifyRecord From(DateTimeOffset at, IEnumerable<(ChecklistItem Item, ItemResult Result)> results, string? failure)
    {
        var items = results.Select(r => new RecordedItem(r.Item.Name, r.Result.Outcome, r.Result.Detail)).ToArray();
        return new VerifyRecord(at, failure is null && items.All(i => i.Outcome == ItemOutcome.Passed), failure, items);
    }

    public static VerifyRecord? Load(string path)
    {
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<VerifyRecord>(File.ReadAllText(path), Json); }
        catch (JsonException) { return null; }
    }

    /// <summary>
    /// What the bucket's copy is for: the verdict and each item's outcome, without the time or the details (latencies). A
    /// rerun with the same verdict does not upload it again, so on other machines "last run" is when that verdict was first seen.
    /// </summary>
    public static string Verdict(string json) =>
        JsonSerializer.Deserialize<VerifyRecord>(json, Json) is { } r
            ? $"{r.Passed}|{r.Failure}|{string.Join('|', r.Items.Select(i => $"{i.Item}={i.Outcome}"))}"
            : json;

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        Files.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));
    }

    /// <summary>kubectl's short ages: 45s, 12m, 3h, 2d.</summary>
    public static string Age(TimeSpan age) => age.TotalMinutes < 2 ? $"{Math.Max(0, (int)age.TotalSeconds)}s"
        : age.TotalHours < 2 ? $"{(int)age.TotalMinutes}m"
        : age.TotalDays < 2 ? $"{(int)age.TotalHours}h"
        : $"{(int)age.TotalDays}d";

    /// <summary>What Status prints: when Verify last ran, its verdict, then one line per item.</summary>
    public IEnumerable<string> Describe(DateTimeOffset now)
    {
        var passed = Items.Count(i => i.Outcome == ItemOutcome.Passed);
        yield return $"  last run     {At.UtcDateTime:yyyy-MM-dd HH:mm} UTC ({Age(now - At)} ago): " +
                     $"{(Passed ? "passed" : "FAILED")}, {passed} of {Items.Count} checklist items ok";
        if (Failure is not null)
            foreach (var line in Text.ShellWrap.Prose(Failure.Split('\n')[0], "  failure      ", new string(' ', 15))) yield return line;
        foreach (var item in Items)
            foreach (var line in Text.ShellWrap.Prose($"{item.Item}: {item.Detail}", $"  {Checklist.Word(item.Outcome),-11}  ", new string(' ', 15)))
                yield return line;
    }
}

/// <summary>Verify finished, and an item of the checklist did not pass: the message names it (the checker's own words for a data store).</summary>
public sealed class VerifyFailedException(string message) : Exception(message);
