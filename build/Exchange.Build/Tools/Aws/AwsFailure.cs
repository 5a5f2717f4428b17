using System.Text.RegularExpressions;

namespace Exchange.Build.Aws;

/// <summary>What kind of failure an aws CLI call ended with; decides whether to retry.</summary>
public enum AwsFailureKind
{
    /// <summary>Throttling, 5xx, a dropped connection: retry with backoff.</summary>
    Transient,
    /// <summary>The resource is busy (…InProgress, in use, wrong state): a wait keeps polling, a single call fails.</summary>
    Conflict,
    /// <summary>IAM refused the call: end the step.</summary>
    Permission,
    /// <summary>Missing, expired or invalid credentials: end the step.</summary>
    Credentials,
    /// <summary>The resource does not exist where the caller did not expect that: end the step.</summary>
    NotFound,
    /// <summary>A bad request (validation, parameters, usage): end the step; retrying cannot help.</summary>
    Invalid,
    /// <summary>Anything else: end the step with AWS's text.</summary>
    Other,
}

/// <summary>
/// One aws CLI failure, classified once from its exit code and its error output. The aws CLI v1
/// exits 255 for every failure and prints
/// <c>An error occurred (Code) when calling the Operation operation[ (reached max retries: N)]: message</c>;
/// v2 exits 254 for service errors, 253 for credentials/configuration, 252 for usage.
/// </summary>
public sealed partial record AwsFailure(AwsFailureKind Kind, string? Code, string? Operation, string Message, string? RefusedAction)
{
    public bool IsTransient => Kind == AwsFailureKind.Transient;
    public bool IsPersistent => Kind is not (AwsFailureKind.Transient or AwsFailureKind.Conflict);

    private static readonly string[] TransientCodes =
    [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled", "RequestThrottledException",
        "RequestLimitExceeded", "TooManyRequestsException", "SlowDown", "ProvisionedThroughputExceededException",
        "ServiceUnavailable", "ServiceUnavailableException", "Unavailable", "InternalError", "InternalFailure",
        "InternalServerError", "InternalServerException", "InternalServiceError", "InternalServiceErrorException",
        "ServerException", "ServiceFailure", "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
        "EC2ThrottledException", "BandwidthLimitExceeded", "TransactionInProgressException",
    ];

    private static readonly string[] ConflictCodes =
    [
        "ResourceInUseException", "ResourceInUse", "ConflictException", "ConcurrentModificationException",
        "OperationAbortedException", "IncorrectInstanceState", "IncorrectState", "InvalidDBInstanceState",
        "InvalidDBInstanceStateFault", "InvalidInstanceState", "ResourceConflictException",
    ];

    private static readonly string[] CredentialCodes =
    [
        "ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException",
        "InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure", "IncompleteSignature", "MissingAuthenticationToken",
    ];

    /// <summary>Error output that is not an AWS error response but a connection problem.</summary>
    private static readonly string[] ConnectionMarkers =
    [
        "Could not connect to the endpoint URL", "Connection was closed before we received a valid response",
        "Read timeout on endpoint URL", "Connect timeout on endpoint URL", "Connection reset by peer", "EndpointConnectionError",
        "Max retries exceeded with url",
    ];

    private static readonly string[] CredentialMarkers =
    [
        "Unable to locate credentials", "Token has expired", "The SSO session", "Error loading SSO Token",
        "could not be found in the config file", "The config profile", "Partial credentials found",
    ];

    /// <summary>Classifies a failed call (exit code not 0) from its error output.</summary>
    public static AwsFailure Classify(int exitCode, string stderr)
    {
        var match = ErrorLine().Match(stderr);
        if (match.Success)
        {
            var code = match.Groups["code"].Value;
            var message = match.Groups["message"].Value.Trim();
            var refused = NotAuthorized().Match(message) is { Success: true } m ? m.Groups["action"].Value : null;
            return new AwsFailure(KindOf(code, refused), code, match.Groups["operation"].Value, message, refused);
        }
        var text = stderr.Trim();
        var lastLine = text.Split('\n').LastOrDefault(l => l.Trim().Length > 0)?.Trim() ?? $"exit code {exitCode}";
        if (ConnectionMarkers.Any(m => text.Contains(m, StringComparison.Ordinal)))
            return new AwsFailure(AwsFailureKind.Transient, null, null, lastLine, null);
        if (exitCode == 253 || CredentialMarkers.Any(m => text.Contains(m, StringComparison.Ordinal)))
            return new AwsFailure(AwsFailureKind.Credentials, null, null, lastLine, null);
        if (exitCode == 252 || text.Contains("Parameter validation failed", StringComparison.Ordinal) ||
            text.Contains("Unknown options", StringComparison.Ordinal) || text.Contains("Invalid choice", StringComparison.Ordinal) ||
            text.StartsWith("usage:", StringComparison.Ordinal))
            return new AwsFailure(AwsFailureKind.Invalid, null, null, text.Contains("Parameter validation failed") ? text : lastLine, null);
        return new AwsFailure(AwsFailureKind.Other, null, null, lastLine, null);
    }

    private static AwsFailureKind KindOf(string code, string? refusedAction)
    {
        if (refusedAction is not null || code.StartsWith("AccessDenied", StringComparison.Ordinal) ||
            code is "UnauthorizedOperation" or "UnauthorizedException" or "AuthorizationError" or "Forbidden" or "ForbiddenException")
            return AwsFailureKind.Permission;
        if (CredentialCodes.Contains(code)) return AwsFailureKind.Credentials;
        if (TransientCodes.Contains(code)) return AwsFailureKind.Transient;
        if (ConflictCodes.Contains(code) || code.EndsWith("InProgress", StringComparison.Ordinal) ||
            code.EndsWith("InProgressException", StringComparison.Ordinal) || code.EndsWith("InProgressFault", StringComparison.Ordinal))
            return AwsFailureKind.Conflict;
        if (code.Contains("NotFound", StringComparison.Ordinal) || code is "NoSuchEntity" or "NoSuchBucket" or "NoSuchKey")
            return AwsFailureKind.NotFound;
        if (code.StartsWith("InvalidParameter", StringComparison.Ordinal) || code.StartsWith("Validation", StringComparison.Ordinal) ||
            code.StartsWith("MissingParameter", StringComparison.Ordinal) || code is "InvalidRequestException" or "InvalidAction" or "MalformedPolicyDocument")
            return AwsFailureKind.Invalid;
        return AwsFailureKind.Other;
    }

    /// <summary>A one-line summary: the code and AWS's own text.</summary>
    public override string ToString() => Code is null ? Message : $"{Code}: {Message}";

    [GeneratedRegex(@"An error occurred \((?<code>[^)]+)\) when calling the (?<operation>\w+) operation" +
                    @"(?: \(reached max retries: \d+\))?: (?<message>[^\r\n]*)")]
    private static partial Regex ErrorLine();

    [GeneratedRegex(@"not authorized to perform: (?<action>[A-Za-z0-9-]+:[A-Za-z0-9]+)")]
    private static partial Regex NotAuthorized();
}
