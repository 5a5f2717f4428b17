namespace Exchange.Build.Pipeline;

public enum StepOutcome { Changed, Unchanged, Checked, Skipped }

public sealed record StepResult(string Task, StepOutcome Outcome, string Detail);

/// <summary>What each task did, for the closing summary (within 120 columns; "no changes" when a deploy changed nothing).</summary>
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

    private readonly List<string> _notes = [];

    /// <summary>A line for the end of the summary, such as where the deployed backend is; added once however often it is noted.</summary>
    public void Note(string line)
    {
        lock (_gate)
            if (!_notes.Contains(line)) _notes.Add(line);
    }

    public IReadOnlyList<string> Notes { get { lock (_gate) return _notes.ToArray(); } }

    public bool AnyChanges => Results.Any(r => r.Outcome == StepOutcome.Changed);

    public IEnumerable<string> Summary()
    {
        var results = Results;
        if (results.Count == 0) yield break;
        var width = results.Max(r => r.Task.Length);
        yield return "Summary:";
        var indent = new string(' ', width + 15);
        foreach (var r in results)
            foreach (var line in Text.ShellWrap.Prose(r.Detail, $"  {r.Task.PadRight(width)}  {r.Outcome.ToString().ToLowerInvariant(),-9}  ", indent))
                yield return line;
        // Whether anything changed is a statement about the environment: only runs that deploy or operate it make it
        // (a Cost or Default run that found the cloud assembly up to date has only checked things).
        if (results.Any(r => r.Outcome is StepOutcome.Changed or StepOutcome.Unchanged && Targets.Find(r.Task.Split(' ')[0])?.Reaches != Reach.Nothing))
            yield return AnyChanges
                ? $"Changed: {string.Join(", ", results.Where(r => r.Outcome == StepOutcome.Changed).Select(r => r.Task))}."
                : "No changes: everything was already up to date.";
        foreach (var note in Notes)
            foreach (var line in Text.ShellWrap.Prose(note, "", "           ")) yield return line;
    }
}
