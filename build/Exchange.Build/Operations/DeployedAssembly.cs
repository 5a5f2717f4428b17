using Exchange.Build.Aws;
using Exchange.Build.Settings;
using Exchange.Contracts;

namespace Exchange.Build.Operations;

/// <summary>
/// Which cloud assembly the environment's stacks were last deployed from, so that a rerun with nothing changed skips
/// <c>cdk deploy</c> (cdk's own no-op still starts node, assumes the bootstrap roles and asks CloudFormation for every template).
/// <para>
/// The record is a tag on the Redpanda host (<see cref="TagKey"/>: the <see cref="Fingerprint"/> of the cloud assembly deployed), beside
/// the topic marker: the pause check describes that instance on every deploy anyway, so reading the record costs no call, and being
/// in the account (not on this machine) it is the same for every machine and for CI. What keeps it true:
/// <list type="bullet">
/// <item>It is written only after a <c>cdk deploy</c> of every stack succeeded, with the fingerprint of the assembly deployed.</item>
/// <item>Before any <c>cdk deploy</c> or <c>cdk destroy</c> (DeployInfra, Pause --deep, Resume, Upgrade, DestroyDev, on any machine
/// running this pipeline) it is set to <see cref="Changing"/>, so a failed, interrupted or partial deploy, a stack destroyed or a
/// staged upgrade never leaves a record that matches: the next DeployInfra deploys. A record that cannot be invalidated stops the
/// run before cdk changes anything.</item>
/// <item>A replaced Redpanda host carries no record (a new instance has no tag): the next DeployInfra deploys.</item>
/// <item>Another machine deploying other sources records its own fingerprint, which then differs from this machine's.</item>
/// <item>The skip needs the last outputs (this machine's, else the artifacts bucket's) to hold every stack.</item>
/// </list>
/// What no record sees is a change outside this pipeline (a stack updated in the console, a newer AMI behind an SSM parameter):
/// <c>--force-deploy</c> runs <c>cdk deploy</c> regardless. Drift of the resources themselves is no reason: cdk deploy compares
/// templates, not resources, and would not repair it either.
/// </para>
/// </summary>
public sealed class DeployedAssembly(BuildContext b)
{
    public const string TagKey = "exchange:deployed-assembly";
    /// <summary>The record's value while (or after) something else than a complete DeployInfra ran cdk against the stacks.</summary>
    public const string Changing = "changing";

    private bool? _current;
    private bool _invalidated;

    /// <summary>This run ran a cdk deploy or destroy (a stack, the cluster among them, may have been made anew).</summary>
    public bool ChangedThisRun { get; private set; }
    private bool _forceSaid;

    /// <summary>
    /// The fingerprint of the cloud assembly this run deploys: SHA-256 over its files (the templates, their asset manifests, the manifest,
    /// the construct tree), which is exactly what cdk deploy sends. Read once Synth made sure the assembly is this run's.
    /// </summary>
    public string Fingerprint => _fingerprint ??= Hash(b.Settings.CdkOutDir);
    private string? _fingerprint;

    /// <summary>
    /// True when the stacks were last deployed, completely, from the assembly this run would deploy, and --force-deploy is off:
    /// DeployInfra runs no cdk deploy then (and Bootstrap need not check the toolkit, which only cdk deploy needs). Before Synth (Bootstrap)
    /// an assembly on disk that is not this run's sources' yet counts as a change; once Synth checked it, the answer is kept for the run.
    /// </summary>
    public bool IsCurrent
    {
        get
        {
            if (_invalidated) return false;
            if (_current is { } known) return known;
            var decided = Decide();
            if (b.AssemblyChecked) _current = decided;
            return decided;
        }
    }

