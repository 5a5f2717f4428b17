using Exchange.Build.Processes;
using Exchange.Build.Settings;
using Exchange.Build.Text;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>
/// Tunnel: the pipeline's own way to the private EKS API, held open for a person's kubectl (debugging, a port-forward to the backend)
/// until Ctrl-C, which is its normal end, or until the session ends (Session Manager's idle timeout).
/// </summary>
public static class Tunnel
{
    public static void Hold(BuildContext b)
    {
        var context = b.ClusterContext;
        if (b.Settings.ClusterPath == ClusterPath.Direct)
        {
            var cidrs = b.Settings.Environment.Of<Contracts.EksConfig>().PublicAccessCidrs;
            b.Log.Information($"kubectl reaches the cluster {ClusterPaths.Describe(b.Settings.ClusterPath, cidrs)}: " +
                              $"no tunnel needed. Use: kubectl --context {context} get pods --namespace {b.Names.Namespace}");
            b.Report.Add(TaskNames.Tunnel, StepOutcome.Checked, "direct: no tunnel needed");
            return;
        }
        if (b.Kubectl.CurrentContext() != context) b.Log.Information("  aws | " + b.Aws.UpdateKubeconfig(b.Names.ClusterName));
        var server = string.Join(' ', b.Tunnel.ServerArguments(() => b.Kubectl.EnsureContext(context)).Select(CommandLine.Quote));
        b.EndsOnInterruption();
        b.Log.Information("The tunnel is open. In another terminal (kubectl as you have it, your AWS credentials):");
        // Printed to paste into a shell: within the output's width, continued with " \" where a line wraps.
        foreach (var line in ShellWrap.Command($"kubectl --context {context} {server} get pods --namespace {b.Names.Namespace}", "  "))
            b.Log.Information(line);
        foreach (var line in ShellWrap.Command($"alias k=\"kubectl --context {context} {server}\"", "  ")) b.Log.Information(line);
        b.Log.Information("Holding it until Ctrl-C (or until the session ends: Session Manager closes an idle one after 20 minutes by default).");
        try
        {
            while (b.Tunnel.IsOpen) b.Clock.Sleep(TimeSpan.FromSeconds(1), b.Interruption.Token);
            b.Log.Warning("The session ended (idle timeout, or terminated): run the target again for a new tunnel.");
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C: the normal end; the end of the run closes the tunnel.
        }
        b.Report.Add(TaskNames.Tunnel, StepOutcome.Checked, "held until closed");
    }
}
