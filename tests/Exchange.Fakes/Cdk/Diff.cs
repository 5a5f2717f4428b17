using Exchange.Fakes.Core;
using Exchange.Fakes.State;

namespace Exchange.Fakes.Cdk;

/// <summary>`cdk diff [STACK...|--all] [--fail]`: template hash against what is deployed, resources marked [+] [~] [-].</summary>
internal static class Diff
{
    public static int Run(CdkCall call)
    {
        var assembly = call.Assembly();
        var stacks = call.StackPatterns.Count == 0 ? assembly.Stacks : assembly.Select(call.StackPatterns, call.Args.Flag("--all"), Extend.None);
        var state = FakeState.Read(call.Context.StateDir);
        var differences = 0;
        foreach (var artifact in stacks)
        {
            var (account, region) = call.Environment(artifact);
            call.RequireCredentials(account);
            call.Console.Info($"Stack {artifact.DisplayName}");
            var deployed = state.Stacks.GetValueOrDefault(artifact.StackName);
            var live = deployed?.Status is "CREATE_COMPLETE" or "UPDATE_COMPLETE" ? deployed : null;
            if (live?.TemplateSha256 == artifact.TemplateSha256)
            {
                call.Console.Info("There were no differences\n");
                continue;
            }
            differences++;
            call.Console.Info("Resources");
            foreach (var line in ResourceChanges(artifact.Context(region, account), live))
                call.Console.Info(line);
            call.Console.Info("");
        }
        call.Console.Info($"\n✨  Number of stacks with differences: {differences}\n");
        return call.Args.Flag("--fail") && differences > 0 ? 1 : 0;
    }

    private static IEnumerable<string> ResourceChanges(StackContext stack, StackState? live)
    {
        foreach (var (logicalId, node) in stack.Resources)
        {
            var type = stack.Type(logicalId);
            var before = live?.Resources.GetValueOrDefault(logicalId);
            if (before is null)
                yield return $"[+] {type} {logicalId} {logicalId} ";
            else if (before.Sha256 != Json.CanonicalSha256(node))
                yield return $"[~] {type} {logicalId} {logicalId} ";
        }
        foreach (var (logicalId, before) in live?.Resources ?? [])
            if (stack.Resource(logicalId) is null)
                yield return $"[-] {before.Type} {logicalId} destroy";
    }
}
