namespace Exchange.Build.Pipeline;

/// <summary>
/// What the Test target gives the test processes so that a run leaves nothing behind: a private temporary
/// folder (TMPDIR, removed at the end) and a marker in their environment, inherited by every process they
/// start, so a server a test forgot to stop (a registry, a preload server, a database) can be found and
/// stopped when the tests are done. The tests clean up after themselves; this is the check that they did,
/// and the backstop when one did not.
/// </summary>
public sealed class TestSandbox : IDisposable
{
    /// <summary>The environment variable that marks the test processes (not EXCHANGE_*: the pipeline tests scrub those).</summary>
    public const string MarkerVariable = "TEST_SANDBOX_ID";

    private TestSandbox(string id, string tempDir)
    {
        Id = id;
        TempDir = tempDir;
    }

    public string Id { get; }
    public string TempDir { get; }

    /// <summary>TMPDIR and the marker, for the test processes' environment.</summary>
    public IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?>
    {
        ["TMPDIR"] = TempDir,
        [MarkerVariable] = Id,
    };

    /// <summary>A new sandbox under <paramref name="parent"/> (the machine's temporary folder by default).</summary>
    public static TestSandbox Create(string? parent = null)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        // Short: unix socket paths inside it (the aws preload server's) must stay under 108 bytes.
        var dir = Path.Combine(parent ?? Path.GetTempPath(), "exchange-tests-" + id);
        Directory.CreateDirectory(dir);
        return new TestSandbox(id, dir);
    }

    /// <summary>
    /// Stops every process still carrying this sandbox's marker (SIGKILL) and returns what each was
    /// ("pid command line"). Empty where there is no /proc (macOS, Windows): nothing to look at there.
    /// </summary>
    public IReadOnlyList<string> StopLeftoverProcesses(TimeSpan? grace = null)
    {
        if (!Directory.Exists("/proc")) return [];
        // A server's supervisor notices the test host's end and stops its server within moments: give the
        // marked processes that are already on their way out a short grace before calling them leftovers.
        var deadline = DateTime.UtcNow + (grace ?? TimeSpan.FromSeconds(5));
        var marked = MarkedProcesses();
        while (marked.Count > 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(200);
            marked = MarkedProcesses();
        }
        var stopped = new List<string>();
        foreach (var pid in marked)
        {
            var command = (TryRead($"/proc/{pid}/cmdline") ?? "").Replace('\0', ' ').Trim();
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(int.Parse(pid!, System.Globalization.CultureInfo.InvariantCulture));
                process.Kill();
                process.WaitForExit(TimeSpan.FromSeconds(5));
                stopped.Add($"{pid} {command}");
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // It ended by itself meanwhile.
            }
        }
        return stopped;
    }

    private List<string> MarkedProcesses()
    {
        var marker = $"{MarkerVariable}={Id}";
        return Directory.EnumerateDirectories("/proc").Select(d => Path.GetFileName(d)!)
            .Where(n => n.All(char.IsAsciiDigit))
            .Where(pid => TryRead($"/proc/{pid}/environ") is { } environ && environ.Split('\0').Contains(marker, StringComparer.Ordinal))
            .ToList();
    }

    /// <summary>The entries the tests left in the temporary folder (relative paths, top level only).</summary>
    public IReadOnlyList<string> LeftoverTempEntries() =>
        Directory.Exists(TempDir)
            ? Directory.EnumerateFileSystemEntries(TempDir).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray()
            : [];

    private static string? TryRead(string path)
    {
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    public void Dispose()
    {
        for (var attempt = 0; attempt < 3 && Directory.Exists(TempDir); attempt++)
        {
            try { Directory.Delete(TempDir, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { Thread.Sleep(500); }
        }
    }
}
