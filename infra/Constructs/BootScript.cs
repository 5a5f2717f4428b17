using Amazon.CDK;

namespace Exchange.Infra.Constructs;

/// <summary>
/// The frame every instance boot script shares, so CloudFormation knows whether it worked: strict mode,
/// a boot log (a file, and through cloud-init's output the console: <c>aws ec2 get-console-output</c>),
/// named steps, a <c>retry</c> helper, and a resource signal. CloudFormation waits for the signal
/// (<see cref="RequireSignal"/>): a failing step signals failure through the EXIT trap, which fails and
/// rolls back the stack at once; the last line signals success. The reason is the boot log's last line
/// (a resource signal carries no text).
/// </summary>
public static class BootScript
{
    /// <summary>A normal boot takes 2-4 minutes (packages, image pull, health); retries fit in the rest.</summary>
    public const string SignalTimeout = "PT15M";

    public static string[] Prelude(string logFile, CfnResource signalled)
    {
        var stack = Stack.Of(signalled);
        return
        [
            "set -Eeuo pipefail",
            $"exec > >(tee -a {logFile}) 2>&1",
            "export PATH=\"$PATH:/opt/aws/bin\"",
            "STEP='starting'",
            "FAILED=''",
            "step() { STEP=\"$1\"; echo \"== $(date -u +%Y-%m-%dT%H:%M:%SZ) $1\"; }",
            "fail() { FAILED=\"$*\"; echo \"$*\" >&2; exit 1; }",
            "# retry N COMMAND...: N attempts, waiting 10 s, 20 s, 40 s, then 60 s between them.",
            "retry() {",
            "  local attempts=$1 delay=10 n=1",
            "  shift",
            "  until \"$@\"; do",
            "    if [ \"$n\" -ge \"$attempts\" ]; then echo \"'$*' failed $attempts times\" >&2; return 1; fi",
            "    echo \"'$*' failed (attempt $n of $attempts); retrying in ${delay} s\" >&2",
            "    sleep \"$delay\"",
            "    n=$((n + 1))",
            "    delay=$((delay < 30 ? delay * 2 : 60))",
            "  done",
            "}",
            "signal() {",
            "  if ! command -v cfn-signal >/dev/null 2>&1; then",
            "    echo 'cfn-signal (aws-cfn-bootstrap) is not installed: CloudFormation waits for the signal until it times out' >&2",
            "    return 0",
            "  fi",
            $"  cfn-signal --exit-code \"$1\" --stack '{stack.StackName}' --resource '{signalled.LogicalId}' --region '{stack.Region}' ||",
            "    echo 'could not send the CloudFormation signal' >&2",
            "}",
            "on_exit() {",
            "  local code=$?",
            "  trap - EXIT",
            "  [ \"$code\" -eq 0 ] && return 0",
            $"  echo \"boot script failed during '${{STEP}}': ${{FAILED:-exit $code}} (boot log: {logFile})\" >&2",
            "  signal 1",
            "}",
            "trap 'FAILED=\"line $LINENO: $BASH_COMMAND (exit $?)\"' ERR",
            "trap on_exit EXIT",
            "",
            "step 'installing the CloudFormation signal tool'",
            "retry 5 dnf install -y aws-cfn-bootstrap",
            "",
        ];
    }

    /// <summary>The script's last line: everything worked.</summary>
    public static string Success(string what) => $"signal 0 '{what}'";

    /// <summary>CloudFormation keeps the resource in CREATE_IN_PROGRESS until its boot script signals, and fails it on failure or timeout.</summary>
    public static void RequireSignal(CfnResource resource) =>
        resource.CfnOptions.CreationPolicy = new CfnCreationPolicy
        {
            ResourceSignal = new CfnResourceSignal { Count = 1, Timeout = SignalTimeout },
        };
}
