using Exchange.Build;
using Exchange.Build.Logging;
using Exchange.Build.Pipeline;
using Exchange.Build.Processes;
using Exchange.Build.Settings;

[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]

namespace Exchange.Build.Tests;

/// <summary>A throw-away folder, deleted after the test.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "exchange-tests-" + Guid.NewGuid().ToString("N"));
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public string Write(string relative, string content)
    {
        var file = Combine(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllText(file, content);
        return file;
    }

    /// <summary>An executable shell script (a stand-in tool).</summary>
    public string Script(string name, string body)
    {
        var file = Write(name, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return file;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Records commands instead of running them; answers with canned results.</summary>
public sealed class RecordingRunner : IProcessRunner
{
    private readonly Func<CommandLine, ProcessResult> _answer;
    public RecordingRunner(Func<CommandLine, ProcessResult>? answer = null) =>
        _answer = answer ?? (_ => new ProcessResult(0, "", "", TimeSpan.Zero));

    public List<(CommandLine Command, ProcessOptions Options)> Calls { get; } = [];

    public ProcessResult Run(CommandLine command, ProcessOptions? options = null)
    {
        lock (Calls) Calls.Add((command, options ?? new ProcessOptions())); // Doctor runs its version checks side by side
        return _answer(command);
    }
}

public static class Contexts
{
    public static readonly string RepoRoot = BuildContext.RepositoryRoot(AppContext.BaseDirectory);

    /// <summary>
    /// This machine's PATH with a Session Manager plugin stand-in first (Fixtures/plugin-bin), so a run on the default path (the SSM
    /// tunnel) finds every tool whether or not this machine has the plugin.
    /// </summary>
    public static string PathWithPlugin =>
        Path.Combine(RepoRoot, "tests", "Exchange.Build.Tests", "Fixtures", "plugin-bin") + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");

    public static PipelineSettings Settings(Dictionary<string, string>? arguments = null, Dictionary<string, string>? environment = null) =>
        PipelineSettings.From(new DictionaryInputs(arguments, environment), RepoRoot);

    public static BuildContext Build(IProcessRunner runner, Dictionary<string, string>? arguments = null,
        Dictionary<string, string>? environment = null, params string[] tasks) => Logged(runner, arguments, environment, tasks).Build;

    /// <summary>As <see cref="Build"/>, with the log it writes to.</summary>
    public static (BuildContext Build, MemoryLog Log) Logged(IProcessRunner runner, Dictionary<string, string>? arguments = null,
        Dictionary<string, string>? environment = null, params string[] tasks)
    {
        var log = new MemoryLog();
        return (Logged(runner, log, arguments, environment, tasks), log);
    }

    /// <summary>As <see cref="Build"/>, logging into <paramref name="log"/>.</summary>
    public static BuildContext Logged(IProcessRunner runner, MemoryLog log, Dictionary<string, string>? arguments = null,
        Dictionary<string, string>? environment = null, params string[] tasks)
    {
        var env = environment ?? new Dictionary<string, string>();
        // Tools resolve to fixed fake paths so command lines are predictable.
        foreach (var (variable, path) in new[] { ("AWS_PATH", "/bin/sh"), ("CDK_PATH", "/bin/sh"), ("DOCKER_PATH", "/bin/sh"), ("KUBECTL_PATH", "/bin/sh") })
            env.TryAdd(variable, path);
        return new BuildContext(Settings(arguments, env), log, n => env.GetValueOrDefault(n), tasks.Length == 0 ? [TaskNames.Plan] : tasks, runner);
    }
}

/// <summary>
/// What the plan world reads from this machine, answered at once: tool versions (a docker engine that answers, or not),
/// no git checkout, and the overlay as the real kubectl kustomize renders it (once per test process).
/// </summary>
public sealed class LocalReads(bool dockerEngine = true) : IProcessRunner
{
    private static readonly Lazy<string> Overlay = new(() =>
    {
        using var kubectl = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("kubectl",
            ["kustomize", Path.Combine(Contexts.RepoRoot, "k8s", "overlays", "aws-dev")]) { RedirectStandardOutput = true })!;
        var yaml = kubectl.StandardOutput.ReadToEnd();
        kubectl.WaitForExit();
        return yaml;
    });

    public ProcessResult Run(CommandLine command, ProcessOptions? options = null) => command.Tool switch
    {
        "git" when !PlanWorld.IsVersionProbe(command) => Result(128, "", "fatal: not a git repository"),
        "kubectl" when command.Values.FirstOrDefault() == "kustomize" => Result(0, Overlay.Value),
        "node" => Result(0, "v22.11.0"),
        "aws" => Result(0, "aws-cli/2.31.0 Python/3.13"),
        "docker" when !dockerEngine => Result(1, "28.2.2 (engine ", "Cannot connect to the Docker daemon at unix:///nowhere. Is the docker daemon running?"),
        "docker" => Result(0, "28.2.2 (engine 28.2.2)"),
        "kubectl" => Result(0, "Client Version: v1.35.0"),
        _ => Result(0, "1.0.0"),
    };

    private static ProcessResult Result(int code, string stdout, string stderr = "") =>
        new(code, stdout.Length == 0 ? "" : stdout + "\n", stderr.Length == 0 ? "" : stderr + "\n", TimeSpan.Zero);
}
