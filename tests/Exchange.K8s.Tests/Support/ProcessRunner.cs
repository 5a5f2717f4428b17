using System.Diagnostics;

namespace Exchange.K8s.Tests.Support;

public sealed record ProcessResult(string Command, int ExitCode, string StandardOutput, string StandardError)
{
    public string Describe() =>
        $"`{Command}` exited with {ExitCode}.\n--- stdout (end) ---\n{Tail(StandardOutput)}\n--- stderr (end) ---\n{Tail(StandardError)}";

    private static string Tail(string text) =>
        string.Join('\n', text.Split('\n').TakeLast(40));
}

public static class ProcessRunner
{
    public static ProcessResult Run(string fileName, IEnumerable<string> arguments, string? standardInput = null,
        string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repository.Root,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        var command = string.Join(' ', new[] { fileName }.Concat(start.ArgumentList));

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start `{command}`.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (standardInput is not null) process.StandardInput.Write(standardInput);
        process.StandardInput.Close();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{command}` did not finish in time.");
        }
        return new ProcessResult(command, process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The executable named by <paramref name="environmentVariable"/>, else <paramref name="name"/> on PATH.</summary>
    public static string Resolve(string name, string? environmentVariable = null)
    {
        var configured = environmentVariable is null ? null : Environment.GetEnvironmentVariable(environmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(configured)
                ? configured
                : throw new FileNotFoundException($"{environmentVariable} points at '{configured}', which does not exist.");
        }
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
        return found ?? throw new FileNotFoundException(
            $"'{name}' is not on PATH." + (environmentVariable is null ? "" : $" Install it or set {environmentVariable} to its full path."));
    }
}
