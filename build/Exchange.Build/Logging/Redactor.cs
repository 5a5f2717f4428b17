namespace Exchange.Build.Logging;

/// <summary>
/// Knows every secret value this run has seen and replaces it with [REDACTED] wherever it appears:
/// log lines, rendered command lines, child output, exception messages. A secret embedded in a
/// larger string (a URL, a JSON blob) is caught because matching is by substring.
/// </summary>
public sealed class Redactor
{
    public const string Mask = "[REDACTED]";
    private readonly Lock _gate = new();
    private string[] _secrets = [];

    /// <summary>Registers a value (and its base64 form, which Kubernetes manifests carry) as secret.</summary>
    public void Add(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length < 4) return; // too short to redact safely
        var base64 = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(value));
        lock (_gate)
        {
            // Longest first, so a secret that contains another is masked whole.
            _secrets = _secrets.Union([value, base64]).OrderByDescending(s => s.Length).ToArray();
        }
    }

    public string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? string.Empty;
        var secrets = Volatile.Read(ref _secrets);
        foreach (var secret in secrets)
            if (text.Contains(secret, StringComparison.Ordinal))
                text = text.Replace(secret, Mask, StringComparison.Ordinal);
        return text;
    }
}
