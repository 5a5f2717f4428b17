using Exchange.Contracts;

namespace Exchange.Pipeline.Tests;

/// <summary>
/// Who reaches the cluster, and how, from a deployed environment: the access list decides who keeps access across other identities'
/// deploys, and a way to the cluster that cannot work ends the run before DeployInfra with the fix.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ClusterReachTests : IDisposable
{
    private static PipelineWorld world => PipelineWorld.Shared;
    private readonly PipelineRun _run = new(world);
    private const string Account = PipelineRun.Account;
    private static readonly string Team = $"arn:aws:iam::{Account}:role/team/Developers";
    private static readonly string Ci = $"arn:aws:iam::{Account}:role/exchange-github-deploy";

    private HashSet<string> Entries()
    {
        lock (_run.Cloud) return _run.Cloud.AccessEntries.Values.Select(e => e.Entry["principalArn"]!.GetValue<string>()).ToHashSet();
    }

    /// <summary>The team's and CI's roles exist in the account (EKS refuses an access entry for a role that does not).</summary>
    private void CreateRoles()
    {
        lock (_run.Cloud)
            foreach (var role in new[] { Team, Ci })
            {
                var name = role.Split('/').Last();
                _run.Cloud.Roles[name] = _run.Cloud.Role(name, role.Contains("/team/", StringComparison.Ordinal) ? "/team/" : "/");
            }
    }

    private void SignInAs(string role, string session) =>
        _run.SignInAs(Account, $"arn:aws:sts::{Account}:assumed-role/{role.Split('/').Last()}/{session}");

    private void SignInAsTheDeveloper() => _run.Env["AWS_ACCESS_KEY_ID"] = _run.Cloud.DefaultCaller.AccessKeyId;

    [Fact]
    public void Listed_principals_keep_access_across_other_identities_deploys_an_unlisted_deployer_does_not_and_removing_one_removes_its_entry()
    {
        _run.Deployed(); // deployed by the SSO developer, whom dev's (empty) list does not name: its entry was for that deploy
        var developer = _run.Cloud.Roles[AwsStandIn.Cloud.SsoRole]["Arn"]!.GetValue<string>();
        Assert.Equal([developer], Entries());
        _run.Env["EXCHANGE_EKS_ADMINS"] = "role/team/Developers,role/exchange-github-deploy"; // the list, as Environments.cs would hold it
        CreateRoles();

        SignInAs(Ci, "github-run-1");
        var ciDeploy = _run.Build("--target=DeployInfra");
        SignInAs(Team, "jane@example.com");
        var teammate = _run.Build("--target=Status");
        SignInAsTheDeveloper();
        var unlisted = _run.Build("--target=Status");

        Assert.True(ciDeploy.ExitCode == 0, ciDeploy.ToString());
        Assert.DoesNotContain("is not in the cluster access list", ciDeploy.Text); // CI is listed
        Assert.Equal([Ci, Team], Entries().Order());
        Assert.True(teammate.ExitCode == 0, teammate.ToString());
        Assert.Contains("$ kubectl get pods --namespace exchange-dev -o wide", teammate.Text);
        Assert.Contains("matching-engine-shard-1-0", teammate.Text); // the pods, through the tunnel, as the teammate
        Assert.Matches($@"admin +{Team}\n", teammate.Output);
        Assert.Matches($@"admin +{Ci}\n", teammate.Output);
        Assert.NotEqual(0, unlisted.ExitCode);
        Assert.Contains("refused your AWS identity (Unauthorized): it has no EKS access entry there", unlisted.Text);
        Assert.Contains("EksConfig.AdminPrincipals", unlisted.Text);

        _run.Env["EXCHANGE_EKS_ADMINS"] = "role/exchange-github-deploy"; // the teammate's role taken off the list
        SignInAs(Ci, "github-run-2");
        var removal = _run.Build("--target=DeployInfra");
        SignInAs(Team, "jane@example.com");
        var removed = _run.Build("--target=Status");

        Assert.True(removal.ExitCode == 0, removal.ToString());
        Assert.Equal([Ci], Entries());
        Assert.Contains("Unauthorized", removed.Text);
    }

    [Fact]
    public void A_missing_plugin_a_refused_session_and_a_stopped_jump_instance_each_end_DeployDev_before_DeployInfra_naming_the_fix()
    {
        _run.Deployed();
        string jump;
        lock (_run.Cloud)
            jump = _run.Cloud.Stacks[Environments.Dev.Names.Stack(StackKind.Vpc)].Outputs
                .Single(o => o!["OutputKey"]!.GetValue<string>() == Outputs.JumpInstanceId.Key)!["OutputValue"]!.GetValue<string>();
        BuildResult DeployDev()
        {
            var before = _run.Calls.Count;
            var result = _run.Build("--target=DeployDev", "--skip-images");
            Assert.NotEqual(0, result.ExitCode);
            Assert.DoesNotContain(_run.Calls.Skip(before), c => c.Tool == "cdk" && c.Args[0] == "deploy"); // stopped before anything deployed
            return result;
        }

        _run.Env["PATH"] = Environment.GetEnvironmentVariable("PATH"); // a machine without the Session Manager plugin
        var noPlugin = DeployDev();
        _run.Env.Remove("PATH");
        _run.Faults.Deny("ssm:StartSession");
        var refused = DeployDev();
        _run.Faults.Clear();
        lock (_run.Cloud) _run.Cloud.Instances[jump]["State"] = AwsStandIn.Services.InstanceState("stopped");
        var stopped = DeployDev();

        Assert.Contains("Error: DeployDev stopped in Doctor:", noPlugin.Text);
        Assert.Contains("session-manager-plugin: 'session-manager-plugin' was not found", noPlugin.Text);
        Assert.Contains("brew install --cask session-manager-plugin", noPlugin.Text);
        Assert.Contains("Error: DeployDev stopped in DeployInfra:", refused.Text);
        Assert.Contains("IAM action: ssm:StartSession", refused.Text);
        Assert.Contains("AWS-StartPortForwardingSessionToRemoteHost", refused.Text);
        Assert.Contains("Error: DeployDev stopped in DeployInfra:", stopped.Text);
        Assert.Contains($"The jump instance {jump} is stopped", stopped.Text);
        Assert.Contains($"aws ec2 start-instances --instance-ids {jump} --region ap-northeast-2", stopped.Text);
    }

    public void Dispose() => _run.Dispose();
}
