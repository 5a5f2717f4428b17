using System.Text.Json.Nodes;

namespace Exchange.AwsStandIn.Tests;

/// <summary>
/// CloudFormation's replacement of an instance, through the real CDK CLI: the new instance is created before the old one is
/// deleted, so a volume the old instance holds through its <c>Volumes</c> cannot follow it (VolumeInUse), while a data
/// volume in the instance's own block device mappings comes and goes with each instance.
/// </summary>
public sealed class ReplacementTests : IDisposable
{
    private const string Stack = "StandIn-Broker";
    private const string Arm = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";
    private const string X86 = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
    private readonly World _world = new();

    public ReplacementTests()
    {
        var bootstrap = _world.Cdk("bootstrap", $"aws://{World.Account}/ap-northeast-2");
        Assert.True(bootstrap.ExitCode == 0, bootstrap.ToString());
    }

    /// <summary>The Redpanda host as it was: a separate data volume attached through the instance's Volumes.</summary>
    private static JsonObject SeparateVolume(string image, string type) => Template(new JsonObject
    {
        ["DataVolume"] = new JsonObject
        {
            ["Type"] = "AWS::EC2::Volume",
            ["Properties"] = new JsonObject { ["AvailabilityZone"] = "ap-northeast-2a", ["Size"] = 10, ["VolumeType"] = "gp3", ["Encrypted"] = true },
        },
        ["Broker"] = Instance(image, type, [Mapping("/dev/xvda", 20)], volumes: new JsonArray(new JsonObject
        {
            ["Device"] = "/dev/sdf", ["VolumeId"] = new JsonObject { ["Ref"] = "DataVolume" },
        })),
    });

    /// <summary>The Redpanda host as it is now: the data volume is the instance's second block device.</summary>
    private static JsonObject OwnVolume(string image, string type, bool deleteOnTermination = true) => Template(new JsonObject
    {
        ["Broker"] = Instance(image, type, [Mapping("/dev/xvda", 20), Mapping("/dev/sdf", 10, deleteOnTermination)]),
    });

    private static JsonObject Template(JsonObject resources) => new()
    {
        ["Resources"] = resources,
        ["Outputs"] = new JsonObject
        {
            ["InstanceId"] = new JsonObject { ["Value"] = new JsonObject { ["Ref"] = "Broker" } },
            ["PrivateIp"] = new JsonObject { ["Value"] = new JsonObject { ["Fn::GetAtt"] = new JsonArray("Broker", "PrivateIp") } },
        },
    };

    private static JsonObject Instance(string image, string type, JsonObject[] mappings, JsonArray? volumes = null)
    {
        var properties = new JsonObject
        {
            ["AvailabilityZone"] = "ap-northeast-2a", ["ImageId"] = image, ["InstanceType"] = type,
            ["BlockDeviceMappings"] = new JsonArray(mappings.Select(m => (JsonNode)m).ToArray()),
        };
        if (volumes is not null) properties["Volumes"] = volumes;
        return new JsonObject
        {
            ["Type"] = "AWS::EC2::Instance",
            ["CreationPolicy"] = new JsonObject { ["ResourceSignal"] = new JsonObject { ["Count"] = 1, ["Timeout"] = "PT15M" } },
            ["Properties"] = properties,
        };
    }

    private static JsonObject Mapping(string device, int gb, bool deleteOnTermination = true) => new()
    {
        ["DeviceName"] = device,
        ["Ebs"] = new JsonObject { ["VolumeSize"] = gb, ["VolumeType"] = "gp3", ["Encrypted"] = true, ["DeleteOnTermination"] = deleteOnTermination },
    };

    private CliResult Deploy(JsonObject template)
    {
        _world.Write($"assembly/{Stack}.template.json", template.ToJsonString());
        _world.Write("assembly/manifest.json", $$"""
            { "version": "36.0.0", "artifacts": { "{{Stack}}": { "type": "aws:cloudformation:stack",
              "environment": "aws://{{World.Account}}/ap-northeast-2",
              "properties": { "templateFile": "{{Stack}}.template.json", "validateOnSynth": false }, "displayName": "{{Stack}}" } } }
            """);
        return _world.Cdk("deploy", "--app", Path.Combine(_world.Root, "assembly"), "--all", "--require-approval", "never",
            "--outputs-file", Path.Combine(_world.Root, "outputs.json"));
    }

    private string Output(string key) => JsonNode.Parse(File.ReadAllText(Path.Combine(_world.Root, "outputs.json")))![Stack]![key]!.GetValue<string>();

