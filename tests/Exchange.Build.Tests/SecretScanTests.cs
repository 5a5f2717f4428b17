using System.Diagnostics;

namespace Exchange.Build.Tests;

/// <summary>The repository stays free of secrets; the scan finds planted ones without printing them.</summary>
public sealed class SecretScanTests : IDisposable
{
    // Built at run time so that this file itself holds nothing the scanner would flag.
    private static readonly string AccessKeyId = "AKIA" + "Q7ZP3M5X2K8W4R6T";
    private static readonly string SecretKey = "wJalrXUtnF" + "EMI/K7MDENG/bPxRfiCYzQ9TmP4vLa";
    private static readonly string PemHeader = "-----BEGIN " + "RSA PRIVATE KEY-----";
    private static readonly string GitHubToken = "ghp_" + "x3Fq9ZkL2mN8pR4sT6vW1yB5cD7eG0hJ2kM4";
    private const string DbPassword = "Tr0ub4dor-and-3";

    private readonly string repo = Directory.CreateTempSubdirectory("exchange-secret-scan-").FullName;

    public void Dispose() => Directory.Delete(repo, recursive: true);

    [Fact]
    public void The_repository_holds_no_secrets()
    {
        var files = SecretScanner.GitFiles(Contexts.RepoRoot).ToArray();
        var findings = SecretScanner.Scan(Contexts.RepoRoot);

        Assert.Contains("infra/Program.cs", files);
        Assert.Contains("k8s/base/kustomization.yaml", files);

        Assert.True(findings.Count == 0,
            "Possible secrets in the repository (move them to Secrets Manager / CI secrets, or allowlist a fixture in SecretScanner.Allowed with why):\n" +
            string.Join("\n", findings.Select(f => "  " + f)));
    }

    [Fact]
    public void Planted_secrets_are_found_by_file_line_and_rule_and_their_values_are_never_printed()
    {
        Git("init", "-q");
        Write(".env", $"AWS_ACCESS_KEY_ID={AccessKeyId}\naws_secret_access_key = {SecretKey}\n");
        Write("k8s/secret.yaml", $"apiVersion: v1\nkind: Secret\nstringData:\n  MYSQL_USER: admin\n  MYSQL_PASSWORD: {DbPassword}\n");
        Write("deploy/id_rsa", $"{PemHeader}\nMIIEpAIBAAKCAQEA\n");
        Write("src/Client.cs", $"var token = \"{GitHubToken}\";\n");
        Git("add", ".env", "k8s/secret.yaml");   // tracked and untracked files are both scanned

        var findings = SecretScanner.Scan(repo).Select(f => f.ToString()).ToArray();

        Assert.Equal(
            [
                ".env:1: AWS access key id (AKIA... 20 chars)",
                ".env:2: AWS secret access key (wJal... 40 chars)",
                "deploy/id_rsa:1: private key (a PEM/OpenSSH private key header)",
                "k8s/secret.yaml:5: password literal (MYSQL_PASSWORD: Tr0u... 15 chars)",
                "src/Client.cs:1: GitHub token (ghp_... 40 chars)",
            ],
            findings.Order(StringComparer.Ordinal));
        Assert.All(findings, f => Assert.DoesNotContain(AccessKeyId, f));
        Assert.All(findings, f => Assert.DoesNotContain(SecretKey, f));
        Assert.All(findings, f => Assert.DoesNotContain(DbPassword, f));
        Assert.All(findings, f => Assert.DoesNotContain(GitHubToken, f));
    }

    [Fact]
    public void References_placeholders_examples_ignored_and_allowlisted_files_are_not_findings()
    {
        Git("init", "-q");
        Write(".gitignore", "local/\n");
        Write("local/credentials", $"aws_access_key_id = {AccessKeyId}\n");
        Write("config/app.yaml", string.Join('\n',
            "db:",
            "  password: ${DB_PASSWORD}",
            "  passwordFile: <path to the password file>",
            "  MYSQL_PASSWORD: set-by-pipeline",
            "  secretName: exchange-dev-db-credentials",
            "  tokenRef: {{ .Values.token }}",
            "  accessKeyId: AKIAIOSFODNN7EXAMPLE",
            "  apiKey: short",
            ""));
        Write("tests/Fixtures/fake-login.json", $$"""{"password": "{{DbPassword}}"}""");
        Write("src/Options.cs", "public string Password { get; init; } = \"\";\nvar password = Read(\"password\");\n");

        var findings = SecretScanner.Scan(repo, new Dictionary<string, string> { ["tests/Fixtures/fake-login.json"] = "a fake login the tests replay" });

        Assert.Empty(findings);
        // The same fixture without its allowlist entry is found: the allowlist, not the rules, let it pass.
        Assert.Single(SecretScanner.Scan(repo, new Dictionary<string, string>()));
    }

    private void Write(string path, string content)
    {
        var full = Path.Combine(repo, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }

    private void Git(params string[] args)
    {
        using var git = Process.Start(new ProcessStartInfo("git", ["-C", repo, .. args]) { RedirectStandardError = true })!;
        git.WaitForExit();
        Assert.True(git.ExitCode == 0, $"git {string.Join(' ', args)}: {git.StandardError.ReadToEnd()}");
    }
}
