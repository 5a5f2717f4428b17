using Exchange.Fakes.Core;
using Exchange.Fakes.State;

namespace Exchange.Fakes;

/// <summary>`dotnet Exchange.Fakes.dll aws|cdk|kubectl ARGS...`: the first argument picks the personality.</summary>
public static class Program
{
    public const int SetupErrorExit = 97;

    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("aws" or "cdk" or "kubectl"))
        {
            Console.Error.WriteLine("usage: Exchange.Fakes (aws|cdk|kubectl) ARGS...");
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
            Console.Error.WriteLine($"fake {args[0]}: {e.Message}");
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
            return call.Tool switch
            {
                "aws" => Aws.AwsCli.Run(call),
                "cdk" => Cdk.CdkCli.Run(call),
                _ => Kubectl.KubectlCli.Run(call),
            };
        }
        catch (FakeSetupException e)
        {
            return call.Fail(SetupErrorExit, $"fake {call.Tool}: {e.Message}");
        }
        catch (Exception e)
        {
            // A bug in the fake, not a simulated failure: loud, distinct exit code, still logged.
            return call.Fail(SetupErrorExit, $"fake {call.Tool}: internal error: {e}");
        }
    }
}
