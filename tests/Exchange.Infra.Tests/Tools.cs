using System.Diagnostics;

namespace Exchange.Infra.Tests;

/// <summary>A [Fact] that is reported as skipped, with the reason, when an external tool is not on PATH.</summary>
public sealed class FactRequiringToolAttribute : FactAttribute
{
    public FactRequiringToolAttribute(string tool, string install)
    {
        if (Tools.Find(tool) is null)
        {
            Skip = $"{tool} is not on PATH; install it to run this test ({install}).";
        }
    }
}

public sealed record ToolResult(int ExitCode, string StdOut, string StdErr)
{
    public override string ToString() => $"exit code {ExitCode}\n--- stdout\n{StdOut}\n--- stderr\n{StdErr}";
}

public static class Tools
{
    public static string? Find(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, tool))
            .FirstOrDefault(File.Exists);

    public static ToolResult Run(string fileName, IEnumerable<string> arguments, IDictionary<string, string?>? environment = null, string? stdin = null,
        TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }

        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', start.ArgumentList)} did not finish in time.");
        }

        return new ToolResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}
