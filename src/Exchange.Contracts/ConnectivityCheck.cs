using System.Globalization;
using System.Text.RegularExpressions;

namespace Exchange.Contracts;

/// <summary>
/// The connectivity check Verify runs inside the cluster (src/Exchange.Checker, as a Job with the workloads' labels, secrets
/// and environment variable names): its image name, its checks and the lines it prints. The checker prints these lines,
/// Verify reads them back into its summary, and the tests' kubectl stand-in prints them for a Job of this image.
/// </summary>
public static partial class ConnectivityCheck
{
    /// <summary>The image's name in k8s/ (kustomize <c>images</c> gives it the ECR repository and the pushed tag).</summary>
    public const string ImageName = "exchange-checker";

    public const string Mysql = "mysql";
    public const string Redis = "redis";
    public const string Kafka = "kafka";

    /// <summary>The checks, in the order the checker runs and prints them.</summary>
    public static IReadOnlyList<string> Checks { get; } = [Mysql, Redis, Kafka];

    /// <summary>The checker's exit codes: all passed, a check failed, or it could not start (a missing variable, a bad option).</summary>
    public const int Passed = 0, CheckFailed = 1, Misconfigured = 2;

    internal static Regex CheckPattern() => CheckLineRegex();
    internal static Regex ResultPattern() => ResultLineRegex();

    [GeneratedRegex(@"^check (?<check>[a-z0-9-]+) +(?<outcome>ok|FAILED) +(?<ms>[0-9]+) ms  (?<detail>.*)$")]
    private static partial Regex CheckLineRegex();

    [GeneratedRegex(@"^result (?<outcome>ok|FAILED): (?<message>.*)$")]
    private static partial Regex ResultLineRegex();
}

/// <summary>One check's line: <c>check mysql  ok          12 ms  what it saw</c> (or <c>FAILED</c> and what went wrong).</summary>
public sealed record CheckLine(string Check, bool Passed, long Milliseconds, string Detail)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"check {Check,-5} {(Passed ? "ok" : "FAILED"),-6} {Milliseconds,6} ms  {Detail}");

    /// <summary>The line read back, or null when it is not a check line (a log line of a client library, say).</summary>
    public static CheckLine? Parse(string line)
    {
        var match = ConnectivityCheck.CheckPattern().Match(line.TrimEnd('\r'));
        return match.Success
            ? new CheckLine(match.Groups["check"].Value, match.Groups["outcome"].Value == "ok",
                long.Parse(match.Groups["ms"].Value, CultureInfo.InvariantCulture), match.Groups["detail"].Value)
            : null;
    }
}

/// <summary>The checker's last line: <c>result ok: ...</c>, or <c>result FAILED: </c> the first failure and its likely cause.</summary>
public sealed record CheckResult(bool Passed, string Message)
{
    public override string ToString() => $"result {(Passed ? "ok" : "FAILED")}: {Message}";

    public static CheckResult? Parse(string line)
    {
        var match = ConnectivityCheck.ResultPattern().Match(line.TrimEnd('\r'));
        return match.Success ? new CheckResult(match.Groups["outcome"].Value == "ok", match.Groups["message"].Value) : null;
    }
}

/// <summary>What the checker printed, read back: its check lines and its result line (null when it never got that far).</summary>
public sealed record CheckReport(IReadOnlyList<CheckLine> Checks, CheckResult? Result)
{
    public static CheckReport Parse(string output)
    {
        var lines = output.Split('\n');
        return new CheckReport(lines.Select(CheckLine.Parse).OfType<CheckLine>().ToArray(),
            lines.Select(CheckResult.Parse).LastOrDefault(r => r is not null));
    }

    public CheckLine? Of(string check) => Checks.LastOrDefault(c => c.Check == check);
}
