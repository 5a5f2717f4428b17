using System.Text.Json;
using System.Text.Json.Nodes;
using Exchange.Build.Logging;
using Exchange.Build.Pipeline;
using Exchange.Build.Settings;
using Exchange.Build.Text;

namespace Exchange.Build.Cli;

/// <summary>
/// What ./build.sh runs (build/build.cake hands it the arguments and exits with what it returns): parses the arguments,
/// answers --help, --version, --description, --tree and --dryrun, checks the settings, then runs the target's steps in
/// graph order with a heading each, the account guard and the heartbeat, and ends with the summary, any verdict, the
/// JSON document (--json) and the error, if one stopped the run. Cake compiles and hosts the script; the output is ours.
/// </summary>
public static class Entry
{
    /// <summary>Exit code of a run stopped by its arguments or settings before any step ran.</summary>
    public const int UsageError = 2;

    /// <param name="raw">the arguments exactly as ./build.sh got them</param>
    /// <param name="startDirectory">where the script runs (the repository is found upwards from there)</param>
    /// <param name="environment">the environment variables (the process's when null)</param>
    /// <param name="stdout">standard output (the console's when null)</param>
    /// <param name="stderr">standard error (the console's when null)</param>
    /// <param name="style">colour and width (the console's when null)</param>
    public static int Main(IReadOnlyList<string> raw, string startDirectory, Func<string, string?>? environment = null,
        TextWriter? stdout = null, TextWriter? stderr = null, OutputStyle? style = null)
    {
        environment ??= System.Environment.GetEnvironmentVariable;
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        try
        {
            return Run(raw, startDirectory, environment, stdout, stderr, style);
        }
        catch (Exception e)
        {
            // A bug, not an expected stop: said in our words too, with the stack trace, instead of Cake's.
            stderr.WriteLine($"Error: the build itself failed ({e.GetType().Name}): {e.Message}");
            stderr.WriteLine(e.StackTrace);
            return 1;
        }
    }

    private static int Run(IReadOnlyList<string> raw, string startDirectory, Func<string, string?> environment,
        TextWriter stdout, TextWriter stderr, OutputStyle? style)
    {
        var args = RunArguments.Parse(raw, environment);
        style ??= OutputStyle.OfConsole(environment);
        ShellWrap.Width = style.Width;
        // Under --json, stdout carries the document alone: the log goes to stderr.
        var console = new ConsoleLog(args.Json ? stderr : stdout, stderr, style, args.Verbosity);
        var document = new ConsoleLog(stdout, stderr, style);
        if (args.Errors.Count > 0) return Stop(console, document, args, args.Errors);

        var repoRoot = BuildContext.RepositoryRoot(startDirectory);
        if (args.Version)
        {
            foreach (var line in Help.Version(repoRoot)) document.Out(line);
            return 0;
        }
        if (Targets.Find(args.Target) is not { } target)
            return Stop(console, document, args, [$"Unknown target '{args.Target}'." +
                (Suggestions.DidYouMean(args.Target, Targets.All.Select(t => t.Name), "--target=") is { Length: > 0 } guess ? guess : "") +
                " ./build.sh --help lists the targets."]);
        if (args.Help)
        {
            foreach (var line in args.TargetGiven ? Help.Of(target, style.Width) : Help.Overview(style.Width)) document.Out(line);
            return 0;
        }
        if (args.Description)
        {
            foreach (var line in Help.Descriptions(style.Width)) document.Out(line);
            return 0;
        }
        if (args.Tree)
        {
            foreach (var line in Help.Tree(target)) document.Out(line);
            return 0;
        }
        var order = Targets.Order(target.Name, args.Exclusive);
        if (args.DryRun)
        {
            var steps = order.Where(t => t.Action is not null).ToArray();
            document.Out($"{target.Name} would run these steps, in order{(args.Exclusive ? " (--exclusive: the target alone)" : "")}:");
            for (var i = 0; i < steps.Length; i++) document.Out($"{i + 1}. {steps[i].Name}");
            document.Out("This was a dry run: nothing ran. ./build.sh --target=Plan shows every command DeployDev would run.");
            return 0;
        }
        if (args.Json && !target.Json)
            return Stop(console, document, args,
                [$"--json works with {string.Join(", ", Targets.All.Where(t => t.Json).Select(t => t.Name))}, not {target.Name}."]);

        PipelineSettings settings;
        try { settings = PipelineSettings.From(args, repoRoot); }
        catch (SettingsException e) { return Stop(console, document, args, e.Problems); }
        if (target.SkippedBecause(settings) is { } skip)
            return Stop(console, document, args, [$"{skip} skips {target.Name}, the target you asked for: drop {skip}."]);

        using var heartbeat = new Heartbeat(console.Information, () => console.SinceLastOutput);
        var b = new BuildContext(settings, console, environment, order.Select(t => t.Name).ToArray(), activity: heartbeat);
        var problems = b.ProblemsBeforeFirstTask();
        problems.AddRange(FolderProblems(settings, order));
        if (problems.Count > 0) return Stop(console, document, args, problems);
        b.HandleInterruptions();
        foreach (var warning in UnusedOptions(args, target, order)) b.Log.Warning(warning);
        foreach (var line in settings.Describe(order.SelectMany(t => t.Options).ToHashSet(StringComparer.Ordinal))) b.Log.Information(line);

        var (failure, failedIn) = RunSteps(b, console, heartbeat, target, order);
        b.CloseServices(); // the tunnel to the cluster, when a step opened one (also after a failure or an interruption)
        foreach (var line in b.Report.Summary()) b.Log.Information(line);
        foreach (var line in b.InterruptionSummary(target.Name)) b.Log.Warning(line);
        if (failure is null) foreach (var line in b.Closing) b.Log.Information(line);
        if (args.Json) document.Out(Json(target.Name, failure is null, b.Document, failure is null ? [] : [Message(failure)]), wrap: false);
        if (failure is not null)
        {
            var where = string.Equals(failedIn, target.Name, StringComparison.Ordinal) ? $"{target.Name} stopped" : $"{target.Name} stopped in {failedIn}";
            b.Log.Error($"Error: {where}: {b.Redactor.Redact(Message(failure))}");
            if (args.Verbosity == Verbosity.Diagnostic) b.Log.Error(b.Redactor.Redact(failure.ToString()));
        }
        return b.ExitCode(failure is not null);
    }

