using Cake.Core;
using Cake.Core.Graph;
using Exchange.Build.Logging;
using Exchange.Build.Pipeline;
using Exchange.Build.Settings;
using CakeVerbosity = Cake.Core.Diagnostics.Verbosity;

namespace Exchange.Build.Cli;

/// <summary>
/// One run of a target, executed by Cake's task engine. build/build.cake declares one Cake task per target of the
/// registry: its dependencies, <see cref="ShouldRun"/> as its criteria and <see cref="Step"/> as its action, with
/// <see cref="Setup"/> and <see cref="Teardown"/> as Cake's; <see cref="Prepare"/> answers --tree and --dryrun from the
/// graph Cake holds and checks the settings; then Cake runs the target (RunTarget).
/// A failing step does not throw into Cake: it is recorded, the tasks after it are skipped by their criteria, and
/// Teardown prints the summary and the error and returns the run's exit code, with which the script ends the process
/// (so Cake's own summary table never follows). Cake's log is quiet: no task headers, no Setup/Teardown frames.
/// </summary>
public sealed class BuildRun
{
    private readonly RunArguments _args = null!;
    private readonly ConsoleLog _console = null!;
    private readonly ConsoleLog _document = null!;
    private readonly Func<string, string?> _environment = null!;
    private readonly string _repoRoot = "";
    private readonly TextWriter _stderr = TextWriter.Null;
    private Target[] _order = [];
    private Heartbeat? _heartbeat;
    private BuildContext? _build;
    private Target[] _steps = [];
    private Exception? _failure;
    private string? _failedIn;

    private BuildRun(int exitCode)
    {
        Answered = true;
        ExitCode = exitCode;
    }

    internal BuildRun(RunArguments args, Target target, string repoRoot, Func<string, string?> environment, ConsoleLog console, ConsoleLog document,
        TextWriter stderr)
    {
        (_args, Target, _repoRoot, _environment, _console, _document, _stderr) = (args, target, repoRoot, environment, console, document, stderr);
    }

    /// <summary>A run the front end answered (help, version, a mistake in the arguments): no task runs.</summary>
    internal static BuildRun Answer(int exitCode) => new(exitCode);

    /// <summary>The arguments are answered (help, a mistake, --tree, bad settings): the script exits with <see cref="ExitCode"/>, running no task.</summary>
    public bool Answered { get; private set; }
    /// <summary>The target asked for (null when answered).</summary>
    public Target? Target { get; }
    /// <summary>What the process exits with: the answer's code, or the run's once <see cref="Teardown"/> has run.</summary>
    public int ExitCode { get; private set; }

    /// <summary>
    /// Readies the run once the script has declared its tasks (<paramref name="tasks"/>, the graph Cake holds): answers
    /// --tree and --dryrun from that graph, stops on bad settings before any task (exit 2; <see cref="Answered"/> is then
    /// true), else quiets Cake's log and sets the target (alone under --exclusive) in Cake's <paramref name="settings"/>.
    /// </summary>
    public BuildRun Prepare(IReadOnlyList<ICakeTaskInfo> tasks, ICakeContext context, ExecutionSettings settings)
    {
        if (Answered) return this;
        int? answer;
        try
        {
            answer = Answer(tasks, context, settings);
        }
        catch (Exception e)
        {
            answer = Entry.Bug(_stderr, e);
        }
        if (answer is { } code)
        {
            (Answered, ExitCode) = (true, code);
            _heartbeat?.Dispose();
        }
        return this;
    }

    private int? Answer(IReadOnlyList<ICakeTaskInfo> tasks, ICakeContext context, ExecutionSettings cakeSettings)
    {
        var target = Target!;
        var byName = tasks.ToDictionary(t => t.Name, StringComparer.OrdinalIgnoreCase);
        var order = _order = (_args.Exclusive ? [target.Name] : CakeGraphBuilder.Build(tasks).Traverse(target.Name).ToArray()).Select(Targets.Get).ToArray();
        if (_args.Tree)
        {
            // Every target's tree (the whole graph, as Cake holds it), or the one asked for.
            foreach (var line in Help.Trees(_args.TargetGiven ? [target] : Targets.All, name => byName[name].Dependencies.Select(d => d.Name).ToArray()))
                _document.Out(line);
            return 0;
        }
        _steps = order.Where(t => t.Action is not null).ToArray(); // DeployDev and Default only group their steps
        if (_args.DryRun)
        {
            _document.Out($"{target.Name} would run these steps, in order{(_args.Exclusive ? " (--exclusive: the target alone)" : "")}:");
            for (var i = 0; i < _steps.Length; i++) _document.Out($"{i + 1}. {_steps[i].Name}");
            _document.Out("This was a dry run: nothing ran. ./build.sh --target=Plan shows every command DeployDev would run.");
            return 0;
        }
        if (_args.Json && !target.Json)
            return Stop([$"--json works with {string.Join(", ", Targets.All.Where(t => t.Json).Select(t => t.Name))}, not {target.Name}."]);

        PipelineSettings settings;
        try { settings = PipelineSettings.From(_args, _repoRoot); }
        catch (SettingsException e) { return Stop(e.Problems); }
        if (target.SkippedBecause(settings) is { } skip)
            return Stop([$"{skip} skips {target.Name}, the target you asked for: drop {skip}."]);

        _heartbeat = new Heartbeat(_console.Information, () => _console.SinceLastOutput);
        _build = new BuildContext(settings, _console, _environment, order.Select(t => t.Name).ToArray(), activity: _heartbeat);
        var problems = _build.ProblemsBeforeFirstTask();
        problems.AddRange(Entry.FolderProblems(settings, order));
        if (problems.Count > 0) return Stop(problems);

        context.Log.Verbosity = CakeVerbosity.Quiet; // no task headers, no Setup/Teardown frames
        cakeSettings.SetTarget(target.Name);
        if (_args.Exclusive) cakeSettings.UseExclusiveTarget();
        return null;
    }

