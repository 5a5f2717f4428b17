using System.Text.Json;
using System.Text.Json.Nodes;
using Exchange.Build.Logging;
using Exchange.Build.Pipeline;
using Exchange.Build.Settings;
using Exchange.Build.Text;

namespace Exchange.Build.Cli;

/// <summary>
/// The front end of ./build.sh (build/build.cake calls it before it declares a task): parses the arguments and answers
/// what needs no task graph (--help, --version, --description, mistakes in the arguments). Everything else is a
/// <see cref="BuildRun"/>: Cake's task engine runs the target, the run prints everything. Cake compiles and hosts the
/// script and runs its tasks; every line of output is ours.
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
    public static BuildRun Start(IReadOnlyList<string> raw, string startDirectory, Func<string, string?>? environment = null,
        TextWriter? stdout = null, TextWriter? stderr = null, OutputStyle? style = null)
    {
        environment ??= System.Environment.GetEnvironmentVariable;
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        try
        {
            return Answer(raw, startDirectory, environment, stdout, stderr, style);
        }
        catch (Exception e)
        {
            return BuildRun.Answer(Bug(stderr, e));
        }
    }

    /// <summary>A bug, not an expected stop: said in our words, with the stack trace, instead of Cake's.</summary>
    internal static int Bug(TextWriter stderr, Exception e)
    {
        stderr.WriteLine($"Error: the build itself failed ({e.GetType().Name}): {e.Message}");
        stderr.WriteLine(e.StackTrace);
        return 1;
    }

    private static BuildRun Answer(IReadOnlyList<string> raw, string startDirectory, Func<string, string?> environment,
        TextWriter stdout, TextWriter stderr, OutputStyle? style)
    {
        var args = RunArguments.Parse(raw, environment);
        style ??= OutputStyle.OfConsole(environment);
        ShellWrap.Width = style.Width;
        // Under --json, stdout carries the document alone: the log goes to stderr.
        var console = new ConsoleLog(args.Json ? stderr : stdout, stderr, style, args.Verbosity);
        var document = new ConsoleLog(stdout, stderr, style);
        if (args.Errors.Count > 0) return BuildRun.Answer(Stop(console, document, args, args.Errors));

        var repoRoot = BuildContext.RepositoryRoot(startDirectory);
        if (args.Version)
        {
            foreach (var line in Help.Version(repoRoot)) document.Out(line);
            return BuildRun.Answer(0);
        }
        if (Targets.Find(args.Target) is not { } target)
            return BuildRun.Answer(Stop(console, document, args, [$"Unknown target '{args.Target}'." +
                (Suggestions.DidYouMean(args.Target, Targets.All.Select(t => t.Name), "--target=") is { Length: > 0 } guess ? guess : "") +
                " ./build.sh --help lists the targets."]));
        if (args.Help)
        {
            foreach (var line in args.TargetGiven ? Help.Of(target, style.Width) : Help.Overview(style.Width)) document.Out(line);
            return BuildRun.Answer(0);
        }
        if (args.Description)
        {
            foreach (var line in Help.Descriptions(style.Width)) document.Out(line);
            return BuildRun.Answer(0);
        }
        return new BuildRun(args, target, repoRoot, environment, console, document, stderr);
    }

    /// <summary>Prints the problems that stop the run before any step, and nothing else (a JSON document under --json).</summary>
    internal static int Stop(ConsoleLog console, ConsoleLog document, RunArguments args, IReadOnlyList<string> problems)
    {
        foreach (var problem in problems) console.Error("Error: " + problem);
        if (args.Json) document.Out(Json(args.Target, false, null, problems), wrap: false);
        return UsageError;
    }

    /// <summary>The one JSON document --json prints: the target, whether it succeeded, its own document, and the errors.</summary>
    internal static string Json(string target, bool ok, JsonObject? body, IReadOnlyList<string> errors)
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
    internal static IEnumerable<string> UnusedOptions(RunArguments args, Target target, IReadOnlyList<Target> order)
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
