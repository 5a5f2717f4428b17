using System.Text.Json.Nodes;

namespace Exchange.Pipeline.Tests;

/// <summary>What a real AWS account has that an empty one does not: SSO identities, leftover log groups, the nodes' platform.</summary>
public sealed class RealAccountTests : IDisposable
{
    private static PipelineWorld world => PipelineWorld.Shared;
    private const string SsoRole = "AWSReservedSSO_Admin_abc123";
    private const string SsoPath = "/aws-reserved/sso.amazonaws.com/ap-northeast-2/";
    private readonly PipelineRun _run = new(world);

    [Fact]
    public void An_SSO_identity_gets_an_access_entry_for_its_role_ARN_with_the_path()
    {
        _run.SignInAs(PipelineRun.Account, $"arn:aws:sts::{PipelineRun.Account}:assumed-role/{SsoRole}/jane@example.com");
        _run.Cloud.Roles[SsoRole] = _run.Cloud.Role(SsoRole, SsoPath);

        var deploy = _run.Build("--target=DeployInfra");

        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        var expected = $"arn:aws:iam::{PipelineRun.Account}:role{SsoPath}{SsoRole}";
        Assert.Contains(_run.Calls, c => c.CommandLine.StartsWith($"aws iam get-role --role-name {SsoRole}", StringComparison.Ordinal));
        var template = JsonNode.Parse(File.ReadAllText(Path.Combine(_run.CdkOut, "Exchange-dev-Eks.template.json")))!;
        var entry = template["Resources"]!.AsObject().Select(r => r.Value!).Single(r => (string?)r["Type"] == "AWS::EKS::AccessEntry");
        Assert.Equal(expected, (string?)entry["Properties"]!["PrincipalArn"]);
        Assert.Contains($"Your role: {expected}", deploy.Text);
        Assert.Contains("is not in the cluster access list: it gets cluster-admin for this deploy only", deploy.Text);
    }

    [Fact]
    public void An_unlisted_SSO_role_that_cannot_be_looked_up_stops_before_cdk_and_says_to_list_it()
    {
        _run.SignInAs(PipelineRun.Account, $"arn:aws:sts::{PipelineRun.Account}:assumed-role/{SsoRole}/jane@example.com");
        _run.Cloud.Roles[SsoRole] = _run.Cloud.Role(SsoRole, SsoPath);
        _run.Faults.Deny("iam:GetRole");

        var deploy = _run.Build("--target=DeployInfra");

        Assert.NotEqual(0, deploy.ExitCode);
        Assert.Contains($"--eks-admins=role/PATH/{SsoRole}", deploy.Text);
        // Bootstrap comes first and needs no app (nor the admin principal): the account gets CDKToolkit, which every deploy needs anyway;
        // nothing of this environment is synthesized or deployed.
        Assert.DoesNotContain(_run.Calls, c => c.Tool == "cdk" && c.Args.FirstOrDefault() is "synth" or "deploy");
    }

    [Fact]
    public void A_leftover_control_plane_log_group_is_deleted_before_the_first_deploy_and_the_images_are_built_for_the_nodes()
    {
        _run.LeftoverLogGroup("/aws/eks/exchange-dev/cluster");

        var deploy = _run.Build("--target=DeployDev");

        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        CallOrder.Assert(_run.Calls.Select(c => c.CommandLine).ToList(),
            "aws logs describe-log-groups --log-group-name-prefix /aws/eks/exchange-dev/cluster",
            "aws logs delete-log-group --log-group-name /aws/eks/exchange-dev/cluster",
            "cdk deploy --app");
        Assert.Contains("Log group /aws/eks/exchange-dev/cluster was left by an earlier cluster", deploy.Text);
        Assert.Contains("Building matching-engine-shard", deploy.Text);
        Assert.Contains("for linux/amd64", deploy.Text);
    }

    public void Dispose() => _run.Dispose();
}
