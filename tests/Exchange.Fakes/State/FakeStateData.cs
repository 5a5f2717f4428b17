namespace Exchange.Fakes.State;

/// <summary>
/// What the kubectl stand-in remembers between calls: $FAKE_STATE_DIR/state.json, the objects applied to
/// the cluster (AWS's own state lives in the AWS stand-in). Secret values are never kept.
/// </summary>
public sealed class FakeStateData
{
    /// <summary>Keyed "namespace/kind.group/name" ("" namespace for cluster-scoped kinds).</summary>
    public Dictionary<string, KubeObjectState> KubeObjects { get; set; } = [];
}

public sealed class KubeObjectState
{
    public required string ApiVersion { get; set; }
    public required string Kind { get; set; }
    public required string Name { get; set; }
    public string? Namespace { get; set; }
    /// <summary>Canonical hash of the last applied manifest.</summary>
    public required string Sha256 { get; set; }
    /// <summary>The object as applied (JSON); null for Secrets, whose values are never stored.</summary>
    public string? Json { get; set; }
    /// <summary>Secrets only: the data keys (never the values).</summary>
    public List<string>? SecretKeys { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public long Generation { get; set; } = 1;
}