    /// <summary>The steps, in order, each under a heading, until one fails or the run is interrupted.</summary>
    private static (Exception? Failure, string? Task) RunSteps(BuildContext b, ConsoleLog console, Heartbeat heartbeat, Target target,
        IReadOnlyList<Target> order)
    {
        var steps = order.Where(t => t.Action is not null).ToArray(); // DeployDev and Default only group their steps
        for (var i = 0; i < steps.Length; i++)
        {
            var step = steps[i];
            if (b.InterruptedBy is not null) break;
            var heading = steps.Length > 1 ? $"==> {step.Name} ({i + 1}/{steps.Length})" : $"==> {step.Name}";
            if (step.SkippedBecause(b.Settings) is { } reason)
            {
                console.Heading($"{heading}: skipped ({reason})");
                b.Report.Add(step.Name, StepOutcome.Skipped, "skipped: " + reason);
                continue;
            }
            console.Heading(heading);
            try
            {
                using var _ = heartbeat.Begin(step.Name);
                b.BeginTask(step.Name);
                step.Action?.Invoke(b);
            }
            catch (Exception e)
            {
                return (e, step.Name);
            }
        }
        return (null, null);
    }

    /// <summary>Prints the problems that stop the run before any step, and nothing else (a JSON document under --json).</summary>
    private static int Stop(ConsoleLog console, ConsoleLog document, RunArguments args, IReadOnlyList<string> problems)
    {
        foreach (var problem in problems) console.Error("Error: " + problem);
        if (args.Json) document.Out(Json(args.Target, false, null, problems), wrap: false);
        return UsageError;
    }

    /// <summary>The one JSON document --json prints: the target, whether it succeeded, its own document, and the errors.</summary>
    private static string Json(string target, bool ok, JsonObject? body, IReadOnlyList<string> errors)
    {
        var document = new JsonObject { ["target"] = target, ["ok"] = ok };
        foreach (var (key, value) in body ?? []) document[key] = value?.DeepClone();
        if (errors.Count > 0) document["errors"] = new JsonArray(errors.Select(e => (JsonNode)e).ToArray());
        return document.ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
    }

    /// <summary>A failure as the user reads it: the message (all of an aggregate's), each problem of a settings error on its line.</summary>
    public static string Message(Exception failure) => failure switch
    {
        SettingsException s => s.Problems.Count == 1 ? s.Problems[0] : string.Join("\n", s.Problems.Select(p => "  - " + p)),
        AggregateException a => string.Join("\n", a.Flatten().InnerExceptions.Select(Message).Distinct()),
        _ => failure.Message,
    };

    /// <summary>
    /// The folders the run writes must be there or creatable, and writable, before anything runs (a cdk synth into
    /// /proc/nope would otherwise hang in node's mkdir): each one that is not, named with the option that set it.
    /// </summary>
    public static IEnumerable<string> FolderProblems(PipelineSettings settings, IReadOnlyList<Target> order)
    {
        var folders = new List<(string Dir, string Option)> { (settings.ArtifactsDir, $"--{ArgumentNames.Artifacts} (or {EnvVars.ArtifactsDir})") };
        if (order.Any(t => t.Tools.Contains(Tools.ToolKind.Cdk))) folders.Add((settings.CdkOutDir, EnvVars.CdkOutDir));
        foreach (var (dir, option) in folders)
        {
            string? problem = null;
            try
            {
                Directory.CreateDirectory(dir);
                var probe = Path.Combine(dir, $".write-check-{Guid.NewGuid():N}");
                File.WriteAllText(probe, "");
                File.Delete(probe);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                problem = e.Message;
            }
            if (problem is null) continue;
            yield return $"{option} is '{dir}', which cannot be created or written ({problem.TrimEnd('.')}). Pass a folder you can write to.";
            yield break; // a folder inside it (cdk.out) fails the same way
        }
    }

    /// <summary>Options given that no step of this run reads (a --deep on Status), each with the targets that do read it.</summary>
    private static IEnumerable<string> UnusedOptions(RunArguments args, Target target, IReadOnlyList<Target> order)
    {
        foreach (var name in args.Given.Keys.Where(n => !Options.Common.Contains(n) && n != ArgumentNames.Json))
        {
            bool Reads(Target t) => t.Options.Contains(name) || t.RequiredOptions.Contains("--" + name);
            if (order.Any(Reads)) continue;
            var readers = Targets.All.Where(Reads).Select(t => t.Name).ToArray();
            yield return $"--{name} has no effect on {target.Name}" + (readers.Length == 0 ? "." : $": only {string.Join(", ", readers)} read it.");
        }
    }
}
