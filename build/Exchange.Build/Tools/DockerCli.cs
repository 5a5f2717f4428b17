using System.Text.RegularExpressions;
using Exchange.Build.Processes;

namespace Exchange.Build.Tools;

/// <summary>The docker client. The engine it talks to comes from DOCKER_HOST like any docker call.</summary>
public sealed partial class DockerCli(IProcessRunner runner, ToolResolver tools)
{
    private CommandLine Command(params string[] args) =>
        new CommandLine("docker", tools.Resolve(ToolKind.Docker)).Add(args).Needs(Aws.IamPermissions.For("docker " + args[0]));

    public CommandLine VersionCommand() => Command("version", "--format", "{{.Client.Version}} (engine {{.Server.Version}})");

    /// <summary>
    /// <c>docker build --platform</c>: the engine's default builder honours it (BuildKit, and buildx where
    /// installed, with emulation for foreign RUN steps; the classic builder picks the base image of that
    /// platform). <see cref="ImagePlatform"/> checks what came out.
    /// </summary>
    public CommandLine BuildCommand(string contextDir, string dockerfile, string reference, string platform, IReadOnlyDictionary<string, string> labels)
    {
        var command = Command("build", "--platform", platform, "--file", dockerfile, "--tag", reference);
        foreach (var (key, value) in labels) command.Add("--label", $"{key}={value}");
        return command.Add(contextDir);
    }

    public CommandLine ImageInspectCommand(string reference) => Command("image", "inspect", "--format", "{{.Id}}", reference);
    public CommandLine TagCommand(string source, string target) => Command("tag", source, target);
    public CommandLine PushCommand(string reference) => Command("push", reference);
    public CommandLine LoginCommand(string registry) => Command("login", "--username", "AWS", "--password-stdin", registry);

    public CommandLine ImagePlatformCommand(string reference) => Command("image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", reference);

    /// <summary>The platform of a local image (linux/amd64), or null when the engine does not have it.</summary>
    public string? ImagePlatform(string reference) =>
        runner.Run(ImagePlatformCommand(reference), new ProcessOptions { AllowFailure = true }) is { Succeeded: true } result
            ? result.StandardOutput.Trim()
            : null;

    public bool LocalImageExists(string reference) =>
        runner.Run(ImageInspectCommand(reference), new ProcessOptions { AllowFailure = true }).Succeeded;

    /// <summary>The digest `docker push` reports ("tag: digest: sha256:... size: N").</summary>
    public static string? DigestFromPushOutput(string output) => PushDigest().Match(output) is { Success: true } m ? m.Groups[1].Value : null;

    public ProcessResult Run(CommandLine command, ProcessOptions? options = null) => runner.Run(command, options);

    [GeneratedRegex(@"digest: (sha256:[0-9a-f]{64})")] private static partial Regex PushDigest();
}