    private int Stop(IReadOnlyList<string> problems) => Entry.Stop(_console, _document, _args, problems);

    /// <summary>Cake's Setup: the interruption handlers, options that change nothing here, and the settings this run reads.</summary>
    public void Setup()
    {
        var b = _build!;
        try
        {
            b.HandleInterruptions();
            foreach (var warning in Entry.UnusedOptions(_args, Target!, _order)) b.Log.Warning(warning);
            foreach (var line in b.Settings.Describe(_order.SelectMany(t => t.Options).ToHashSet(StringComparer.Ordinal)))
                b.Log.Information(line);
        }
        catch (Exception e)
        {
            (_failure, _failedIn) = (e, "setup"); // thrown at Cake, it would print its own error lines
        }
    }

    /// <summary>
    /// The criteria of a task with an action: false once a step failed or the run was interrupted (the rest is skipped
    /// silently), and false with a "skipped" heading when a --skip-* switch skips it.
    /// </summary>
    public bool ShouldRun(Target target)
    {
        var b = _build!;
        if (_failure is not null || b.InterruptedBy is not null) return false;
        if (target.SkippedBecause(b.Settings) is not { } reason) return true;
        _console.Heading($"{Heading(target)}: skipped ({reason})");
        b.Report.Add(target.Name, StepOutcome.Skipped, "skipped: " + reason);
        return false;
    }

    /// <summary>The action of a task: its heading, then its work under the heartbeat; a failure is kept for Teardown, not thrown at Cake.</summary>
    public void Step(Target target)
    {
        var b = _build!;
        _console.Heading(Heading(target));
        try
        {
            using var _ = _heartbeat!.Begin(target.Name);
            b.BeginTask(target.Name);
            target.Action?.Invoke(b);
        }
        catch (Exception e)
        {
            (_failure, _failedIn) = (e, target.Name);
        }
    }

    /// <summary>
    /// Cake's Teardown: the summary, how to resume an interrupted run, any verdict, the JSON document and the error;
    /// returns the run's exit code (the script ends the process with it).
    /// </summary>
    public int Teardown()
    {
        try
        {
            Finish();
            ExitCode = _build!.ExitCode(_failure is not null);
        }
        catch (Exception e)
        {
            ExitCode = Entry.Bug(_stderr, e);
        }
        _heartbeat?.Dispose();
        return ExitCode;
    }

    private void Finish()
    {
        var b = _build!;
        var target = Target!.Name;
        b.CloseServices(); // the tunnel to the cluster, when a step opened one (also after a failure or an interruption)
        foreach (var line in b.Report.Summary()) b.Log.Information(line);
        foreach (var line in b.InterruptionSummary(target)) b.Log.Warning(line);
        if (_failure is null) foreach (var line in b.Closing) b.Log.Information(line);
        if (_args.Json)
            _document.Out(Entry.Json(target, _failure is null, b.Document, _failure is null ? [] : [Entry.Message(_failure)]), wrap: false);
        if (_failure is null) return;
        var where = string.Equals(_failedIn, target, StringComparison.Ordinal) ? $"{target} stopped" : $"{target} stopped in {_failedIn}";
        b.Log.Error($"Error: {where}: {b.Redactor.Redact(Entry.Message(_failure))}");
        if (_args.Verbosity == Logging.Verbosity.Diagnostic) b.Log.Error(b.Redactor.Redact(_failure.ToString()));
    }

    private string Heading(Target target)
    {
        var index = Array.IndexOf(_steps, target);
        return _steps.Length > 1 ? $"==> {target.Name} ({index + 1}/{_steps.Length})" : $"==> {target.Name}";
    }
}
