using System.Text.Json.Nodes;

namespace Exchange.Fakes.Tests;

public sealed class CdkDeployTests : IDisposable
{
    private readonly Sandbox sandbox = new();

    [Fact]
    public void Deploying_twice_reports_no_changes_for_every_stack_and_writes_the_same_outputs_file()
    {
        var first = sandbox.Deploy("first.json");
        var second = sandbox.Deploy("second.json");

        Assert.Contains("✅  Exchange-dev-Data", first.Stdout);
        Assert.DoesNotContain("(no changes)", first.Stdout);
        Assert.Contains("✅  Exchange-dev-Data (no changes)", second.Stdout);
        Assert.Contains("✅  Exchange-dev-Eks (no changes)", second.Stdout);
        Assert.DoesNotContain("CREATE_IN_PROGRESS", second.Stdout);
        var outputs = File.ReadAllText(Path.Combine(sandbox.Root, "first.json"));
        Assert.Equal(outputs, File.ReadAllText(Path.Combine(sandbox.Root, "second.json")));
        Assert.Equal("exchange-dev", JsonNode.Parse(outputs)!["Exchange-dev-Eks"]!["ClusterName"]!.GetValue<string>());
    }

    [Fact]
    public void RepoUri_outputs_point_at_the_local_registry()
    {
        sandbox.Deploy();

        var outputs = JsonNode.Parse(File.ReadAllText(Path.Combine(sandbox.Root, "outputs.json")))!;

        Assert.Equal($"{Sandbox.Registry}/exchange/matching-engine-shard",
            outputs["Exchange-dev-Data"]!["MatchingEngineRepoUri"]!.GetValue<string>());
    }

    [Fact]
    public void Describe_stacks_after_deploy_returns_outputs_with_their_export_names()
    {
        sandbox.Deploy();

        var text = Sandbox.Ok(sandbox.Aws("cloudformation", "describe-stacks", "--stack-name", "Exchange-dev-Data",
            "--query", "Stacks[0].Outputs[?OutputKey=='RdsEndpoint'].ExportName", "--output", "text"));
        var stack = JsonNode.Parse(Sandbox.Ok(sandbox.Aws("cloudformation", "describe-stacks", "--stack-name", "Exchange-dev-Data")).Stdout)!;

        Assert.Equal("dev-RdsEndpoint\n", text.Stdout);
        Assert.Equal("CREATE_COMPLETE", stack["Stacks"]![0]!["StackStatus"]!.GetValue<string>());
    }

    [Fact]
    public void Describe_stacks_of_an_unknown_stack_fails_with_the_real_validation_error()
    {
        var result = sandbox.Aws("cloudformation", "describe-stacks", "--stack-name", "Exchange-dev-Vpc");

        Assert.Equal(254, result.Exit);
        Assert.Equal("\nAn error occurred (ValidationError) when calling the DescribeStacks operation: Stack with id Exchange-dev-Vpc does not exist\n",
            result.Stderr);
    }

    [Fact]
    public void Deploy_before_bootstrap_fails_and_records_nothing()
    {
        var result = sandbox.Cdk("deploy", "--app", Sandbox.Assembly, "--all", "--require-approval", "never");

        Assert.Equal(1, result.Exit);
        Assert.Contains("Has the environment been bootstrapped? Please run 'cdk bootstrap'", result.Stderr);
        Assert.Empty(sandbox.State.Stacks);
    }

    [Fact]
    public void Deploy_without_credentials_fails_like_the_real_cli()
    {
        sandbox.Env["FAKE_AWS_NO_CREDENTIALS"] = "1";

        var result = sandbox.Cdk("deploy", "--app", Sandbox.Assembly, "--all", "--require-approval", "never");

        Assert.Equal(1, result.Exit);
        Assert.Contains("Need to perform AWS calls for account 111122223333, but no credentials have been configured", result.Stderr);
    }

    [Fact]
    public void Destroy_schedules_the_secret_for_deletion_so_an_immediate_redeploy_fails()
    {
        sandbox.Deploy();

        Sandbox.Ok(sandbox.Cdk("destroy", "--app", Sandbox.Assembly, "--all", "--force"));
        var described = sandbox.Aws("secretsmanager", "describe-secret", "--secret-id", "exchange-dev-db-credentials");
        var redeploy = sandbox.Cdk("deploy", "--app", Sandbox.Assembly, "--all", "--require-approval", "never");

        Assert.Contains("\"DeletedDate\"", Sandbox.Ok(described).Stdout);
        Assert.Equal(1, redeploy.Exit);
        Assert.Contains("already scheduled for deletion", redeploy.Output);
        Assert.Contains("/aws/eks/exchange-dev/cluster", sandbox.State.LogGroups.Keys);
    }

    [Fact]
    public void Destroy_without_force_and_without_a_terminal_refuses()
    {
        sandbox.Deploy();

        var result = sandbox.Cdk("destroy", "--app", Sandbox.Assembly, "--all");

        Assert.Equal(1, result.Exit);
        Assert.Contains("terminal (TTY) is not attached", result.Stderr);
        Assert.Equal(3, sandbox.State.Stacks.Count); // CDKToolkit and both stacks
    }

    public void Dispose() => sandbox.Dispose();
}
