using System.Globalization;
using Exchange.Build.Processes;

namespace Exchange.Build.Aws;

/// <summary>The calls that reach the cluster: the SSM port-forwarding tunnel to its private endpoint, and its access entries.</summary>
public sealed partial class AwsCli
{
    /// <summary>AWS's document that forwards a local port through an instance to a host:port inside the VPC.</summary>
    public const string PortForwardingDocument = "AWS-StartPortForwardingSessionToRemoteHost";

    /// <summary>
    /// <c>aws ssm start-session</c> forwarding 127.0.0.1:<paramref name="localPort"/> through <paramref name="instance"/> to
    /// <paramref name="host"/>:<paramref name="port"/>; it keeps running (the aws CLI runs the Session Manager plugin) until stopped.
    /// </summary>
    public CommandLine StartSessionCommand(string instance, string host, int port, int localPort) =>
        Command("ssm", "start-session", "--target", instance, "--document-name", PortForwardingDocument, "--parameters",
            string.Create(CultureInfo.InvariantCulture, $"host={host},portNumber={port},localPortNumber={localPort}"));

    public CommandLine TerminateSessionCommand(string sessionId) => JsonCommand("ssm", "terminate-session", "--session-id", sessionId);

    public CommandLine InstanceInformationCommand(string instance) =>
        JsonCommand("ssm", "describe-instance-information", "--filters", $"Key=InstanceIds,Values={instance}");

    /// <summary>The SSM agent's ping status on the instance (Online, ConnectionLost), or null when it never registered.</summary>
    public string? AgentPingStatus(string instance)
    {
        using var json = RunJson(InstanceInformationCommand(instance));
        return json.RootElement.GetProperty("InstanceInformationList").EnumerateArray()
            .Select(i => i.GetProperty("PingStatus").GetString()).FirstOrDefault();
    }

    public CommandLine ListAccessEntriesCommand(string cluster) => JsonCommand("eks", "list-access-entries", "--cluster-name", cluster);

    /// <summary>The principals with an access entry on the cluster.</summary>
    public IReadOnlyList<string> AccessEntries(string cluster)
    {
        using var json = RunJson(ListAccessEntriesCommand(cluster));
        return json.RootElement.GetProperty("accessEntries").EnumerateArray().Select(e => e.GetString()!).ToArray();
    }

    public CommandLine AccessPoliciesCommand(string cluster, string principal) =>
        JsonCommand("eks", "list-associated-access-policies", "--cluster-name", cluster, "--principal-arn", principal);

    /// <summary>The access policies (ARNs) associated with a principal's entry.</summary>
    public IReadOnlyList<string> AccessPolicies(string cluster, string principal)
    {
        using var json = RunJson(AccessPoliciesCommand(cluster, principal));
        return json.RootElement.GetProperty("associatedAccessPolicies").EnumerateArray().Select(p => p.GetProperty("policyArn").GetString()!).ToArray();
    }

    /// <summary>What a call that failed outside <see cref="Run"/> (a background command) ends the step with, classified as every call is.</summary>
    public Exception Failure(CommandLine command, int exitCode, string stderr, string? hint)
    {
        var failure = AwsFailure.Classify(exitCode, redactor.Redact(stderr));
        return Fail(command, new ProcessResult(exitCode, "", stderr, TimeSpan.Zero), failure, hint, 1);
    }
}
