using System.Text.Json.Nodes;

namespace Exchange.AwsStandIn.Tests;

/// <summary>The real CDK CLI against the stand-in: bootstrap, deploy, diff, destroy, rollback.</summary>
public sealed class CdkTests : IDisposable
{
    private readonly World _world = new();

    private string Deployed()
    {
        var bootstrap = _world.Cdk("bootstrap", $"aws://{World.Account}/ap-northeast-2");
        Assert.True(bootstrap.ExitCode == 0, bootstrap.ToString());
        var app = Templates.Assembly(_world);
        var deploy = _world.Cdk("deploy", "--app", app, "--all", "--require-approval", "never", "--outputs-file", Path.Combine(_world.Root, "outputs.json"));
        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        return app;
    }

    [Fact]
    public void Deploy_creates_the_stacks_resolves_outputs_across_an_export_and_a_second_deploy_reports_no_changes()
    {
        var app = Deployed();

        var outputs = JsonNode.Parse(File.ReadAllText(Path.Combine(_world.Root, "outputs.json")))!;
        var endpoint = outputs["StandIn-Data"]!["DbEndpoint"]!.GetValue<string>();
        Assert.Matches(@"^standin-mysql\.c[0-9a-f]{10}\.ap-northeast-2\.rds\.amazonaws\.com$", endpoint);
        Assert.Equal(endpoint, outputs["StandIn-App"]!["Db"]!.GetValue<string>());
        Assert.Equal("3306", outputs["StandIn-Data"]!["DbPort"]!.GetValue<string>());
        Assert.Equal("standin", outputs["StandIn-Data"]!["SecretName"]!.GetValue<string>());
        var instance = _world.Cloud.Instances.Values.Single();
        Assert.Equal($"{instance["InstanceId"]}:ap-northeast-2c", outputs["StandIn-App"]!["Where"]!.GetValue<string>());
        Assert.Equal(instance["PrivateIpAddress"]!.GetValue<string>(), outputs["StandIn-App"]!["BrokerIp"]!.GetValue<string>());
        var secret = _world.Cloud.Secrets["standin-db-credentials"].Value;
        Assert.Equal(endpoint, secret["host"]!.GetValue<string>());
        Assert.Equal(24, secret["password"]!.GetValue<string>().Length);
        Assert.True(_world.Cloud.LogGroups.ContainsKey("/standin/app"));

        _world.StandIn.ClearRequests();
        var again = _world.Cdk("deploy", "--app", app, "--all", "--require-approval", "never");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("StandIn-Data (no changes)", again.Output);
        Assert.Contains("StandIn-App (no changes)", again.Output);
        Assert.DoesNotContain(_world.StandIn.Requests, r => r.Operation is "CreateChangeSet" or "ExecuteChangeSet");

        var diff = _world.Cdk("diff", "--app", app, "--all");
        Assert.True(diff.ExitCode == 0, diff.ToString());
        Assert.Contains("Number of stacks with differences: 0", diff.Output);
        Assert.Empty(_world.Cloud.Violations);
    }

    [Fact]
    public void A_resource_that_fails_rolls_the_stack_back_and_cdk_shows_the_reason()
    {
        _world.Faults.FailResource("Broker", "Resource handler returned message: \"We currently do not have sufficient t3.small capacity\"");
        Assert.Equal(0, _world.Cdk("bootstrap", $"aws://{World.Account}/ap-northeast-2").ExitCode);

        var deploy = _world.Cdk("deploy", "--app", Templates.Assembly(_world), "--all", "--require-approval", "never");

        Assert.NotEqual(0, deploy.ExitCode);
        Assert.Contains("We currently do not have sufficient t3.small capacity", deploy.Output);
        Assert.Contains("ROLLBACK_COMPLETE", deploy.Output);
        Assert.Empty(_world.Cloud.Instances);
        Assert.Equal("ROLLBACK_COMPLETE", _world.Cloud.Stacks["StandIn-App"].Status);
        Assert.Equal("CREATE_COMPLETE", _world.Cloud.Stacks["StandIn-Data"].Status);

        _world.Faults.Clear();
        var retry = _world.Cdk("deploy", "--app", Templates.Assembly(_world), "--all", "--require-approval", "never");
        Assert.True(retry.ExitCode == 0, retry.ToString()); // cdk deletes the failed stack and creates it again
        Assert.Single(_world.Cloud.Instances);
    }

    [Fact]
    public void A_stack_whose_export_is_in_use_cannot_be_destroyed_and_destroy_in_order_empties_the_account()
    {
        var app = Deployed();

        var early = _world.Cdk("destroy", "--app", app, "StandIn-Data", "--exclusively", "--force");
        Assert.NotEqual(0, early.ExitCode);
        Assert.Contains("Export standin-DbEndpoint cannot be deleted as it is in use by StandIn-App", early.Output);

        Assert.Equal(0, _world.Cdk("destroy", "--app", app, "StandIn-App", "--force").ExitCode);
        var data = _world.Cdk("destroy", "--app", app, "StandIn-Data", "--force");
        Assert.True(data.ExitCode == 0, data.ToString());
        Assert.Empty(_world.Cloud.Databases);
        Assert.DoesNotContain("standin-DbEndpoint", _world.Cloud.Exports.Keys);
        Assert.NotNull(_world.Cloud.Secrets["standin-db-credentials"].Deleted); // in its recovery window, as in AWS
        Assert.Equal(["CDKToolkit"], _world.Cloud.Stacks.Keys);
    }

    public void Dispose() => _world.Dispose();
}
