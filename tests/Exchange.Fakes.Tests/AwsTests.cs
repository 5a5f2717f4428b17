using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Exchange.Fakes.Tests;

public sealed class AwsTests : IDisposable
{
    private readonly Sandbox sandbox = new();

    [Fact]
    public void Update_kubeconfig_writes_a_file_the_real_kubectl_reads()
    {
        sandbox.Deploy();

        var added = Sandbox.Ok(sandbox.Aws("eks", "update-kubeconfig", "--region", "ap-northeast-2", "--name", "exchange-dev"));
        var updated = Sandbox.Ok(sandbox.Aws("eks", "update-kubeconfig", "--region", "ap-northeast-2", "--name", "exchange-dev"));

        const string arn = "arn:aws:eks:ap-northeast-2:111122223333:cluster/exchange-dev";
        Assert.Equal($"Added new context {arn} to {sandbox.Kubeconfig}\n", added.Stdout);
        Assert.Equal($"Updated context {arn} in {sandbox.Kubeconfig}\n", updated.Stdout);
        Assert.Equal(arn, RealKubectl("config", "current-context"));
        Assert.Contains("get-token", RealKubectl("config", "view", "-o", "jsonpath={.users[0].user.exec.args}"));
    }

    [Fact]
    public void Scheduler_schedules_are_created_read_replaced_whole_and_deleted_like_EventBridge_Scheduler()
    {
        const string definition = """{"Name":"s1","ScheduleExpression":"at(2026-12-01T22:00:00)","ScheduleExpressionTimezone":"Asia/Seoul","FlexibleTimeWindow":{"Mode":"OFF"},"Target":{"Arn":"arn:aws:scheduler:::aws-sdk:rds:stopDBInstance","RoleArn":"arn:aws:iam::111122223333:role/r","Input":"{}"},"ActionAfterCompletion":"DELETE"}""";

        Sandbox.Ok(sandbox.Aws("scheduler", "create-schedule", "--cli-input-json", definition));
        var again = sandbox.Aws("scheduler", "create-schedule", "--cli-input-json", definition);
        var got = JsonNode.Parse(Sandbox.Ok(sandbox.Aws("scheduler", "get-schedule", "--name", "s1")).Stdout)!;
        var partial = sandbox.Aws("scheduler", "update-schedule", "--cli-input-json", """{"Name":"s1","ScheduleExpression":"cron(0 20 * * ? *)"}""");
        var readOnly = sandbox.Aws("scheduler", "update-schedule", "--cli-input-json", got.ToJsonString());
        var listed = JsonNode.Parse(Sandbox.Ok(sandbox.Aws("scheduler", "list-schedules", "--name-prefix", "s")).Stdout)!;
        Sandbox.Ok(sandbox.Aws("scheduler", "delete-schedule", "--name", "s1"));
        var gone = sandbox.Aws("scheduler", "get-schedule", "--name", "s1");

        Assert.Contains("(ConflictException)", again.Stderr);
        Assert.Equal("at(2026-12-01T22:00:00)", (string?)got["ScheduleExpression"]);
        Assert.Equal("arn:aws:scheduler:::aws-sdk:rds:stopDBInstance", (string?)got["Target"]!["Arn"]);
        Assert.Contains("Missing required parameter in input: \"FlexibleTimeWindow\"", partial.Stderr);
        Assert.Contains("Unknown parameter in input: \"Arn\"", readOnly.Stderr); // GetSchedule output is not UpdateSchedule input as is
        Assert.Equal(["s1"], listed["Schedules"]!.AsArray().Select(x => (string?)x!["Name"]));
        Assert.Contains("(ResourceNotFoundException)", gone.Stderr);
    }

    [Fact]
    public void A_paused_node_group_reads_back_desired_size_zero()
    {
        sandbox.Deploy();

        Sandbox.Ok(sandbox.Aws("eks", "update-nodegroup-config", "--cluster-name", "exchange-dev", "--nodegroup-name",
            "exchange-dev-spot-nodes", "--scaling-config", "minSize=0,maxSize=4,desiredSize=0"));

        Assert.Equal("0\n", DesiredSize());
    }

