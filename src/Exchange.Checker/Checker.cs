using System.Diagnostics;
using Exchange.Contracts;

namespace Exchange.Checker;

/// <summary>Runs the checks one after the other, prints a line for each as it ends, then the result line; returns the exit code.</summary>
public static class Checker
{
    public static async Task<int> RunAsync(string[] args, Func<string, string?> environment, TextWriter console)
    {
        CheckerSettings settings;
        try
        {
            settings = CheckerSettings.From(args, environment);
        }
        catch (MisconfiguredException e)
        {
            // Nothing is known to be secret yet: the message names variables, never their values.
            await console.WriteLineAsync(new CheckResult(false, $"the checker cannot start: {e.Message}").ToString());
            return ConnectivityCheck.Misconfigured;
        }

        var output = new RedactingWriter(console, settings.Secrets);
        (string Check, CheckFailure Failure)? first = null;
        var clock = Stopwatch.StartNew();
        foreach (var check in settings.Checks)
        {
            var started = Stopwatch.StartNew();
            CheckLine line;
            try
            {
                var detail = await Run(check, settings);
                line = new CheckLine(check, true, started.ElapsedMilliseconds, detail);
            }
            catch (Exception e)
            {
                var failure = e as CheckFailure ?? new CheckFailure($"unexpected {e.GetType().Name}: {e.Message}",
                    "a failure this checker does not know: read the message, and the pod's events (kubectl describe pod)");
                line = new CheckLine(check, false, started.ElapsedMilliseconds, failure.Message);
                first ??= (check, failure);
            }
            output.WriteLine(line.ToString());
        }

        var result = first is { } f
            ? new CheckResult(false, $"{f.Check}: {f.Failure.Message.TrimEnd('.')}. Likely cause: {f.Failure.LikelyCause}.")
            : new CheckResult(true, $"{string.Join(", ", settings.Checks)} answered ({clock.ElapsedMilliseconds} ms)");
        output.WriteLine(result.ToString());
        output.Flush();
        return result.Passed ? ConnectivityCheck.Passed : ConnectivityCheck.CheckFailed;
    }

    private static Task<string> Run(string check, CheckerSettings settings) => check switch
    {
        ConnectivityCheck.Mysql => MysqlCheck.RunAsync(settings),
        ConnectivityCheck.Redis => RedisCheck.RunAsync(settings),
        ConnectivityCheck.Kafka => KafkaCheck.RunAsync(settings),
        _ => throw new InvalidOperationException($"No check named '{check}'."),
    };
}

/// <summary>Writes lines with every secret value masked: a client library's message may quote what it was given.</summary>
internal sealed class RedactingWriter(TextWriter inner, IReadOnlyList<string> secrets)
{
    public void WriteLine(string line)
    {
        foreach (var secret in secrets.Where(s => s.Length > 0)) line = line.Replace(secret, "[REDACTED]", StringComparison.Ordinal);
        inner.WriteLine(line);
        inner.Flush();
    }

    public void Flush() => inner.Flush();
}
