namespace Exchange.Build.Pipeline;

public enum StepOutcome { Changed, Unchanged, Checked, Skipped }

public sealed record StepResult(string Task, StepOutcome Outcome, string Detail);

/// <summary>What each task did, for the closing summary ("no changes" when nothing changed).</summary>
public sealed class StepReport
{
    private readonly List<StepResult> _results = [];
    private readonly Lock _gate = new();

    public IReadOnlyList<StepResult> Results { get { lock (_gate) return _results.ToArray(); } }

    public void Add(string task, StepOutcome outcome, string detail)
    {
        lock (_gate)
        {
            // A task reported twice (Synth, when DeployInfra re-checks the assembly) keeps its strongest outcome.
            var index = _results.FindIndex(r => r.Task == task);
            if (index < 0) _results.Add(new StepResult(task, outcome, detail));
            else if (outcome == StepOutcome.Changed) _results[index] = new StepResult(task, outcome, detail);
        }
    }

    public bool AnyChanges => Results.Any(r => r.Outcome == StepOutcome.Changed);

    public IEnumerable<string> Summary()
    {
        var results = Results;
        if (results.Count == 0) yield break;
        var width = results.Max(r => r.Task.Length);
        yield return "Summary:";
        foreach (var r in results)
            yield return $"  {r.Task.PadRight(width)}  {r.Outcome.ToString().ToLowerInvariant(),-9}  {r.Detail}";
        if (results.Any(r => r.Outcome is StepOutcome.Changed or StepOutcome.Unchanged))
            yield return AnyChanges
                ? $"Changed: {string.Join(", ", results.Where(r => r.Outcome == StepOutcome.Changed).Select(r => r.Task))}."
                : "No changes: everything was already up to date.";
    }
}
