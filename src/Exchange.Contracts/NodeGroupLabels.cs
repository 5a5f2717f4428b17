namespace Exchange.Contracts;

/// <summary>
/// The label the EKS stack puts on the managed node group's nodes (design document 3.3:
/// <c>labels: { 'node-type': 'spot' }</c>) and the workloads of k8s/overlays/aws-dev select.
/// </summary>
public static class NodeGroupLabels
{
    public const string NodeType = "node-type";
    public const string Spot = "spot";
}