    private bool Decide()
    {
        if (b.Settings.ForceDeploy)
        {
            if (!_forceSaid) b.Log.Information($"--{ArgumentNames.ForceDeploy}: cdk deploy runs whatever the record of the last deploy says.");
            _forceSaid = true;
            return false;
        }
        if (LastOutputs() is not { } outputs || !StackKinds.DeployOrder.All(outputs.HasStack))
            return false;
        if (!b.AssemblyChecked && !Pipeline.Tasks.Synth.IsUpToDate(b)) return false; // Synth will make a new one
        var recorded = b.KnownState.KafkaTags.GetValueOrDefault(TagKey);
        if (recorded == Fingerprint)
        {
            b.Log.Information($"The stacks were last deployed from this very assembly (fingerprint {Fingerprint[..12]}, recorded on the Redpanda " +
                              $"host as {TagKey}): no cdk deploy (--{ArgumentNames.ForceDeploy} deploys anyway).");
            return true;
        }
        b.Log.Verbose(recorded is null ? "No record of the last deploy's assembly: cdk deploy runs."
            : $"The last deploy's assembly was {Short(recorded)}, this run's is {Fingerprint[..12]}: cdk deploy runs.");
        return false;
    }

    /// <summary>SHA-256 over the assembly's files and their names (not Synth's stamp, nor a nested cdk.out left by a synth run elsewhere).</summary>
    public static string Hash(string assemblyDir)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        if (Directory.Exists(assemblyDir))
            foreach (var file in Directory.EnumerateFiles(assemblyDir, "*", SearchOption.AllDirectories)
                         .Select(f => Path.GetRelativePath(assemblyDir, f).Replace('\\', '/'))
                         .Where(f => f != Pipeline.Tasks.Synth.FingerprintFile && !f.StartsWith("cdk.out/", StringComparison.Ordinal))
                         .Order(StringComparer.Ordinal))
            {
                sha.AppendData(System.Text.Encoding.UTF8.GetBytes(file + "\0"));
                sha.AppendData(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(assemblyDir, file))));
            }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static string Short(string value) => value.Length > 12 ? value[..12] : value;

    /// <summary>
    /// Before cdk changes any stack: the record no longer holds (set to <see cref="Changing"/>) until a complete deploy records again.
    /// Once per run (written even when this run saw no record: the outputs it read may name an older host); nothing to do without a
    /// Redpanda host, whose record went with it.
    /// </summary>
    public void Invalidate()
    {
        ChangedThisRun = true;
        if (_invalidated) return;
        _invalidated = true;
        _current = false;
        if (KafkaInstance() is not { } instance) return;
        try
        {
            b.Aws.Run(b.Aws.CreateTagCommand(instance, TagKey, Changing));
        }
        catch (AwsCallException e) when (e.ErrorTail.Contains("InvalidInstanceID", StringComparison.Ordinal))
        {
            // The host is gone: so is its record.
        }
    }

    /// <summary>After a complete cdk deploy of every stack: records this run's fingerprint on the (possibly new) Redpanda host.</summary>
    public void Record()
    {
        var instance = b.Outputs[Outputs.KafkaInstanceId];
        b.Aws.Run(b.Aws.CreateTagCommand(instance, TagKey, Fingerprint));
        _invalidated = false;
        _current = true;
        b.Log.Verbose($"Recorded the deployed assembly (fingerprint {Fingerprint[..12]}) on {instance} as {TagKey}.");
    }

    /// <summary>The last deploy's outputs: this machine's, else the artifacts bucket's; null when neither has them.</summary>
    private DeploymentOutputs? LastOutputs()
    {
        b.Artifacts.Fetch(b.Settings.OutputsFile);
        return DeploymentOutputs.Load(b.Names, b.Settings.OutputsFile);
    }

    /// <summary>The Redpanda host's id: from the last outputs (this machine's, else the bucket's), else from CloudFormation; null without one.</summary>
    private string? KafkaInstance()
    {
        if (LastOutputs()?.TryGet(Outputs.KafkaInstanceId) is { } known) return known;
        return b.Aws.DescribeStack(b.Names.Stack(StackKind.Kafka)) is { } stack
            ? DeploymentOutputs.FromStackDescriptions(b.Names, [stack]).TryGet(Outputs.KafkaInstanceId)
            : null;
    }
}
