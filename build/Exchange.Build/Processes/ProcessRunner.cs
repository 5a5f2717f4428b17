using System.Diagnostics;
using System.Text;
using Exchange.Build.Logging;

namespace Exchange.Build.Processes;

public sealed record ProcessOptions
{
    /// <summary>A secret written to the child's stdin, then stdin is closed. Secrets travel only this way.</summary>
    public Secret? StandardInput { get; init; }
    /// <summary>Plain (not secret) text for the child's stdin, e.g. rendered manifests.</summary>
    public string? StandardInputText { get; init; }
    /// <summary>The child's stdout is a secret (a token, a secret value): never quote it in an error.</summary>
    public bool OutputIsSecret { get; init; }
    public string? WorkingDirectory { get; init; }
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }
    public TimeSpan? Timeout { get; init; }
    /// <summary>Called with each stdout line (already redacted) as it arrives: progress for long commands.</summary>
    public Action<string>? OnOutputLine { get; init; }
    public Action<string>? OnErrorLine { get; init; }
    /// <summary>Return a non-zero exit instead of throwing.</summary>
    public bool AllowFailure { get; init; }
    /// <summary>What to tell the user when the command fails.</summary>
    public string? FailureHint { get; init; }
    /// <summary>
    /// Stops the child (its whole process tree) when cancelled, as an interruption does, and throws <see cref="ProcessStoppedException"/>:
    /// the work running beside it failed (DeployInfra's image push beside cdk deploy).
    /// </summary>
    public CancellationToken Stop { get; init; }
}

public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0;
}

public interface IProcessRunner
{
    ProcessResult Run(CommandLine command, ProcessOptions? options = null);

    /// <summary>
    /// Starts a command that keeps running (a tunnel) and returns at once; its output lines go to the options' callbacks and to
    /// <see cref="IRunningProcess.Output"/>. The caller stops it (<see cref="IRunningProcess.Stop"/>).
    /// </summary>
    IRunningProcess Start(CommandLine command, ProcessOptions? options = null) =>
        throw new NotSupportedException($"{GetType().Name} cannot start '{command.RenderSafe()}' in the background.");
}

/// <summary>A child process that keeps running until it ends or is stopped.</summary>
public interface IRunningProcess : IDisposable
{
    bool HasExited { get; }
    int? ExitCode { get; }
    /// <summary>Its stdout and stderr lines so far, redacted.</summary>
    IReadOnlyList<string> Output { get; }
    /// <summary>Waits up to <paramref name="timeout"/> for it to end by itself.</summary>
    bool WaitForExit(TimeSpan timeout);
    /// <summary>Stops its whole process tree.</summary>
    void Stop();
}

/// <summary>A child process was stopped (or never started) because the work running beside it failed (<see cref="ProcessOptions.Stop"/>).</summary>
public sealed class ProcessStoppedException(string command)
    : OperationCanceledException($"'{command}' was stopped: the work running beside it failed.");

/// <summary>A child process was stopped (or never started) because the run was interrupted (SIGINT/SIGTERM).</summary>
public sealed class RunInterruptedException(string command)
    : OperationCanceledException($"'{command}' was stopped: the run was interrupted.");

