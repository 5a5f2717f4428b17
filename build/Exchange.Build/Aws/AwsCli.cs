using System.Text.Json;
using Exchange.Build.Logging;
using Exchange.Build.Processes;
using Exchange.Build.Tools;

namespace Exchange.Build.Aws;

public sealed record CallerIdentity(string Account, string Arn, string UserId)
{
    /// <summary>
    /// The role behind an assumed-role session (<c>arn:aws:sts::ACCT:assumed-role/NAME/SESSION</c>), else null.
    /// The session ARN drops the role's path (SSO roles live under /aws-reserved/sso.amazonaws.com/REGION/),
    /// so the role's real ARN must be asked of IAM (<see cref="AwsCli.GetRoleArn"/>).
    /// </summary>
    public string? AssumedRoleName => AssumedRole(Arn);

    /// <summary>The caller is an IAM user or role itself (its ARN is what an EKS access entry takes).</summary>
    public bool IsIamPrincipal => Arn.Split(':', 6) is [_, _, "iam", _, _, var resource] &&
                                  (resource.StartsWith("user/", StringComparison.Ordinal) || resource.StartsWith("role/", StringComparison.Ordinal));

    public static string? AssumedRole(string arn) =>
        arn.Split(':', 6) is [_, _, "sts", _, _, var resource] && resource.StartsWith("assumed-role/", StringComparison.Ordinal)
            ? resource.Split('/')[1]
            : null;
}

/// <summary>
/// The AWS CLI v2, one method per call the pipeline makes. Every call names the region explicitly
/// and asks for JSON; the profile comes from AWS_PROFILE like any other AWS tool. Each call also has
/// a <c>...Command</c> builder so the plan printer and tests see the exact command line.
/// </summary>
public sealed partial class AwsCli(IProcessRunner runner, ToolResolver tools, Redactor redactor, string region)
{
    public string Region => region;

    public CommandLine Command(params string[] arguments) =>
        new CommandLine("aws", tools.Resolve(ToolKind.Aws)).Add(arguments).Add("--region", region);

    public CommandLine JsonCommand(params string[] arguments) => Command(arguments).Add("--output", "json");

    public CommandLine CallerIdentityCommand() => JsonCommand("sts", "get-caller-identity");

    public CallerIdentity GetCallerIdentity()
    {
        using var json = RunJson(CallerIdentityCommand());
        var root = json.RootElement;
        return new CallerIdentity(root.GetProperty("Account").GetString()!, root.GetProperty("Arn").GetString()!,
            root.GetProperty("UserId").GetString()!);
    }

    public CommandLine GetRoleCommand(string roleName) => JsonCommand("iam", "get-role", "--role-name", roleName);

    /// <summary>The role's ARN as IAM knows it, path included.</summary>
    public string GetRoleArn(string roleName)
    {
        using var json = RunJson(GetRoleCommand(roleName));
        return json.RootElement.GetProperty("Role").GetProperty("Arn").GetString()!;
    }

    public CommandLine VersionCommand() => new CommandLine("aws", tools.Resolve(ToolKind.Aws)).Add("--version");

    /// <summary>Runs a call and parses its JSON output.</summary>
    public JsonDocument RunJson(CommandLine command, ProcessOptions? options = null)
    {
        var output = Run(command, options).StandardOutput;
        return JsonDocument.Parse(string.IsNullOrWhiteSpace(output) ? "{}" : output);
    }

    /// <summary>Runs a call; credential problems become an error that says how to log in.</summary>
    public ProcessResult Run(CommandLine command, ProcessOptions? options = null)
    {
        try
        {
            return runner.Run(command, options);
        }
        catch (CommandFailedException e) when (IsCredentialProblem(e.ErrorTail))
        {
            throw new AwsCredentialsException(e.Command, e.ErrorTail);
        }
    }

    /// <summary>Runs a call that may legitimately report "not found"; returns null then.</summary>
    public JsonDocument? RunJsonOrNull(CommandLine command, params string[] notFoundMarkers)
    {
        var result = Run(command, new ProcessOptions { AllowFailure = true });
        if (result.Succeeded) return JsonDocument.Parse(string.IsNullOrWhiteSpace(result.StandardOutput) ? "{}" : result.StandardOutput);
        if (notFoundMarkers.Any(m => result.StandardError.Contains(m, StringComparison.Ordinal))) return null;
        throw new CommandFailedException(command.RenderSafe(redactor), result.ExitCode,
            ProcessRunner.Tail(redactor.Redact(result.StandardError)), null);
    }

    private static bool IsCredentialProblem(string stderr) =>
        new[] { "Unable to locate credentials", "ExpiredToken", "InvalidClientTokenId", "Token has expired",
                "The SSO session", "UnrecognizedClientException", "could not be found in the config file" }
            .Any(m => stderr.Contains(m, StringComparison.Ordinal));
}

public sealed class AwsCredentialsException(string command, string detail)
    : Exception($"AWS credentials are missing or expired ('{command}' said: {detail.Trim()}).\n" +
                "What to do: log in first - `aws sso login --profile NAME` and export AWS_PROFILE=NAME, or `aws configure` " +
                "(then check with `aws sts get-caller-identity`). In CI, configure the OIDC role before this step.");
