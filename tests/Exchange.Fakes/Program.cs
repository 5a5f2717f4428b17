using Exchange.Fakes.Core;
using Exchange.Fakes.State;

namespace Exchange.Fakes;

/// <summary>
/// `dotnet Exchange.Fakes.dll kubectl ARGS...`: the recording kubectl stand-in; `dotnet Exchange.Fakes.dll session-manager-plugin ARGS...`:
/// the Session Manager plugin stand-in (not recorded: the aws CLI runs it, not the pipeline).
/// </summary>
public static class Program
{
    public const int SetupErrorExit = 97;

    public static int Main(string[] args)
    {
        if (args is [SessionManagerPlugin.Name, .. var plugin]) return SessionManagerPlugin.Run(plugin);
        if (args.Length == 0 || args[0] != "kubectl")
        {
            Console.Error.WriteLine($"usage: Exchange.Fakes kubectl|{SessionManagerPlugin.Name} ARGS...");
            return SetupErrorExit;
        }
        string stateDir;
        try
        {
            stateDir = FakeEnv.RequireStateDir();
            Directory.CreateDirectory(stateDir);
        }
        catch (FakeSetupException e)
        {
            Console.Error.WriteLine($"kubectl stand-in: {e.Message}");
            return SetupErrorExit;
        }

        var call = new CallContext(args[0], args[1..], stateDir);
        var exit = Run(call);
        call.Out.Flush();
        call.Err.Flush();
        FakeCalls.Append(stateDir, new FakeCall(call.Tool, call.Args, call.Stdin, exit, DateTimeOffset.UtcNow,
            call.Secrets.Count > 0 ? call.Secrets : null));
        return exit;
    }

    private static int Run(CallContext call)
    {
        try
        {
            return Kubectl.KubectlCli.Run(call);
        }
        catch (FakeSetupException e)
        {
            return call.Fail(SetupErrorExit, $"kubectl stand-in: {e.Message}");
        }
        catch (Exception e)
        {
            // A bug in the stand-in, not a simulated failure: loud, distinct exit code, still logged.
            return call.Fail(SetupErrorExit, $"kubectl stand-in: internal error: {e}");
        }
    }
}
