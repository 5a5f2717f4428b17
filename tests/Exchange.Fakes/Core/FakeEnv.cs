namespace Exchange.Fakes.Core;

/// <summary>Every environment variable the fakes read: the one place that names them.</summary>
public static class FakeEnv
{
    /// <summary>Required: directory holding state.json, calls.jsonl and the lock files.</summary>
    public const string StateDir = "FAKE_STATE_DIR";
    /// <summary>"tool arg1 arg2;..." prefixes (options removed) of calls that fail like the real CLI.</summary>
    public const string Fail = "FAKE_FAIL";
    /// <summary>Workload name whose `kubectl rollout status` times out.</summary>
    public const string RolloutFail = "FAKE_ROLLOUT_FAIL";
    public const string AwsAccount = "FAKE_AWS_ACCOUNT";
    public const string AwsArn = "FAKE_AWS_ARN";
    /// <summary>Path of the caller's role that `iam get-role` reports (default "/").</summary>
    public const string AwsRolePath = "FAKE_AWS_ROLE_PATH";
    /// <summary>"1": every aws call fails like the real CLI without credentials; cdk deploy too.</summary>
    public const string AwsNoCredentials = "FAKE_AWS_NO_CREDENTIALS";
    /// <summary>host:port of the real registry that stands in for ECR (e.g. 127.0.0.1:5000).</summary>
    public const string EcrRegistry = "FAKE_ECR_REGISTRY";
    public const string EcrPassword = "FAKE_ECR_PASSWORD";
    /// <summary>The database password Secrets Manager returns; default: derived from a seed kept in state.</summary>
    public const string DbPassword = "FAKE_DB_PASSWORD";
    public const string NodegroupIgnoresScaling = "FAKE_NODEGROUP_IGNORES_SCALING";
    public const string Ec2IgnoresStop = "FAKE_EC2_IGNORES_STOP";
    public const string LeftoverLogGroups = "FAKE_LEFTOVER_LOG_GROUPS";
    public const string LeftoverLoadBalancers = "FAKE_LEFTOVER_LOAD_BALANCERS";
    /// <summary>Path of the real CDK CLI that `cdk synth` delegates to.</summary>
    public const string RealCdk = "FAKE_REAL_CDK";
    /// <summary>Path of the real kubectl that `kubectl kustomize|config|version` delegate to.</summary>
    public const string RealKubectl = "FAKE_REAL_KUBECTL";

    public const string DefaultAccount = "111122223333";

    public static string? Get(string name)
    {
        var value = Environment.GetEnvironmentVariable(name);
        return string.IsNullOrEmpty(value) ? null : value;
    }

    public static bool IsOn(string name) => Get(name) is "1" or "true" or "TRUE" or "True" or "yes";

    public static IReadOnlyList<string> List(string name) =>
        (Get(name) ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static string Account => Get(AwsAccount) ?? DefaultAccount;

    public static string CallerArn => Get(AwsArn) ?? $"arn:aws:sts::{Account}:assumed-role/Developer/dev-session";

    /// <summary>AWS_REGION, then AWS_DEFAULT_REGION (the real CLI's order), or null.</summary>
    public static string? Region => Get("AWS_REGION") ?? Get("AWS_DEFAULT_REGION");

    public static string RequireStateDir() =>
        Get(StateDir) ?? throw new FakeSetupException(
            $"{StateDir} is not set. The fake aws/cdk/kubectl keep their state there; " +
            "set it to a directory (FakeToolbox.Install writes shims that set it).");
}

/// <summary>The fake itself is misconfigured (not the simulated CLI failing): exit 97 with a clear message.</summary>
public sealed class FakeSetupException(string message) : Exception(message);
