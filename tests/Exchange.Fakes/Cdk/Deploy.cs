using System.Diagnostics;
using System.Text.Json.Nodes;
using Exchange.Fakes.Core;
using Exchange.Fakes.State;

namespace Exchange.Fakes.Cdk;

/// <summary>
/// `cdk deploy --app DIR (--all | STACK...) [--outputs-file F] [--exclusively]`: stacks in dependency order;
/// an unchanged template is "(no changes)", otherwise its resources are (re)created in state.
/// </summary>
internal static class Deploy
{
    public static int Run(CdkCall call)
    {
        var clock = Stopwatch.StartNew();
        var stacks = call.Assembly().Select(call.StackPatterns, call.Args.Flag("--all"),
            call.Args.Flag("--exclusively", "-e") ? Extend.None : Extend.Upstream);
        call.Console.Info($"\n✨  Synthesis time: {Seconds(clock)}s\n");
        var outputsFile = call.Args.Get("--outputs-file", "-O");
        var written = new JsonObject();
        try
        {
            using var session = FakeState.Open(call.Context.StateDir);
            for (var i = 0; i < stacks.Count; i++)
                DeployStack(call, session.Data, stacks[i], $"[{i + 1}/{stacks.Count}]", written);
        }
        finally
        {
            if (outputsFile is not null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputsFile))!);
                File.WriteAllText(outputsFile, Json.Pretty(written) + "\n");
            }
        }
        call.Console.Info($"\n✨  Total time: {Seconds(clock)}s\n");
        return 0;
    }

    private static void DeployStack(CdkCall call, FakeStateData state, StackArtifact artifact, string counter, JsonObject written)
    {
        var clock = Stopwatch.StartNew();
        var (account, region) = call.Environment(artifact);
        call.RequireCredentials(account);
        Bootstrap.Require(state, artifact, account, region);
        call.Console.Info($"{artifact.DisplayName}: deploying... {counter}");

        var stack = artifact.Context(region, account);
        var previous = state.Stacks.GetValueOrDefault(artifact.StackName);
        var live = previous?.Status is "CREATE_COMPLETE" or "UPDATE_COMPLETE" ? previous : null;
        var noChanges = live?.TemplateSha256 == artifact.TemplateSha256;
        if (!noChanges)
            live = Change(call, state, stack, artifact, live);

        call.Console.Info($"\n✅  {artifact.DisplayName}{(noChanges ? " (no changes)" : "")}");
        call.Console.Info($"\n✨  Deployment time: {Seconds(clock)}s\n");
        if (live!.Outputs.Count > 0)
        {
            call.Console.Info("Outputs:");
            written[artifact.StackName] = new JsonObject(live.Outputs.Select(o => KeyValuePair.Create(o.OutputKey, (JsonNode?)o.OutputValue)));
        }
        foreach (var output in live.Outputs.OrderBy(o => o.OutputKey, StringComparer.Ordinal))
            call.Console.Info($"{artifact.Id}.{output.OutputKey} = {output.OutputValue}");
        call.Console.Info("Stack ARN:");
        call.Console.Result(live.StackId);
    }

    /// <summary>Creates or updates the stack: checks what CloudFormation would reject, prints events, records the result.</summary>
    private static StackState Change(CdkCall call, FakeStateData state, StackContext stack, StackArtifact artifact, StackState? live)
    {
        var exports = state.Stacks.Values.Where(s => s.StackName != stack.StackName)
            .SelectMany(s => s.Outputs).Where(o => o.ExportName is not null).ToDictionary(o => o.ExportName!, o => o.OutputValue);
        var imports = Intrinsics.Imports(stack, stack.Template).Distinct().ToList();
        if (imports.FirstOrDefault(i => !exports.ContainsKey(i)) is { } missing)
            throw new CdkException($"❌  {artifact.DisplayName} failed: ValidationError: No export named {missing} found. Rollback requested by user.");

        call.Console.Info($"{artifact.DisplayName}: creating CloudFormation changeset...");
        var verb = live is null ? "CREATE" : "UPDATE";
        var changed = stack.Resources.Where(r => live?.Resources.GetValueOrDefault(r.Key)?.Sha256 != Json.CanonicalSha256(r.Value)).ToList();
        var events = new StackEvents(call.Console, stack, changed.Count + 1);
        events.Stack($"{verb}_IN_PROGRESS", "User Initiated");

        if ((SecretConflict(state, stack) ?? LogGroupConflict(state, stack, live)) is { } conflict)
            Fail(state, stack, artifact, live, events, conflict);

        foreach (var (logicalId, _) in changed)
        {
            var type = stack.Type(logicalId) ?? "AWS::Unknown";
            var resourceVerb = live?.Resources.ContainsKey(logicalId) == true ? "UPDATE" : "CREATE";
            events.Resource(logicalId, "", type, $"{resourceVerb}_IN_PROGRESS");
            events.Resource(logicalId, Resources.PhysicalId(stack, logicalId), type, $"{resourceVerb}_COMPLETE");
        }
        var resources = Provisioner.Apply(state, stack, live);
        events.Stack($"{verb}_COMPLETE");

        var record = new StackState
        {
            StackName = stack.StackName, StackId = stack.StackId, Status = $"{verb}_COMPLETE", TemplateSha256 = artifact.TemplateSha256,
            Region = stack.Region, CreationTime = live?.CreationTime ?? DateTimeOffset.UtcNow,
            LastUpdatedTime = live is null ? null : DateTimeOffset.UtcNow,
            Outputs = StackOutputs.Resolve(stack, exports.GetValueOrDefault), Imports = imports, Resources = resources,
            Events = [.. live?.Events ?? [], .. events.Recorded],
        };
        state.Stacks[stack.StackName] = record;
        return record;
    }

    /// <summary>A fixed secret name still taken (e.g. scheduled for deletion after a destroy) fails the create, as in AWS.</summary>
    private static (string LogicalId, string Reason)? SecretConflict(FakeStateData state, StackContext stack)
    {
        foreach (var (logicalId, _) in stack.Resources.Where(r => stack.Type(r.Key) == "AWS::SecretsManager::Secret"))
        {
            var name = Provisioner.SecretName(Resources.PhysicalId(stack, logicalId));
            if (state.Secrets.GetValueOrDefault(name) is not { } existing)
                continue;
            if (existing.DeletedDate is not null)
                return (logicalId, "Resource handler returned message: \"You can't create this secret because a secret with this name " +
                                   "is already scheduled for deletion. (Service: SecretsManager, Status Code: 400)\"");
            if (existing.StackName != stack.StackName)
                return (logicalId, $"{name} already exists in stack {existing.StackName}");
        }
        return null;
    }

    /// <summary>
    /// A log group the template names that already exists outside this stack (EKS recreates its control-plane
    /// log group while a cluster is deleted) fails the create, as in AWS.
    /// </summary>
    private static (string LogicalId, string Reason)? LogGroupConflict(FakeStateData state, StackContext stack, StackState? live)
    {
        foreach (var (logicalId, _) in stack.Resources.Where(r => stack.Type(r.Key) == "AWS::Logs::LogGroup"))
        {
            var name = stack.Property(logicalId, "LogGroupName");
            if (name is null || live?.Resources.ContainsKey(logicalId) == true || !state.LogGroups.ContainsKey(name))
                continue;
            return (logicalId, $"Resource handler returned message: \"Resource of type 'AWS::Logs::LogGroup' with identifier '{name}' already exists.\" " +
                               "(RequestToken: 5b1d8c1e-8f2a-4c1b-9a57-1d2f3e4a5b6c, HandlerErrorCode: AlreadyExists)");
        }
        return null;
    }

    private static void Fail(FakeStateData state, StackContext stack, StackArtifact artifact, StackState? live, StackEvents events,
        (string LogicalId, string Reason) conflict)
    {
        var verb = live is null ? "CREATE" : "UPDATE";
        events.Resource(conflict.LogicalId, "", stack.Type(conflict.LogicalId) ?? "AWS::Unknown", $"{verb}_FAILED", conflict.Reason);
        events.Stack(live is null ? "ROLLBACK_IN_PROGRESS" : "UPDATE_ROLLBACK_IN_PROGRESS");
        var final = live is null ? "ROLLBACK_COMPLETE" : "UPDATE_ROLLBACK_COMPLETE";
        events.Stack(final);
        if (live is null)
            state.Stacks[stack.StackName] = new StackState
            {
                StackName = stack.StackName, StackId = stack.StackId, Status = final, TemplateSha256 = "", Region = stack.Region,
                CreationTime = DateTimeOffset.UtcNow, Events = [.. events.Recorded],
            };
        else
            live.Events.AddRange(events.Recorded);
        throw new CdkException($"\n❌  {artifact.DisplayName} failed: Error: The stack named {stack.StackName} failed " +
                               (live is null ? "creation, it may need to be manually deleted from the AWS console" : "to deploy") +
                               $": {final}: {conflict.Reason}");
    }

    private static string Seconds(Stopwatch clock) => (clock.Elapsed.TotalSeconds + 0.01).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
}
