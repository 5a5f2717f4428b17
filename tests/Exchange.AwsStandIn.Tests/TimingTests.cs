using System.Text.Json.Nodes;

namespace Exchange.AwsStandIn.Tests;

/// <summary>The time-scaled world: stacks take as long as AWS takes for their resources (scaled), in dependency order.</summary>
public sealed class TimingTests : IDisposable
{
    private readonly World _world = new();

    private static JsonObject Template(string json) => JsonNode.Parse(json)!.AsObject();

    private static string[] All(JsonObject template) => template["Resources"]!.AsObject().Select(r => r.Key).ToArray();

    [Fact]
    public void A_stack_takes_its_longest_chain_of_dependent_resources_not_their_sum_nor_only_the_slowest()
    {
        // Data: the database (6 min) before the secret attachment that references it; the secret and the log group on their own.
        var data = Template(Templates.Data);
        // App: an instance CloudFormation waits on for its signal (2 min), beside a custom type (seconds).
        var app = Template(Templates.App);

        Assert.Equal(6.1, ResourceTiming.CriticalPath(data, All(data), deleting: false), 6);
        Assert.Equal(2.0, ResourceTiming.CriticalPath(app, All(app), deleting: false), 6);
        Assert.Equal(0.1, ResourceTiming.CriticalPath(data, ["Logs"], deleting: false), 6); // an update that touches only the log group
    }

    [Fact]
    public void The_critical_path_of_an_assembly_chains_the_stacks_in_their_dependency_order()
    {
        var stacks = CriticalPath.Of(Templates.Assembly(_world));

        var app = stacks.Single(s => s.Name == "StandIn-App");
        Assert.Equal(6.1, app.Start, 6);
        Assert.Equal(8.1, app.Finish, 6);
        Assert.Equal("StandIn-Data", app.WaitsFor);
        Assert.Equal(["StandIn-Data", "StandIn-App"], CriticalPath.Chain(stacks).Select(s => s.Name));
    }

    [Fact]
    public void Only_the_resources_a_stacks_conditions_create_count_toward_its_time()
    {
        var first = _world.Write("first.json", """
            {
              "Parameters": { "WithDatabase": { "Type": "String", "Default": "no" } },
              "Conditions": { "MakeDatabase": { "Fn::Equals": [{ "Ref": "WithDatabase" }, "yes"] } },
              "Resources": {
                "Db": { "Type": "AWS::RDS::DBInstance", "Condition": "MakeDatabase", "Properties": { "DBInstanceClass": "db.t4g.micro" } },
                "Logs": { "Type": "AWS::Logs::LogGroup", "Properties": {} }
              }
            }
            """);
        var assembly = Templates.Assembly(_world);

        var without = CriticalPath.Of(assembly, ("First", first)).Single(s => s.Name == "First");
        var with = CriticalPath.Of(assembly, ("First", first), new Dictionary<string, string> { ["WithDatabase"] = "yes" });

        Assert.Equal(0.1, without.Minutes, 6);
        Assert.Equal(6.0, with.Single(s => s.Name == "First").Minutes, 6);
        Assert.Equal("First", with.Single(s => s.Name == "StandIn-Data").WaitsFor); // every stack after the first one
    }