/// <summary>
/// Runs a child process with an argument list, optional stdin, a timeout and redacted output. When
/// <paramref name="interrupted"/> fires, the running child's whole process tree is stopped and no
/// new child starts (<paramref name="stopped"/> hears which). While a child runs, <paramref name="activity"/>
/// names it, so a silent child shows up in the heartbeat.
/// </summary>
public sealed class ProcessRunner(Redactor redactor, IBuildLog log, CancellationToken interrupted = default,
    IActivity? activity = null, Action<string>? stopped = null) : IProcessRunner
{
    public ProcessResult Run(CommandLine command, ProcessOptions? options = null)
    {
        options ??= new ProcessOptions();
        var shown = command.RenderSafe(redactor);
        if (interrupted.IsCancellationRequested) throw new RunInterruptedException(shown);
        log.Verbose($"$ {shown}");

        var start = new ProcessStartInfo(command.Executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = options.WorkingDirectory ?? string.Empty,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var value in command.Values) start.ArgumentList.Add(value);
        if (options.Environment is not null)
            foreach (var (key, value) in options.Environment)
                if (value is null) start.Environment.Remove(key); else start.Environment[key] = value;

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        using var exit = new ManualResetEventSlim();
        process.Exited += (_, _) =>
        {
            try { exit.Set(); } catch (ObjectDisposedException) { } // a child stopped after we stopped waiting for it
        };
        process.OutputDataReceived += (_, e) => Collect(e.Data, stdout, options.OnOutputLine);
        process.ErrorDataReceived += (_, e) => Collect(e.Data, stderr, options.OnErrorLine);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new CommandFailedException(shown, -1, e.Message,
                $"Could not start '{command.Executable}'. {options.FailureHint}".Trim());
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // Written on the side, so a child that never reads its stdin cannot block us past the timeout.
        var input = Task.Run(() => WriteInput(process, options.StandardInput?.Reveal() ?? options.StandardInputText));

        var timeout = options.Timeout ?? TimeSpan.FromHours(2);
        int exited;
        using (activity?.Begin($"waiting for `{Short(command)}`"))
            exited = WaitHandle.WaitAny([exit.WaitHandle, interrupted.WaitHandle, options.Stop.WaitHandle], timeout);
        if (exited == 2)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.WaitForExit(TimeSpan.FromSeconds(10));
            log.Warning($"Stopped '{shown}' (the work running beside it failed).");
            throw new ProcessStoppedException(shown);
        }
        if (exited == 1)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.WaitForExit(TimeSpan.FromSeconds(10));
            log.Warning($"Stopped '{shown}' (the run was interrupted).");
            stopped?.Invoke($"stopped `{Short(command)}`");
            throw new RunInterruptedException(shown);
        }
        if (exited == WaitHandle.WaitTimeout)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.WaitForExit(TimeSpan.FromSeconds(10));
            throw new CommandTimeoutException(shown, timeout, Tail(redactor.Redact(stderr.ToString())));
        }
        // The parameterless wait is the one that drains the output readers; bounded, in case a
        // grandchild the command left running still holds the pipes open.
        Task.Run(() => process.WaitForExit()).Wait(TimeSpan.FromSeconds(30));
        input.Wait(TimeSpan.FromSeconds(5));

        var result = new ProcessResult(process.ExitCode, stdout.ToString(), stderr.ToString(), clock.Elapsed);
        log.Verbose($"  exit {result.ExitCode} after {result.Elapsed.TotalSeconds:F1}s");
        if (!result.Succeeded && !options.AllowFailure)
            throw new CommandFailedException(shown, result.ExitCode,
                Tail(redactor.Redact(result.StandardError.Length > 0 || options.OutputIsSecret ? result.StandardError : result.StandardOutput)),
                options.FailureHint);
        return result;
    }

    public IRunningProcess Start(CommandLine command, ProcessOptions? options = null)
    {
        options ??= new ProcessOptions();
        var shown = command.RenderSafe(redactor);
        if (interrupted.IsCancellationRequested) throw new RunInterruptedException(shown);
        log.Verbose($"$ {shown} &");
        var start = new ProcessStartInfo(command.Executable)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = options.WorkingDirectory ?? string.Empty, StandardOutputEncoding = Encoding.UTF8, StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var value in command.Values) start.ArgumentList.Add(value);
        if (options.Environment is not null)
            foreach (var (key, value) in options.Environment)
                if (value is null) start.Environment.Remove(key); else start.Environment[key] = value;
        var running = new RunningProcess(new Process { StartInfo = start }, redactor, options);
        try
        {
            running.Begin();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            running.Dispose();
            throw new CommandFailedException(shown, -1, e.Message, $"Could not start '{command.Executable}'. {options.FailureHint}".Trim());
        }
        return running;
    }

    /// <summary>A started child: its output collected line by line; stopped with its whole process tree.</summary>
    private sealed class RunningProcess(Process process, Redactor redactor, ProcessOptions options) : IRunningProcess
    {
        private readonly List<string> _lines = [];

        public void Begin()
        {
            process.OutputDataReceived += (_, e) => Add(e.Data, options.OnOutputLine);
            process.ErrorDataReceived += (_, e) => Add(e.Data, options.OnErrorLine);
            process.Start();
            process.StandardInput.Close(); // nothing to say to it; a child waiting for input sees the end
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        private void Add(string? line, Action<string>? onLine)
        {
            if (line is null) return;
            var safe = redactor.Redact(line);
            lock (_lines) _lines.Add(safe);
            onLine?.Invoke(safe);
        }

        public bool HasExited => process.HasExited;
        public int? ExitCode => process.HasExited ? process.ExitCode : null;
        public IReadOnlyList<string> Output { get { lock (_lines) return _lines.ToArray(); } }

        public bool WaitForExit(TimeSpan timeout) => process.WaitForExit(timeout);

        public void Stop()
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.WaitForExit(TimeSpan.FromSeconds(10));
        }

        public void Dispose()
        {
            try
            {
                if (!process.HasExited) Stop();
            }
            catch (InvalidOperationException)
            {
                // never started
            }
            process.Dispose();
        }
    }

    private void Collect(string? line, StringBuilder into, Action<string>? onLine)
    {
        if (line is null) return;
        lock (into) into.AppendLine(line);
        onLine?.Invoke(redactor.Redact(line));
    }

    private static void WriteInput(Process process, string? input)
    {
        try
        {
            if (input is not null)
            {
                process.StandardInput.Write(input);
                process.StandardInput.Flush();
            }
            process.StandardInput.Close();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
        {
            // The child exited (or was stopped) without reading its stdin; its exit code tells the story.
        }
    }

    /// <summary>The tool and what it does, for a heartbeat: `cdk synth`, `docker build`, `aws cloudformation describe-stacks`.</summary>
    public static string Short(CommandLine command) =>
        string.Join(' ', command.Values.TakeWhile(v => !v.StartsWith('-')).Take(command.Tool == "aws" ? 2 : 1).Prepend(command.Tool));

    /// <summary>The last lines of a stream, for error messages.</summary>
    public static string Tail(string text, int lines = 15)
    {
        var all = text.Replace("\r", "").Split('\n').Where(l => l.Trim().Length > 0).ToArray();
        return string.Join("\n", all.Skip(Math.Max(0, all.Length - lines)));
    }
}
