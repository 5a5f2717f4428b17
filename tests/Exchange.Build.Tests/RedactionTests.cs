using System.Text;
using Exchange.Build.Logging;
using Exchange.Build.Processes;

namespace Exchange.Build.Tests;

public class RedactionTests
{
    [Fact]
    public void Secret_arguments_render_as_redacted()
    {
        var command = new CommandLine("docker", "/usr/bin/docker").Add("login", "-u", "AWS").AddSecret("p@ss-word!");

        Assert.Equal("docker login -u AWS [REDACTED]", command.RenderSafe());
        Assert.Equal(["login", "-u", "AWS", "p@ss-word!"], command.Values);
    }

    [Fact]
    public void A_secret_embedded_in_a_larger_argument_is_redacted_by_the_redactor()
    {
        var redactor = new Redactor();
        _ = new Secret("Zx9-secret-value", redactor);
        var command = new CommandLine("kubectl", "/usr/bin/kubectl")
            .Add("create", "secret", "generic", "db", "--from-literal=MYSQL_PASSWORD=Zx9-secret-value");

        var shown = command.RenderSafe(redactor);

        Assert.Equal("kubectl create secret generic db --from-literal=MYSQL_PASSWORD=[REDACTED]", shown);
    }

    [Fact]
    public void The_base64_form_of_a_secret_is_redacted_too()
    {
        var redactor = new Redactor();
        redactor.Add("plain-secret");
        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes("plain-secret"));

        Assert.Equal("data: [REDACTED]", redactor.Redact($"data: {base64}"));
    }

    [Fact]
    public void A_secret_that_contains_another_is_masked_whole()
    {
        var redactor = new Redactor();
        redactor.Add("abcd");
        redactor.Add("abcdefgh");

        Assert.Equal("x [REDACTED] y", redactor.Redact("x abcdefgh y"));
    }

    [Fact]
    public void Secrets_print_as_the_mask()
    {
        var secret = new Secret("visible?", new Redactor());

        Assert.Equal("[REDACTED]", secret.ToString());
        Assert.Equal("[REDACTED]", $"{secret}");
    }

    [Fact]
    public void The_redacting_log_masks_every_level()
    {
        var redactor = new Redactor();
        redactor.Add("token-42-xyz");
        var sink = new MemoryLog();
        var log = new RedactingLog(sink, redactor);

        log.Information("i token-42-xyz");
        log.Warning("w token-42-xyz");
        log.Error("e token-42-xyz");
        log.Verbose("v token-42-xyz");

        Assert.All(sink.Entries, e => Assert.DoesNotContain("token-42-xyz", e.Message));
        Assert.Equal(4, sink.Entries.Count);
    }

    [Theory]
    [InlineData("simple", "simple")]
    [InlineData("two words", "'two words'")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("", "''")]
    [InlineData("--outputs-file=/a/b.json", "--outputs-file=/a/b.json")]
    [InlineData("{{.Id}}", "'{{.Id}}'")]
    public void Arguments_are_shell_quoted_for_display(string value, string shown)
    {
        Assert.Equal(shown, CommandLine.Quote(value));
    }
}
