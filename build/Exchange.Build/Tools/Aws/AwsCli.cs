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
/// The aws CLI, one method per call the pipeline makes. Every call names the region explicitly and
/// asks for JSON; the profile comes from AWS_PROFILE like any other AWS tool. Each call also has a
/// <c>...Command</c> builder (which declares the call's IAM action, see <see cref="IamPermissions"/>)
/// so the plan printer, the Permissions target and tests see the exact command line. Failures are
/// classified once (<see cref="AwsFailure"/>): transient ones are retried with backoff, the rest end
/// the step with AWS's text, the refused IAM action and what to do.
/// </summary>
public sealed partial class AwsCli(IProcessRunner runner, ToolResolver tools, Redactor redactor, string region,
    IBuildLog? log = null, Operations.IClock? clock = null, Func<string?>? currentTask = null, CancellationToken cancel = default)
{
    /// <summary>Attempts per call when AWS answers with a transient error (throttling, 5xx, dropped connection).</summary>
    public const int MaxAttempts = 5;

    private readonly Operations.IClock _clock = clock ?? Operations.SystemClock.Instance;
    private readonly Operations.Backoff _backoff = Operations.Backoff.ForRetries();

    public string Region => region;

    /// <summary>
    /// Set on every call: the aws CLI v2 pipes output through a pager (less) unless AWS_PAGER is empty, which would hang a run or fail
    /// where less is missing. v1 ignores it.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> Environment = new Dictionary<string, string?> { ["AWS_PAGER"] = "" };

    /// <summary>A call <c>aws SERVICE OPERATION ARGS...</c>; its IAM grants come from <see cref="IamPermissions"/>.</summary>
    public CommandLine Command(params string[] arguments)
    {
        if (arguments.Length < 2) throw new ArgumentException("An aws call needs a service and an operation.", nameof(arguments));
        return new CommandLine("aws", tools.Resolve(ToolKind.Aws)).Add(arguments).Add("--region", region)
            .Needs(IamPermissions.For($"aws {arguments[0]} {arguments[1]}"));
    }

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

    public CommandLine VersionCommand() => new CommandLine("aws", tools.Resolve(ToolKind.Aws)).Add("--version").Needs([]);

    /// <summary>Runs a call and parses its JSON output.</summary>
    public JsonDocument RunJson(CommandLine command, ProcessOptions? options = null)
    {
        var output = Run(command, options).StandardOutput;
        return JsonDocument.Parse(string.IsNullOrWhiteSpace(output) ? "{}" : output);
    }

    /// <summary>
    /// Runs a call, retrying transient failures with capped exponential backoff and jitter. Any other
    /// failure throws at once: <see cref="AwsCredentialsException"/> for credentials, otherwise
    /// <see cref="AwsCallException"/>. With <see cref="ProcessOptions.AllowFailure"/> a persistent
    /// failure is returned instead (the caller reads it).
    /// </summary>
    public ProcessResult Run(CommandLine command, ProcessOptions? options = null)
    {
        options ??= new ProcessOptions();
        if (Recall(command) is { } kept)
        {
            log?.Verbose($"  aws | {Operation(command)}: answered earlier in this run, not asked again");
            return kept;
        }
        for (var attempt = 1; ; attempt++)
        {
            var result = runner.Run(command, options with { AllowFailure = true, Environment = WithPagerOff(options.Environment) });
            if (result.Succeeded)
            {
                Keep(command, result);
                return result;
            }
            var failure = AwsFailure.Classify(result.ExitCode, redactor.Redact(result.StandardError)); // AWS's text is quoted: masked first
            if (failure.IsTransient && attempt < MaxAttempts)
            {
                var delay = _backoff.Delay(attempt);
                log?.Warning($"  aws | {failure} - retrying in {Operations.Backoff.Format(delay)} (attempt {attempt + 1} of {MaxAttempts})");
                _clock.Sleep(delay, cancel);
                continue;
            }
            // A caller that reads failures itself still never sees a refused permission or bad credentials as "not yet".
            if (options.AllowFailure && failure.Kind is not (AwsFailureKind.Permission or AwsFailureKind.Credentials or AwsFailureKind.Invalid))
                return result;
            throw Fail(command, result, failure, options.FailureHint, attempt);
        }
    }

    private static IReadOnlyDictionary<string, string?> WithPagerOff(IReadOnlyDictionary<string, string?>? given)
    {
        if (given is null) return Environment;
        var merged = new Dictionary<string, string?>(given);
        foreach (var (key, value) in Environment) merged[key] = value;
        return merged;
    }

    /// <summary>Runs a call that may legitimately report "not found"; returns null then.</summary>
    public JsonDocument? RunJsonOrNull(CommandLine command, params string[] notFoundMarkers)
    {
        try
        {
            var output = Run(command).StandardOutput;
            return JsonDocument.Parse(string.IsNullOrWhiteSpace(output) ? "{}" : output);
        }
        catch (AwsCallException e) when (notFoundMarkers.Any(m => e.ErrorTail.Contains(m, StringComparison.Ordinal)))
        {
            return null;
        }
    }

    private Exception Fail(CommandLine command, ProcessResult result, AwsFailure failure, string? hint, int attempts)
    {
        var shown = command.RenderSafe(redactor);
        var tail = ProcessRunner.Tail(redactor.Redact(result.StandardError));
        if (failure.Kind == AwsFailureKind.Credentials) return new AwsCredentialsException(shown, tail);
        return new AwsCallException(shown, result.ExitCode, tail, failure, ActionOf(command, failure), currentTask?.Invoke(), hint, attempts);
    }

    /// <summary>The IAM action behind a failure: the one AWS names, else the command's declared action for that operation.</summary>
    public static string? ActionOf(CommandLine command, AwsFailure failure)
    {
        if (failure.RefusedAction is not null) return failure.RefusedAction;
        var declared = command.Permissions ?? [];
        return declared.FirstOrDefault(g => failure.Operation is not null &&
                                            g.Action.EndsWith(":" + failure.Operation, StringComparison.OrdinalIgnoreCase))?.Action
               ?? declared.FirstOrDefault()?.Action;
    }
}

