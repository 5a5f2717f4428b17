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

    public static PipelineSettings Settings(Dictionary<string, string>? arguments = null, Dictionary<string, string>? environment = null) =>
        PipelineSettings.From(new DictionaryInputs(arguments, environment), RepoRoot);

    public static BuildContext Build(IProcessRunner runner, Dictionary<string, string>? arguments = null,
        Dictionary<string, string>? environment = null, params string[] tasks) => Logged(runner, new MemoryLog(), arguments, environment, tasks);

    /// <summary>As Build, logging into <paramref name="log"/>.</summary>
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