    [Fact]
    public void A_timed_stack_stays_in_progress_until_its_resources_are_done_then_completes_with_events_at_that_time()
    {
        _world.Cloud.Timing = new ResourceTiming(secondsPerMinute: 1); // Data: 6.1 AWS minutes = 6.1 s
        var data = Template(Templates.Data);
        data.Remove("Parameters"); // no bootstrap here
        var template = _world.Write("data.json", data.ToJsonString());
        var create = _world.Aws("cloudformation", "create-change-set", "--stack-name", "Timed", "--change-set-name", "first",
            "--change-set-type", "CREATE", "--template-body", $"file://{template}");
        Assert.True(create.ExitCode == 0, create.ToString());

        var executed = _world.Aws("cloudformation", "execute-change-set", "--stack-name", "Timed", "--change-set-name", "first");
        string statusDuring;
        bool secretDuring;
        lock (_world.Cloud) // what the next request would see (each completes what is due first); in-process, so the CLI's start-up does not count
        {
            CloudFormation.Advance(_world.Cloud);
            (statusDuring, secretDuring) = (_world.Cloud.Stacks["Timed"].Status, _world.Cloud.Secrets.ContainsKey("standin-db-credentials"));
        }
        var during = _world.Aws("cloudformation", "describe-stacks", "--stack-name", "Timed");
        var after = during;
        for (var i = 0; i < 30 && Status(after) == "CREATE_IN_PROGRESS"; i++)
        {
            Thread.Sleep(TimeSpan.FromSeconds(1));
            after = _world.Aws("cloudformation", "describe-stacks", "--stack-name", "Timed");
        }
        var events = _world.Aws("cloudformation", "describe-stack-events", "--stack-name", "Timed");

        Assert.True(executed.ExitCode == 0, executed.ToString());
        Assert.Equal("CREATE_IN_PROGRESS", statusDuring);
        Assert.False(secretDuring); // nothing exists before the stack is done
        Assert.Equal("CREATE_COMPLETE", Status(after));
        Assert.Contains("standin-db-credentials", _world.Cloud.Secrets.Keys);
        var stackEvents = JsonNode.Parse(events.Stdout)!["StackEvents"]!.AsArray().Where(e => e!["LogicalResourceId"]!.ToString() == "Timed")
            .Select(e => (Status: e!["ResourceStatus"]!.ToString(), At: DateTimeOffset.Parse(e["Timestamp"]!.ToString(),
                System.Globalization.CultureInfo.InvariantCulture))).ToList();
        var began = stackEvents.Single(e => e.Status == "CREATE_IN_PROGRESS").At;
        var done = stackEvents.Single(e => e.Status == "CREATE_COMPLETE").At;
        Assert.InRange((done - began).TotalSeconds, 6.05, 6.25); // the due time, not the time of the describe that saw it
        var operation = Assert.Single(_world.Cloud.Timeline);
        Assert.Equal(("Timed", "CREATE", 6.1), (operation.Stack, operation.Operation, Math.Round(operation.AwsMinutes, 6)));
        Assert.Empty(_world.Cloud.Violations);
    }

    [Fact]
    public void Cdk_deploys_dependent_stacks_one_after_the_other_in_the_timed_world_and_deletes_them_in_their_time_too()
    {
        _world.Cloud.Timing = new ResourceTiming(secondsPerMinute: 0.2); // Data 1.22 s, then App 0.4 s
        Assert.Equal(0, _world.Cdk("bootstrap", $"aws://{World.Account}/ap-northeast-2").ExitCode);
        var app = Templates.Assembly(_world);

        var deploy = _world.Cdk("deploy", "--app", app, "--all", "--require-approval", "never");
        var destroy = _world.Cdk("destroy", "--app", app, "--all", "--force");

        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        Assert.True(destroy.ExitCode == 0, destroy.ToString());
        var timeline = _world.Cloud.Timeline.ToDictionary(t => (t.Stack, t.Operation));
        Assert.True(timeline[("StandIn-App", "CREATE")].Began >= timeline[("StandIn-Data", "CREATE")].Due, "App began before Data was done");
        Assert.True(timeline[("StandIn-Data", "DELETE")].Began >= timeline[("StandIn-App", "DELETE")].Due, "Data was deleted before App");
        Assert.Equal(6.0 + 0.1, timeline[("StandIn-Data", "DELETE")].AwsMinutes, 6); // the database's deletion, then the attachment's
        Assert.DoesNotContain(_world.Cloud.Stacks.Keys, k => k.StartsWith("StandIn-", StringComparison.Ordinal));
        Assert.Empty(_world.Cloud.Violations);
    }

    private static string Status(CliResult result) => JsonNode.Parse(result.Stdout)!["Stacks"]![0]!["StackStatus"]!.ToString();

    public void Dispose() => _world.Dispose();
}
