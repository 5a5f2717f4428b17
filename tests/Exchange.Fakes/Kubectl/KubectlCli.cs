using Exchange.Fakes.Core;

namespace Exchange.Fakes.Kubectl;

/// <summary>
/// The recording stand-in for kubectl, for exactly the commands the pipeline issues. Client-side commands
/// (kustomize, config, version --client) run the real kubectl; the rest act on a fake API server kept in state.
/// </summary>
internal static class KubectlCli
{
    private static readonly HashSet<string> Flags =
    [
        "-A", "--all-namespaces", "--all", "-w", "--watch", "--server-side", "--force", "--ignore-not-found", "--no-headers",
        "--show-labels", "--wait", "--overwrite", "--prune", "-R", "--recursive", "--previous", "-p", "--timestamps",
        "--all-containers", "--client", "--quiet", "--insecure-skip-tls-verify", "--force-conflicts", "--dry-run",
    ];

    private static readonly string[] Simulated =
        ["apply", "diff", "get", "rollout", "delete", "logs"];

    public static int Run(CallContext context)
    {
        var isLogs = context.Args.FirstOrDefault(a => !a.StartsWith('-')) == "logs";
        var args = CommandLine.Parse(context.Args, a => Flags.Contains(a) || isLogs && a is "-f" or "--follow");
        var command = args.Positional(0);
        if (command is "kustomize" or "config" || command == "version" && args.Flag("--client"))
            return Delegation.Exec(FakeEnv.RealKubectl, "kubectl", context.Args);
        if (!Simulated.Contains(command))
            return command == ""
                ? context.Fail(1, "error: You must specify the type of resource to get.")
                : throw new FakeSetupException($"'kubectl {command}' is not simulated (supported: {string.Join(", ", Simulated)}, " +
                                               "and kustomize/config/version --client through the real kubectl).");

        using var call = new KubectlCall(context, args);
        try
        {
            if (FailureInjection.Match(args.CommandKey("kubectl")) is not null)
                throw new KubectlException("Unable to connect to the server: net/http: TLS handshake timeout");
            return command switch
            {
                "apply" => Apply.Run(call),
                "diff" => KubeDiff.Run(call),
                "get" => Get.Run(call),
                "rollout" => Rollout.Status(call),
                "delete" => Mutate.Delete(call),
                _ => Info.Logs(call),
            };
        }
        catch (KubectlException e)
        {
            if (e.Message.Length > 0)
                context.Err.WriteLine(e.Message);
            return e.Exit;
        }
    }
}