/// <summary>An aws CLI call failed for good (or kept failing): AWS's text, the IAM action, and what to do.</summary>
public sealed class AwsCallException(string command, int exitCode, string errorTail, AwsFailure failure, string? action,
    string? task, string? hint, int attempts)
    : CommandFailedException(command, exitCode, errorTail, hint, Format(command, failure, action, task, hint, attempts))
{
    public AwsFailure Failure { get; } = failure;
    /// <summary>The IAM action the call needs (e.g. tag:GetResources).</summary>
    public string? Action { get; } = action;

    private static string Format(string command, AwsFailure failure, string? action, string? task, string? hint, int attempts)
    {
        var rerun = task is null ? "rerun the step" : $"rerun: ./build.sh --target={task} --exclusive";
        var (headline, todo) = failure.Kind switch
        {
            AwsFailureKind.Permission => ($"AWS refused '{command}': the role you run as may not call {action ?? "this action"}.",
                $"allow {action ?? "the action above"} for your role on this environment's resources (./build.sh --target=Permissions " +
                $"prints the policy the deploy role needs), or use a role that has it; then {rerun}."),
            AwsFailureKind.Transient => ($"'{command}' kept failing after {attempts} attempts ({failure.Code ?? "connection problem"}).",
                $"AWS is throttling or unavailable, or the endpoint cannot be reached: wait a minute, check your network/AWS_ENDPOINT_URL, then {rerun}."),
            AwsFailureKind.NotFound => ($"'{command}' failed: {failure.Code ?? "not found"}.",
                hint ?? $"check that the resource exists (./build.sh --target=Status), then {rerun}."),
            AwsFailureKind.Conflict
                => ($"'{command}' failed: the resource is busy ({failure.Code}).", hint ?? $"wait until the operation in progress finishes, then {rerun}."),
            AwsFailureKind.Invalid => ($"'{command}' was rejected as invalid ({failure.Code ?? "bad request"}).",
                hint ?? $"check the settings the command was built from (./build.sh --target=Plan shows them); if they are right, this is a bug in the " +
                    "pipeline."),
            _ => ($"'{command}' failed{(failure.Code is null ? "" : $" ({failure.Code})")}.", hint
                ?? $"read AWS's message above, fix the cause, then {rerun}."),
        };
        var text = headline + "\n" + string.Join("\n", failure.ToString().Split('\n').Select(l => "  | " + l));
        if (action is not null && failure.Kind == AwsFailureKind.Permission) text += $"\nIAM action: {action}";
        return text + "\nWhat to do: "
            + (failure.Kind is AwsFailureKind.Permission or AwsFailureKind.Transient && hint is not null ? $"{todo} ({hint})" : todo);
    }
}

public sealed class AwsCredentialsException(string command, string detail)
    : Exception($"AWS credentials are missing or expired ('{command}' said: {detail.Trim()}).\n" +
                "What to do: log in first - `aws sso login --profile NAME` and export AWS_PROFILE=NAME, or `aws configure` " +
                "(then check with `aws sts get-caller-identity`). In CI, configure the OIDC role before this step.");
