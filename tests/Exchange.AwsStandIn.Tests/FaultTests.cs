namespace Exchange.AwsStandIn.Tests;

/// <summary>Faults as the real aws CLI meets them: refusals worded as AWS words them, throttling, stalls, an enforced policy.</summary>
public sealed class FaultTests : IDisposable
{
    private readonly World _world = new();

    private string Caller => _world.Cloud.DefaultCaller.Arn;

    [Fact]
    public void A_denied_action_fails_with_the_wording_of_its_protocol()
    {
        _world.Faults.Deny("cloudformation:DescribeStacks").Deny("ecr:GetAuthorizationToken").Deny("ec2:DescribeInstances").Deny("eks:DescribeCluster");

        var query = _world.Aws("cloudformation", "describe-stacks", "--stack-name", "Exchange-dev-Eks");
        var json = _world.Aws("ecr", "get-login-password");
        var ec2 = _world.Aws("ec2", "describe-instances", "--instance-ids", "i-0123456789abcdef0");
        var rest = _world.Aws("eks", "describe-cluster", "--name", "exchange-dev");

        Assert.Contains($"An error occurred (AccessDenied) when calling the DescribeStacks operation: User: {Caller} is not authorized to perform: " +
                        "cloudformation:DescribeStacks on resource: arn:aws:cloudformation:ap-northeast-2:111122223333:stack/Exchange-dev-Eks/* " +
                        "because no identity-based policy allows the cloudformation:DescribeStacks action", query.Stderr);
        Assert.Contains("An error occurred (AccessDeniedException) when calling the GetAuthorizationToken operation: " +
                        $"User: {Caller} is not authorized to perform: ecr:GetAuthorizationToken", json.Stderr);
        Assert.Contains("An error occurred (UnauthorizedOperation) when calling the DescribeInstances operation: " +
                        "You are not authorized to perform this operation.", ec2.Stderr);
        Assert.Contains("An error occurred (AccessDeniedException) when calling the DescribeCluster operation", rest.Stderr);
        Assert.All(new[] { query, json, ec2, rest }, r => Assert.NotEqual(0, r.ExitCode));
    }

    [Fact]
    public void A_throttled_call_is_retried_by_the_CLI_and_succeeds_once_the_throttle_lifts()
    {
        _world.Faults.Throttle("sts:GetCallerIdentity", 2);

        var result = _world.Aws("sts", "get-caller-identity");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["Throttling", "Throttling", null], _world.StandIn.Requests.Select(r => r.Error));
    }

    [Fact]
    public void A_throttle_longer_than_the_retries_reaches_the_caller()
    {
        _world.Faults.Throttle("logs:DescribeLogGroups", 10);

        var result = _world.Aws("logs", "describe-log-groups");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("(ThrottlingException)", result.Stderr);
        Assert.Contains("reached max retries", result.Stderr);
    }

    [Fact]
    public void Credentials_the_stand_in_does_not_know_are_refused_as_an_invalid_token()
    {
        _world.Env["AWS_ACCESS_KEY_ID"] = "AKIANOBODYKNOWSTHIS";

        var result = _world.Aws("sts", "get-caller-identity");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: " +
                        "The security token included in the request is invalid.", result.Stderr);
    }

    [Fact]
    public void An_enforced_policy_allows_its_actions_and_refuses_the_rest()
    {
        _world.Faults.EnforcePolicy("""
            { "Version": "2012-10-17", "Statement": [
              { "Effect": "Allow", "Action": ["sts:GetCallerIdentity", "tag:GetResources", "logs:Describe*"], "Resource": "*" },
              { "Effect": "Deny", "Action": "logs:DescribeLogGroups", "Resource": "*" } ] }
            """);

        Assert.Equal(0, _world.Aws("sts", "get-caller-identity").ExitCode);
        Assert.Equal(0, _world.Aws("resourcegroupstaggingapi", "get-resources").ExitCode);
        var denied = _world.Aws("logs", "describe-log-groups");
        var unlisted = _world.Aws("ssm", "get-parameter", "--name", "/cdk-bootstrap/hnb659fds/version");

        Assert.Contains("is not authorized to perform: logs:DescribeLogGroups", denied.Stderr);
        Assert.Contains("(AccessDeniedException) when calling the GetParameter operation", unlisted.Stderr);
        Assert.Contains("tag:GetResources", _world.StandIn.Requests.Select(r => r.Action));
    }

    [Fact]
    public void A_stop_settles_on_the_next_look_unless_it_is_stalled()
    {
        var template = _world.Write("t.json", """
            { "Resources": { "A": { "Type": "AWS::EC2::Instance", "Properties": { "InstanceType": "t3.small" } },
                             "B": { "Type": "AWS::EC2::Instance", "Properties": { "InstanceType": "t3.small" } } } }
            """);
        Assert.Equal(0, _world.Aws("cloudformation", "deploy", "--template-file", template, "--stack-name", "Hosts").ExitCode);
        var (a, b) = (_world.Cloud.Instances.Keys.First(), _world.Cloud.Instances.Keys.Last());
        string State(string id) => _world.Aws("ec2", "describe-instances", "--instance-ids", id,
            "--query", "Reservations[0].Instances[0].State.Name", "--output", "text").Stdout.Trim();

        Assert.Equal(0, _world.Aws("ec2", "stop-instances", "--instance-ids", a).ExitCode);
        Assert.Equal("stopped", State(a));

        _world.Faults.Stall("ec2:StopInstances");
        Assert.Equal(0, _world.Aws("ec2", "stop-instances", "--instance-ids", b).ExitCode);
        Assert.Equal("stopping", State(b));
        Assert.Equal("stopping", State(b));
    }

    public void Dispose() => _world.Dispose();
}
