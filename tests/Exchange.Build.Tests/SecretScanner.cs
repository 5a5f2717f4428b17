using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Exchange.Build.Tests;

/// <summary>A likely secret: where it is and which rule found it. The value itself is never kept or printed.</summary>
public sealed record SecretFinding(string Path, int Line, string Rule, string Hint)
{
    public override string ToString() => $"{Path}:{Line}: {Rule} ({Hint})";
}

/// <summary>
/// Scans the files git knows of (tracked, and untracked ones that are not ignored, so a secret is caught
/// before its first commit) for AWS keys, private keys, tokens and password literals in configuration files.
/// </summary>
public static partial class SecretScanner
{
    /// <summary>
    /// Files that may hold a match on purpose (a test fixture), each with why; repository-relative paths.
    /// Empty today: the tests build their fake secrets at run time instead of storing them.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Allowed = new Dictionary<string, string>(StringComparer.Ordinal);

    private static readonly string[] ConfigExtensions = [".yaml", ".yml", ".json", ".env", ".properties", ".ini", ".toml", ".conf", ".cfg"];

    public static IReadOnlyList<SecretFinding> Scan(string root, IReadOnlyDictionary<string, string>? allowed = null)
    {
        allowed ??= Allowed;
        var findings = new List<SecretFinding>();
        foreach (var path in GitFiles(root).Where(p => !allowed.ContainsKey(p)))
        {
            var full = System.IO.Path.Combine(root, path);
            if (!File.Exists(full) || IsBinary(full)) continue;
            var isConfig = ConfigExtensions.Contains(System.IO.Path.GetExtension(path).ToLowerInvariant())
                           || System.IO.Path.GetFileName(path).StartsWith(".env", StringComparison.Ordinal);
            var lines = File.ReadAllLines(full);
            for (var i = 0; i < lines.Length; i++)
            {
                findings.AddRange(ScanLine(lines[i], isConfig).Select(f => new SecretFinding(path, i + 1, f.Rule, f.Hint)));
            }
        }

        return findings;
    }

    /// <summary>What one line holds: the specific rules first; the generic ones of configuration files only when none matched.</summary>
    public static IReadOnlyList<(string Rule, string Hint)> ScanLine(string line, bool isConfig)
    {
        var found = new List<(string Rule, string Hint)>();
        // AWS documents its examples with ids ending in EXAMPLE (AKIAIOSFODNN7EXAMPLE).
        found.AddRange(AwsAccessKeyId().Matches(line).Where(m => !m.Value.EndsWith("EXAMPLE", StringComparison.Ordinal))
            .Select(m => ("AWS access key id", Mask(m.Value))));
        if (AwsSecretKey().Match(line) is { Success: true } secret && !secret.Groups[1].Value.Contains("EXAMPLEKEY", StringComparison.Ordinal))
            found.Add(("AWS secret access key", Mask(secret.Groups[1].Value)));
        if (PrivateKeyHeader().IsMatch(line)) found.Add(("private key", "a PEM/OpenSSH private key header"));
        found.AddRange(GitHubToken().Matches(line).Select(m => ("GitHub token", Mask(m.Value))));
        found.AddRange(SlackToken().Matches(line).Select(m => ("Slack token", Mask(m.Value))));
        if (found.Count > 0 || !isConfig) return found;

        if (PasswordLiteral().Match(line) is { Success: true } password && IsLiteral(password.Groups["value"].Value)
            && password.Groups["value"].Value.Length >= 6)
            found.Add(("password literal", $"{password.Groups["key"].Value}: {Mask(password.Groups["value"].Value)}"));
        else if (KeyLiteral().Match(line) is { Success: true } key && IsLiteral(key.Groups["value"].Value)
                 && key.Groups["value"].Value.Length >= 16 && Entropy(key.Groups["value"].Value) >= 3.5)
            found.Add(("high-entropy key or token literal", $"{key.Groups["key"].Value}: {Mask(key.Groups["value"].Value)}"));
        return found;
    }

    /// <summary>Shannon entropy in bits per character.</summary>
    public static double Entropy(string value) =>
        -value.GroupBy(c => c).Select(g => (double)g.Count() / value.Length).Sum(p => p * Math.Log2(p));

    /// <summary>Not a reference, placeholder or redaction: ${VAR}, {{ .Values }}, &lt;your-password&gt;, [REDACTED], secretKeyRef.</summary>
    private static bool IsLiteral(string value) =>
        !(value.StartsWith('$') || value.StartsWith('<') || value.StartsWith('{') || value.StartsWith('[') || value.StartsWith('%')
          || value.Equals("null", StringComparison.OrdinalIgnoreCase) || value.Equals("true", StringComparison.OrdinalIgnoreCase)
          || value.Equals("false", StringComparison.OrdinalIgnoreCase) || value.Contains("REDACTED", StringComparison.Ordinal)
          || value.Contains("set-by-pipeline", StringComparison.Ordinal));

    /// <summary>The first four characters and the length: enough to find it, not enough to use it.</summary>
    private static string Mask(string value) => $"{value[..Math.Min(4, value.Length)]}... {value.Length} chars";

    private static bool IsBinary(string path)
    {
        using var stream = File.OpenRead(path);
        var buffer = new byte[8000];
        var read = stream.Read(buffer, 0, buffer.Length);
        return Array.IndexOf(buffer, (byte)0, 0, read) >= 0;
    }

    /// <summary>The files a scan of <paramref name="root"/> reads: what git tracks, and untracked files it does not ignore.</summary>
    public static IEnumerable<string> GitFiles(string root)
    {
        var start = new ProcessStartInfo("git", ["-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var git = Process.Start(start)!;
        var output = git.StandardOutput.ReadToEnd();
        var error = git.StandardError.ReadToEnd();
        git.WaitForExit();
        if (git.ExitCode != 0) throw new InvalidOperationException($"git ls-files in {root} failed ({git.ExitCode}): {error.Trim()}");
        return output.Split('\0', StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal);
    }

    [GeneratedRegex(@"\b(?:AKIA|ASIA|AIDA|AROA)[0-9A-Z]{16}\b")] private static partial Regex AwsAccessKeyId();
    [GeneratedRegex(@"(?i)aws_?secret_?access_?key[""']?\s*[:=]\s*[""']?([A-Za-z0-9/+=]{40})\b")] private static partial Regex AwsSecretKey();
    [GeneratedRegex(@"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----")] private static partial Regex PrivateKeyHeader();
    [GeneratedRegex(@"\bgh[pousr]_[A-Za-z0-9]{36,}\b")] private static partial Regex GitHubToken();
    [GeneratedRegex(@"\bxox[abposr]-[A-Za-z0-9-]{10,}")] private static partial Regex SlackToken();
    [GeneratedRegex(@"(?i)[""']?(?<key>[A-Za-z0-9_.-]*(?:password|passwd|pwd))[""']?\s*[:=]\s*[""']?(?<value>[^\s""'#,]+)")]
    private static partial Regex PasswordLiteral();
    [GeneratedRegex(@"(?i)[""']?(?<key>[A-Za-z0-9_.-]*(?:api[_-]?key|access[_-]?key|secret[_-]?key|client[_-]?secret|private[_-]?key" +
                    @"|auth[_-]?token|access[_-]?token|token))[""']?\s*[:=]\s*[""']?(?<value>[^\s""'#,]+)")]
    private static partial Regex KeyLiteral();
}
