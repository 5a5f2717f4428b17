namespace Exchange.Contracts;

/// <summary>
/// What Pause does to one resource (and Resume undoes): which resource, in which stack, what it says it did.
/// Both the Pause/Resume tasks and the Cost model read these, so a resource that stops while paused is known
/// in one place. The in-AWS sleep schedule stops the same resources (<see cref="SleepTarget"/>).
/// </summary>
public sealed record PausedResource(SleepTarget Target, StackKind Stack, string ResourceType, string Paused, string Resumed);

public static class Pausing
{
    /// <summary>The managed node group scaled to 0 (its nodes and their root volumes go; the control plane stays).</summary>
    public static readonly PausedResource Nodes = new(SleepTarget.Nodes, StackKind.Eks, "AWS::EKS::Nodegroup",
        "node group scaled to 0", "node group scaled up");

    /// <summary>The Redpanda host stopped (its EBS volumes keep billing).</summary>
    public static readonly PausedResource Kafka = new(SleepTarget.Kafka, StackKind.Kafka, "AWS::EC2::Instance",
        "Redpanda stopped", "Redpanda started");

    /// <summary>The database stopped (its storage keeps billing; RDS starts it again after 7 days).</summary>
    public static readonly PausedResource Database = new(SleepTarget.Database, StackKind.Rds, "AWS::RDS::DBInstance",
        "RDS stopped", "RDS started");

    public static IReadOnlyList<PausedResource> All { get; } = [Nodes, Kafka, Database];

    /// <summary>The stacks Pause --deep removes (and Resume deploys again).</summary>
    public static IReadOnlyList<StackKind> DeepRemoved { get; } = [StackKind.Eks];

    /// <summary>True when Pause stops resources of <paramref name="type"/> in <paramref name="stack"/>.</summary>
    public static bool Stops(StackKind stack, string type) => All.Any(r => r.Stack == stack && r.ResourceType == type);
}
