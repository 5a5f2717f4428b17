using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Exchange.AwsStandIn.Tests;

/// <summary>
/// What a real account refuses about reaching a cluster: a second access entry for one principal, a role named without its path, a
/// session to an instance whose agent is not online, and a private endpoint from the internet; and what it allows through SSM.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ClusterReachTests : IDisposable
{
    private readonly World _world = new();
    private static readonly string SsoRole = $"arn:aws:iam::{World.Account}:role/aws-reserved/sso.amazonaws.com/ap-northeast-2/{Cloud.SsoRole}";

    private static string Cluster(bool publicFor = false) => $$"""
        "Cluster": { "Type": "AWS::EKS::Cluster", "Properties": { "Name": "reach", "RoleArn": "arn:aws:iam::111122223333:role/eks",
          "ResourcesVpcConfig": { "SubnetIds": ["subnet-1"], "EndpointPrivateAccess": true, "EndpointPublicAccess": {{(publicFor ? "true" : "false")}}
            {{(publicFor ? ", \"PublicAccessCidrs\": [\"203.0.113.0/24\"]" : "")}} } } }
        """;

    private static string Entry(string logicalId, string principal, string policy = "AmazonEKSClusterAdminPolicy") => $$"""
        "{{logicalId}}": { "Type": "AWS::EKS::AccessEntry", "Properties": { "ClusterName": { "Ref": "Cluster" }, "PrincipalArn": "{{principal}}",
          "AccessPolicies": [{ "PolicyArn": "arn:aws:eks::aws:cluster-access-policy/{{policy}}", "AccessScope": { "Type": "cluster" } }] } }
        """;

    private const string Jump = """
        "Jump": { "Type": "AWS::EC2::Instance", "Properties": { "InstanceType": "t4g.nano", "IamInstanceProfile": { "Ref": "JumpProfile" } } },
        "JumpRole": { "Type": "AWS::IAM::Role", "Properties": { "AssumeRolePolicyDocument": {},
          "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"] } },
        "JumpProfile": { "Type": "AWS::IAM::InstanceProfile", "Properties": { "Roles": [{ "Ref": "JumpRole" }] } },
        "Plain": { "Type": "AWS::EC2::Instance", "Properties": { "InstanceType": "t4g.nano" } }
        """;

    /// <summary>Creates or updates the stack through a change set, as cdk does; exit 1 when the stack rolled back.</summary>
    private CliResult Deploy(params string[] resources)
    {
        var template = _world.Write($"t{Guid.NewGuid():N}.json", $$"""{ "Resources": { {{string.Join(",\n", resources)}} } }""");
        if (!_world.Cloud.Stacks.ContainsKey("Reach"))
            return _world.Aws("cloudformation", "deploy", "--stack-name", "Reach", "--template-file", template);
        var name = "update-" + Guid.NewGuid().ToString("N")[..8];
        var created = _world.Aws("cloudformation", "create-change-set", "--stack-name", "Reach", "--change-set-name", name, "--change-set-type", "UPDATE",
            "--template-body", "file://" + template);
        if (created.ExitCode != 0) return created;
        var executed = _world.Aws("cloudformation", "execute-change-set", "--stack-name", "Reach", "--change-set-name", name);
        var status = _world.Cloud.Stacks["Reach"].Status;
        return executed with { ExitCode = executed.ExitCode != 0 || status.Contains("ROLLBACK", StringComparison.Ordinal) ? 1 : 0, Stderr = status };
    }

    [Fact]
    public void An_access_entry_whose_principal_already_has_one_fails_the_deploy_and_the_stack_rolls_back_to_the_first()
    {
        Assert.Equal(0, Deploy(Cluster(), Entry("AdminAccessEntry", SsoRole)).ExitCode);

        var moved = Deploy(Cluster(), Entry("AccessEntryNew", SsoRole)); // CloudFormation creates the new one before it deletes the old

        Assert.NotEqual(0, moved.ExitCode);
        var events = _world.Aws("cloudformation", "describe-stack-events", "--stack-name", "Reach").Stdout;
        Assert.Contains("The specified access entry resource is already in use on this cluster", events);
        Assert.Equal(["AdminAccessEntry"], _world.Cloud.Stacks["Reach"].Resources.Keys.Where(k => k.Contains("Access")).ToArray());
        Assert.Single(_world.Cloud.AccessEntries);
    }

    [Fact]
    public void A_role_named_without_its_path_is_an_invalid_principal_and_removing_an_entry_deletes_it()
    {
        var pathless = Deploy(Cluster(), Entry("Sso", $"arn:aws:iam::{World.Account}:role/{Cloud.SsoRole}"));

        Assert.NotEqual(0, pathless.ExitCode);
        Assert.Contains("The specified principalArn is invalid", _world.Aws("cloudformation", "describe-stack-events", "--stack-name", "Reach").Stdout);

        _world.Aws("cloudformation", "delete-stack", "--stack-name", "Reach");
        Assert.Equal(0, Deploy(Cluster(), Entry("Sso", SsoRole), Entry("Ci", $"arn:aws:iam::{World.Account}:user/ci", "AmazonEKSViewPolicy")).ExitCode);
        Assert.Equal(0, Deploy(Cluster(), Entry("Sso", SsoRole)).ExitCode);

        var entries = JsonNode.Parse(_world.Aws("eks", "list-access-entries", "--cluster-name", "reach").Stdout)!["accessEntries"]!.AsArray();
        Assert.Equal([SsoRole], entries.Select(e => e!.GetValue<string>()));
    }

    [Fact]
    public void A_session_starts_only_on_a_running_instance_whose_role_has_the_ssm_policy()
    {
        Assert.Equal(0, Deploy(Cluster(), Jump).ExitCode);
        var jump = _world.Cloud.Stacks["Reach"].Resources["Jump"].PhysicalId;
        var plain = _world.Cloud.Stacks["Reach"].Resources["Plain"].PhysicalId;
        _world.Aws("ec2", "stop-instances", "--instance-ids", jump);
        _world.Aws("ec2", "describe-instances", "--instance-ids", jump); // settles: stopped

        var info = _world.Aws("ssm", "describe-instance-information", "--filters", $"Key=InstanceIds,Values={jump},{plain}").Stdout;
        var stopped = StartSession(jump);
        var noRole = StartSession(plain);

        Assert.Contains("ConnectionLost", info);
        Assert.DoesNotContain(plain, info); // an agent without credentials never registers
        Assert.Contains($"An error occurred (TargetNotConnected) when calling the StartSession operation: {jump} is not connected", stopped.Stderr);
        Assert.Contains($"{plain} is not connected", noRole.Stderr);
    }

    [Fact]
    public void StartSession_is_authorized_on_the_instance_and_the_document_and_TerminateSession_on_the_session()
    {
        Assert.Equal(0, Deploy(Cluster(), Jump).ExitCode);
        var jump = _world.Cloud.Stacks["Reach"].Resources["Jump"].PhysicalId;
        var instance = $"arn:aws:ec2:ap-northeast-2:{World.Account}:instance/{jump}";
        _world.Faults.EnforcePolicy($$"""
            { "Version": "2012-10-17", "Statement": [
              { "Effect": "Allow", "Action": "ssm:StartSession",
                "Resource": "arn:aws:ssm:ap-northeast-2::document/AWS-StartPortForwardingSessionToRemoteHost" } ] }
            """);

        var refused = StartSession(jump);

        Assert.Contains($"is not authorized to perform: ssm:StartSession on resource: {instance}", refused.Stderr);
        Assert.Empty(_world.Cloud.Sessions);
    }

    [Fact]
    public void A_private_endpoint_times_out_from_the_internet_and_answers_through_a_data_channel_with_the_callers_access()
    {
        Assert.Equal(0, Deploy(Cluster(), Jump, Entry("Sso", SsoRole)).ExitCode);
        var endpoint = new Uri(_world.Cloud.Clusters["reach"]["endpoint"]!.GetValue<string>());
        var jump = _world.Cloud.Stacks["Reach"].Resources["Jump"].PhysicalId;
        var developer = _world.Cloud.DefaultCaller.AccessKeyId;

        var fromInternet = WhoAmIFromInternet(endpoint.Host, developer);
        var session = StartSession(jump, endpoint.Host);
        Assert.True(session.ExitCode == 0, session.ToString());
        var (id, record) = _world.Cloud.Sessions.Single();
        var throughSsm = WhoAmIThroughDataChannel(id, record.Token, endpoint.Host, developer);
        _world.Cloud.AddIdentity("STANDIN-STRANGER", World.Account, $"arn:aws:iam::{World.Account}:user/stranger");
        var stranger = WhoAmIThroughDataChannel(id, record.Token, endpoint.Host, "STANDIN-STRANGER");
        _world.Aws("ssm", "terminate-session", "--session-id", id);
        var afterTerminate = Channel(id, record.Token, "data");

        Assert.Equal(504, fromInternet.Status);
        Assert.Contains(":443: i/o timeout", fromInternet.Body);
        Assert.StartsWith("HTTP/1.1 200", throughSsm);
        Assert.Contains($"\"principal\":\"{SsoRole}\"", throughSsm);
        Assert.Contains("\"access\":\"admin\"", throughSsm);
        Assert.StartsWith("HTTP/1.1 401", stranger);
        Assert.StartsWith($"ERR session {id} was terminated", afterTerminate);
    }

    [Fact]
    public void A_public_endpoint_answers_from_the_internet_only_when_its_cidrs_contain_this_machine()
    {
        Assert.Equal(0, Deploy(Cluster(publicFor: true), Entry("Sso", SsoRole, "AmazonEKSViewPolicy")).ExitCode);
        var host = new Uri(_world.Cloud.Clusters["reach"]["endpoint"]!.GetValue<string>()).Host;

        var admitted = WhoAmIFromInternet(host, _world.Cloud.DefaultCaller.AccessKeyId);
        _world.Cloud.ClientPublicAddress = "198.51.100.20";
        var elsewhere = WhoAmIFromInternet(host, _world.Cloud.DefaultCaller.AccessKeyId);

        Assert.Equal(200, admitted.Status);
        Assert.Contains("\"access\":\"view\"", admitted.Body);
        Assert.Equal(504, elsewhere.Status);
    }

    private CliResult StartSession(string instance, string host = "localhost")
    {
        _world.Write("plugin/session-manager-plugin", "#!/bin/sh\n[ \"$1\" = --version ] && echo 1.2.707.0\nexit 0\n");
        File.SetUnixFileMode(Path.Combine(_world.Root, "plugin", "session-manager-plugin"), UnixFileMode.UserRead | UnixFileMode.UserExecute);
        _world.Env["PATH"] = Path.Combine(_world.Root, "plugin") + ":" + Environment.GetEnvironmentVariable("PATH");
        return _world.Aws("ssm", "start-session", "--target", instance, "--document-name", "AWS-StartPortForwardingSessionToRemoteHost",
            "--parameters", $"host={host},portNumber=443,localPortNumber=50000");
    }

    private (int Status, string Body) WhoAmIFromInternet(string host, string accessKey)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, _world.StandIn.Endpoint + ClusterApi.WhoAmIPath);
        request.Headers.Host = host;
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessKey);
        using var response = http.Send(request);
        return ((int)response.StatusCode, new StreamReader(response.Content.ReadAsStream()).ReadToEnd());
    }

    private string WhoAmIThroughDataChannel(string session, string token, string host, string accessKey) =>
        Channel(session, token, "data", $"GET {ClusterApi.WhoAmIPath} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {accessKey}\r\n\r\n");

    /// <summary>Opens a channel as the plugin does and returns everything the stand-in answers until it closes the channel.</summary>
    private string Channel(string session, string token, string kind, string? request = null)
    {
        var endpoint = _world.Cloud.DataChannelEndpoint.Split(':');
        using var client = new TcpClient(endpoint[0], int.Parse(endpoint[1], System.Globalization.CultureInfo.InvariantCulture));
        var stream = client.GetStream();
        stream.Write(Encoding.ASCII.GetBytes($"{session} {token} {kind}\n{request}"));
        using var reader = new StreamReader(stream);
        var first = reader.ReadLine();
        return first == "OK" ? reader.ReadToEnd() : first ?? "";
    }

    public void Dispose() => _world.Dispose();
}
