using System.Diagnostics;

namespace Exchange.Checker.Tests;

/// <summary>What the checker printed and returned.</summary>
public sealed record CheckerRun(int ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;
    public override string ToString() => $"exit {ExitCode}\n{Output}";
}

/// <summary>The checker as the Job runs it: its own process, configured only through environment variables and its arguments.</summary>
public static class CheckerProcess
{
    private static readonly string[] Prefixes = ["MYSQL_", "REDIS_", "KAFKA_"];

    public static CheckerRun Run(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "exchange-checker.dll");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var key in start.Environment.Keys.Where(k => Prefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToList())
            start.Environment.Remove(key);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The checker did not finish within 2 minutes:\n" + stdout.Result + stderr.Result);
        }
        process.WaitForExit();
        return new CheckerRun(process.ExitCode, stdout.Result, stderr.Result);
    }
}