    private string StackEvents()
    {
        var events = _world.Aws("cloudformation", "describe-stack-events", "--stack-name", Stack);
        Assert.True(events.ExitCode == 0, events.ToString());
        return events.Stdout;
    }

    [Fact]
    public void A_host_holding_its_data_volume_through_Volumes_cannot_be_replaced_the_new_one_meets_VolumeInUse_and_the_stack_rolls_back()
    {
        var first = Deploy(SeparateVolume(Arm, "t4g.small"));
        Assert.True(first.ExitCode == 0, first.ToString());
        var old = Output("InstanceId");
        var volume = _world.Cloud.Volumes.Single(v => Provisioner.AttachedTo(v.Value) == old && v.Value["Size"]!.GetValue<int>() == 10).Key;

        var replace = Deploy(SeparateVolume(X86, "t3.small")); // a new AMI: ImageId replaces the instance

        Assert.NotEqual(0, replace.ExitCode);
        Assert.Contains("VolumeInUse", replace.Output);
        Assert.Equal("UPDATE_ROLLBACK_COMPLETE", _world.Cloud.Stacks[Stack].Status);
        Assert.Equal([old], _world.Cloud.Instances.Keys); // the replacement was created and removed again; the old host is untouched
        Assert.Equal(old, Provisioner.AttachedTo(_world.Cloud.Volumes[volume]));
        Assert.Contains("Requested update requires the creation of a new physical resource", StackEvents());
        Assert.Empty(_world.Cloud.Violations);
    }

    [Fact]
    public void A_host_whose_data_volume_is_its_own_block_device_is_replaced_in_one_deploy_with_a_new_empty_data_volume()
    {
        var first = Deploy(OwnVolume(Arm, "t4g.small"));
        Assert.True(first.ExitCode == 0, first.ToString());
        var old = Output("InstanceId");
        var oldIp = Output("PrivateIp");
        var oldVolumes = _world.Cloud.Volumes.Keys.ToArray();

        var replace = Deploy(OwnVolume(X86, "t3.small"));

        Assert.True(replace.ExitCode == 0, replace.ToString());
        var replacement = Output("InstanceId");
        Assert.NotEqual(old, replacement);
        Assert.NotEqual(oldIp, Output("PrivateIp")); // a new host has a new address: the workloads' bootstrap address changes with it
        Assert.Equal([replacement], _world.Cloud.Instances.Keys); // the old host went in the cleanup
        Assert.Equal(2, _world.Cloud.Volumes.Count);
        Assert.All(_world.Cloud.Volumes, v => Assert.Equal(replacement, Provisioner.AttachedTo(v.Value)));
        Assert.Empty(oldVolumes.Intersect(_world.Cloud.Volumes.Keys)); // deleted with the old host: the data starts afresh
        Assert.Equal("UPDATE_COMPLETE", _world.Cloud.Stacks[Stack].Status);
        var events = JsonNode.Parse(StackEvents())!["StackEvents"]!.AsArray().Reverse().Select(e => (
            Status: e!["ResourceStatus"]!.GetValue<string>(), Physical: e["PhysicalResourceId"]?.GetValue<string>(),
            Reason: e["ResourceStatusReason"]?.GetValue<string>())).ToList();
        var created = events.FindIndex(e => e.Physical == replacement && e.Status == "UPDATE_COMPLETE");
        var deleted = events.FindIndex(e => e.Physical == old && e.Status == "DELETE_COMPLETE");
        Assert.Contains(events, e => e.Reason?.StartsWith("Requested update requires the creation of a new physical resource",
            StringComparison.Ordinal) == true);
        Assert.True(created >= 0 && deleted > created, string.Join("\n", events)); // created first, the old one deleted after
        Assert.Empty(_world.Cloud.Violations);
    }

    [Fact]
    public void Changes_the_instance_type_allows_in_place_or_only_DeleteOnTermination_keep_the_same_host()
    {
        Assert.Equal(0, Deploy(OwnVolume(Arm, "t4g.small")).ExitCode);
        var host = Output("InstanceId");

        var resized = Deploy(OwnVolume(Arm, "t4g.medium"));
        var keepData = Deploy(OwnVolume(Arm, "t4g.medium", deleteOnTermination: false));

        Assert.True(resized.ExitCode == 0, resized.ToString());
        Assert.True(keepData.ExitCode == 0, keepData.ToString());
        Assert.Equal([host], _world.Cloud.Instances.Keys);
        Assert.Equal(host, Output("InstanceId"));
        Assert.DoesNotContain("Requested update requires the creation of a new physical resource", StackEvents());
    }

    public void Dispose() => _world.Dispose();
}