    [Fact]
    public void A_node_group_that_ignores_scaling_keeps_its_size()
    {
        sandbox.Deploy();
        sandbox.Env["FAKE_NODEGROUP_IGNORES_SCALING"] = "1";

        Sandbox.Ok(sandbox.Aws("eks", "update-nodegroup-config", "--cluster-name", "exchange-dev", "--nodegroup-name",
            "exchange-dev-spot-nodes", "--scaling-config", "minSize=0,maxSize=4,desiredSize=0"));

        Assert.Equal("2\n", DesiredSize()); // the template's ScalingConfig.DesiredSize
    }

    [Fact]
    public void FAKE_FAIL_fails_the_matching_call_only()
    {
        sandbox.Deploy();
        sandbox.Env["FAKE_FAIL"] = "aws secretsmanager get-secret-value;kubectl rollout";

        var failed = sandbox.Aws("secretsmanager", "get-secret-value", "--secret-id", "exchange-dev-db-credentials");
        var other = sandbox.Aws("sts", "get-caller-identity");

        Assert.Equal(254, failed.Exit);
        Assert.StartsWith("\nAn error occurred (AccessDeniedException) when calling the GetSecretValue operation:", failed.Stderr);
        Assert.Equal("", failed.Stdout);
        Assert.Equal(0, other.Exit);
    }

    [Fact]
    public void The_database_secret_exists_while_its_stack_is_deployed()
    {
        var before = sandbox.Aws("secretsmanager", "get-secret-value", "--secret-id", "exchange-dev-db-credentials");
        sandbox.Deploy();
        var secret = Sandbox.Ok(sandbox.Aws("secretsmanager", "get-secret-value", "--secret-id", "exchange-dev-db-credentials",
            "--query", "SecretString", "--output", "text"));

        Assert.Equal(254, before.Exit);
        Assert.Contains("ResourceNotFoundException", before.Stderr);
        var value = JsonNode.Parse(secret.Stdout)!;
        Assert.Equal("admin", value["username"]!.GetValue<string>());
        Assert.Equal("exchange-dev-mysql.abc123.ap-northeast-2.rds.amazonaws.com", value["host"]!.GetValue<string>());
        Assert.Matches("^[A-Za-z0-9]{32}$", value["password"]!.GetValue<string>());
    }

    [Fact]
    public void Without_credentials_every_call_fails_with_exit_253()
    {
        sandbox.Env["FAKE_AWS_NO_CREDENTIALS"] = "1";

        var result = sandbox.Aws("sts", "get-caller-identity");

        Assert.Equal(253, result.Exit);
        Assert.Equal("Unable to locate credentials. You can configure credentials by running \"aws configure\".\n", result.Stderr);
    }

    [Fact]
    public void An_unknown_option_is_a_usage_error()
    {
        var result = sandbox.Aws("eks", "describe-cluster", "--name", "exchange-dev", "--nmae", "typo");

        Assert.Equal(252, result.Exit);
        Assert.Contains("Unknown options: --nmae", result.Stderr);
    }

    private string DesiredSize() => Sandbox.Ok(sandbox.Aws("eks", "describe-nodegroup", "--cluster-name", "exchange-dev",
        "--nodegroup-name", "exchange-dev-spot-nodes", "--query", "nodegroup.scalingConfig.desiredSize", "--output", "text")).Stdout;

    private string RealKubectl(params string[] args)
    {
        var start = new ProcessStartInfo(sandbox.Toolbox.Defaults["FAKE_REAL_KUBECTL"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        start.Environment["KUBECONFIG"] = sandbox.Kubeconfig;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, process.StandardError.ReadToEnd());
        return output.Trim();
    }

    public void Dispose() => sandbox.Dispose();
}
