namespace Exchange.Checker;

/// <summary>A check failed: what went wrong (<see cref="Exception.Message"/>) and the likely cause a person should look at first.</summary>
internal sealed class CheckFailure(string problem, string likelyCause) : Exception(problem)
{
    public string LikelyCause { get; } = likelyCause;
}

/// <summary>The checker cannot start: a variable the Job should have set is missing or malformed.</summary>
internal sealed class MisconfiguredException(string message) : Exception(message);

/// <summary>The likely causes, worded once: each names where to look and what to change.</summary>
internal static class LikelyCause
{
    public static string Blocked(int port) =>
        $"a security group or NetworkPolicy drops the traffic: the data stores admit only the EKS cluster security group on {port}, " +
        $"and the NetworkPolicy exchange-workloads lets the exchange pods out on {port} only into the VPC; a pod without the label " +
        "app.kubernetes.io/part-of=exchange gets no egress at all";

    public static string Refused(string portVariable) =>
        $"nothing listens on that port: a wrong port in the secret ({portVariable}), or the server is stopped (a paused environment: " +
        "./build.sh --target=Resume)";

    public static string Unresolvable(string hostVariable) =>
        $"{hostVariable} in the secret names a host that does not exist (rerun --target=Secrets after DeployInfra), or DNS is blocked " +
        "(the NetworkPolicy must let the pod ask kube-dns on 53/UDP and 53/TCP)";

    public static string WrongProtocol(string portVariable, string what) =>
        $"what answers there is not {what}: a wrong port in the secret ({portVariable}) that points at another service";
}
