using System.Diagnostics;
using Exchange.Contracts;

namespace Exchange.Checker;

/// <summary>Runs the checks one after the other, prints a line for each as it ends, then the result line; returns the exit code.</summary>
public static class Checker
{
    public static async Task<int> RunAsync(string[] args, Func<string, string?> environment, TextWriter console)
    {
        var provision = args.FirstOrDefault(a => a.StartsWith(PreviewProvisioning.Argument, StringComparison.Ordinal));
        if (provision is not null)
            return await ProvisionAsync(provision[PreviewProvisioning.Argument.Length..], args.Where(a => a != provision).ToArray(), environment,
                console);
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

    /// <summary>The list mode: a line per store asked for (--checks): the preview databases on MySQL, the prefixed topics on the broker.</summary>
    private static async Task<int> ListAsync(CheckerSettings settings, TextWriter console)
    {
        var listed = new RedactingWriter(console, settings.Secrets);
        var failures = new List<string>();
        async Task Line(string check, string heading, Func<Task<IReadOnlyList<string>>> list)
        {
            var started = Stopwatch.StartNew();
            try
            {
                var names = await list();
                listed.WriteLine(new CheckLine(check, true, started.ElapsedMilliseconds, heading + (names.Count == 0 ? "none" : string.Join(",", names)))
                    .ToString());
            }
            catch (Exception e) when (e is MySqlConnector.MySqlException or OperationCanceledException or Confluent.Kafka.KafkaException)
            {
                listed.WriteLine(new CheckLine(check, false, started.ElapsedMilliseconds, e.Message).ToString());
                failures.Add($"{check}: {e.Message}");
            }
        }
        if (settings.Checks.Contains(ConnectivityCheck.Mysql))
            await Line(ConnectivityCheck.Mysql, PreviewProvisioning.ListedDatabases, () => Provisioning.ListDatabasesAsync(settings));
        if (settings.Checks.Contains(ConnectivityCheck.Kafka))
            await Line(ConnectivityCheck.Kafka, PreviewProvisioning.ListedTopics, () => Task.FromResult(Provisioning.ListPrefixedTopics(settings)));
        listed.WriteLine((failures.Count == 0 ? new CheckResult(true, "listed") : new CheckResult(false, string.Join("; ", failures))).ToString());
        return failures.Count == 0 ? ConnectivityCheck.Passed : ConnectivityCheck.CheckFailed;
    }

    /// <summary>
    /// The provisioning mode: a preview's database and user, its Redis database and its topics, created (<c>create</c>) or removed
    /// (<c>drop</c>), one line per data store and the result line, as the checks print them; the password is never printed.
    /// </summary>
    private static async Task<int> ProvisionAsync(string mode, string[] args, Func<string, string?> environment, TextWriter console)
    {
        CheckerSettings settings;
        PreviewStores stores;
        try
        {
            if (mode is not (PreviewProvisioning.Create or PreviewProvisioning.Drop or PreviewProvisioning.List))
                throw new MisconfiguredException($"--provision takes {PreviewProvisioning.Create}, {PreviewProvisioning.Drop} or " +
                                                 $"{PreviewProvisioning.List}, not '{mode}'");
            settings = CheckerSettings.From(args, environment);
            if (mode == PreviewProvisioning.List) return await ListAsync(settings, console);
            stores = PreviewStores.From(environment, mode == PreviewProvisioning.Create, settings.Checks.Contains(ConnectivityCheck.Redis));
        }
        catch (MisconfiguredException e)
        {
            await console.WriteLineAsync(new CheckResult(false, $"the provisioning cannot start: {e.Message}").ToString());
            return ConnectivityCheck.Misconfigured;
        }
        var create = mode == PreviewProvisioning.Create;
        var output = new RedactingWriter(console, [.. settings.Secrets, stores.Password]);
        string? failed = null;
        foreach (var check in settings.Checks)
        {
            var started = Stopwatch.StartNew();
            try
            {
                var detail = check switch
                {
                    ConnectivityCheck.Mysql => await (create
                        ? Provisioning.CreateDatabaseAsync(settings, stores)
                        : Provisioning.DropDatabaseAsync(settings, stores)),
                    ConnectivityCheck.Redis => create ? $"Redis database {stores.RedisDatabase}: the preview's own (nothing to create)"
                        : await Provisioning.FlushRedisAsync(settings, stores),
                    _ => await Provisioning.TopicsAsync(settings, stores, create),
                };
                output.WriteLine(new CheckLine(check, true, started.ElapsedMilliseconds, detail).ToString());
            }
            catch (Exception e)
            {
                output.WriteLine(new CheckLine(check, false, started.ElapsedMilliseconds, $"{e.GetType().Name}: {e.Message}").ToString());
                failed ??= $"{check}: {e.Message}";
            }
        }
        output.WriteLine(new CheckResult(failed is null, failed ?? $"preview stores {(create ? "provisioned" : "removed")}").ToString());
        output.Flush();
        return failed is null ? ConnectivityCheck.Passed : ConnectivityCheck.CheckFailed;
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
