using System.Diagnostics;

namespace Exchange.Fakes.Core;

/// <summary>Runs the real CLI with the same arguments, working directory and environment.</summary>
public static class Delegation
{
    /// <summary>Output passes straight through; returns the real exit code.</summary>
    public static int Exec(string envName, string what, IEnumerable<string> args)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        using var process = Start(envName, what, args, captureStdout: false);
        process.WaitForExit();
        return process.ExitCode;
    }

    /// <summary>Captures stdout (stderr passes through).</summary>
    public static (int Exit, string Stdout) Capture(string envName, string what, IEnumerable<string> args)
    {
        using var process = Start(envName, what, args, captureStdout: true);
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout);
    }

    private static Process Start(string envName, string what, IEnumerable<string> args, bool captureStdout)
    {
        var real = FakeEnv.Get(envName) ?? throw new FakeSetupException(
            $"{envName} is not set: the fake {what} hands this command to the real {what} at that path.");
        var start = new ProcessStartInfo(real) { UseShellExecute = false, RedirectStandardOutput = captureStdout };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        return Process.Start(start) ?? throw new FakeSetupException($"could not start {real}");
    }
}
