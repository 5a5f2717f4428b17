namespace Exchange.Fakes.Tests;

/// <summary>The call log the recording shims and the kubectl stand-in share, read back as the tests read it.</summary>
public sealed class CallLogTests : IDisposable
{
    private readonly Sandbox sandbox = new();

    [Fact]
    public void A_shim_call_whose_argument_holds_newlines_reads_back_as_one_call_with_that_argument()
    {
        // A script sent to SSM one line per command reaches the aws shim as one argument with newlines in it.
        const string script = "{\"commands\":[\"set -e\",\n\"rpk topic list\"]}\n\nlast line";
        sandbox.Run("cdk", ["deploy", script, "--json"]); // the shim records, then fails to exec /nonexistent/cdk
        Sandbox.Ok(sandbox.Kubectl(["version", "--client"]));
        sandbox.Run("cdk", ["diff"]);

        var calls = sandbox.Calls;

        Assert.Equal(["cdk deploy", "kubectl version", "cdk diff"], calls.Select(c => string.Join(' ', new[] { c.Tool }.Concat(c.Args.Take(1)))));
        Assert.Equal(["deploy", script, "--json"], calls[0].Args);
        Assert.Equal(["diff"], calls[2].Args);
    }

    public void Dispose() => sandbox.Dispose();
}
