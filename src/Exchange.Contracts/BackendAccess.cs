namespace Exchange.Contracts;

/// <summary>
/// How the backend is reached from outside the cluster: an internet-facing Application Load Balancer in the Eks stack
/// (<see cref="EksConfig.BackendLoadBalancer"/>), listening on plain HTTP, forwarding to the backend Service's fixed
/// NodePort on the nodes (k8s/overlays/aws-dev makes the Service a NodePort with externalTrafficPolicy Local). Who may
/// call it: the IPv4 CIDRs in <see cref="EksConfig.BackendPublicCidrs"/>, parsed like the EKS endpoint's
/// (<see cref="EksEndpointAccess.Parse"/>: <c>private</c> or nothing means nobody from outside). One place for the
/// ports, the health check path and the wording, shared by the CDK app, the pipeline and the tests.
/// </summary>
public static class BackendAccess
{
    /// <summary>The listener's port (HTTP: a dev environment has no domain and no certificate of its own).</summary>
    public const int ListenerPort = 80;

    /// <summary>The backend Service's nodePort in k8s/overlays/aws-dev (a test keeps the two equal); the target group's port.</summary>
    public const int NodePort = 30080;

    /// <summary>The backend's readiness path (its readinessProbe; a test keeps the two equal): the load balancer's health check.</summary>
    public const string HealthCheckPath = "/health/ready";

    /// <summary>The backend's Service, which <c>kubectl port-forward</c> reaches without the load balancer.</summary>
    public const string ServiceName = "future-backend";

    /// <summary>The Service's port (k8s/base/future-backend/service.yaml).</summary>
    public const int ServicePort = 80;

    /// <summary>What the URL output holds when the environment has no load balancer.</summary>
    public const string NoLoadBalancer = "none";

    /// <summary>The URL the stack outputs: the load balancer's DNS name over HTTP.</summary>
    public static string Url(string dnsName) => $"http://{dnsName}";

    /// <summary>Shown where the URL is not known yet (Plan, before the first deploy).</summary>
    public const string UrlPlaceholder = "http://<load balancer DNS name, known after DeployInfra>";

    /// <summary>One line for people: what the load balancer admits.</summary>
    public static string Describe(IReadOnlyList<string> cidrs, bool enabled = true) => !enabled
        ? "no load balancer (EksConfig.BackendLoadBalancer is false): only kubectl port-forward reaches the backend"
        : cidrs.Count == 0
            ? "admits nobody from outside (no CIDRs configured)"
            : EksEndpointAccess.IsOpenToAnywhere(cidrs)
                ? $"admits ANYONE ({EksEndpointAccess.Anywhere})"
                : $"admits {string.Join(", ", cidrs)} only";

    /// <summary>How to call the backend without the load balancer: a port-forward, wherever kubectl reaches the cluster.</summary>
    public static string PortForward(EnvironmentNames names, int localPort = 8080) =>
        $"kubectl port-forward --namespace {names.Namespace} svc/{ServiceName} {localPort}:{ServicePort}, then http://127.0.0.1:{localPort}";
}
