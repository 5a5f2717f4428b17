using Exchange.Build.Aws;
using Exchange.Build.Settings;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>
/// Permissions: prints the deploy role's IAM policy (artifacts/&lt;env&gt;/deploy-policy.json), and what an administrator needs to bootstrap the
/// account for CDK once (artifacts/&lt;env&gt;/bootstrap-policy.json, with the command). Calls no AWS API.
/// </summary>
public static class Permissions
{
    public static void Run(BuildContext b)
    {
        var account = b.Settings.Account ?? throw new SettingsException(
            [$"The policy is scoped to one account: pass --{ArgumentNames.Account}=123456789012 or set {EnvVars.Account}."]);
        var (policy, unchanged) = Write(b, account);
        var file = b.Settings.PolicyFile;
        b.Log.Information(policy.TrimEnd());
        b.Document = new System.Text.Json.Nodes.JsonObject
        {
            ["account"] = account, ["policyFile"] = file, ["policy"] = System.Text.Json.Nodes.JsonNode.Parse(policy),
        };
        b.Log.Information($"Attach it to the role that runs the pipeline, e.g. aws iam put-role-policy --role-name ROLE " +
                          $"--policy-name exchange-{b.Settings.Environment.EnvName}-deploy --policy-document file://{file}");

        var (bootstrap, bootstrapUnchanged) = WriteBootstrap(b, account);
        b.Log.Information("");
        b.Log.Information($"Once per account and region, before the first deploy, an administrator bootstraps it for CDK (the deploy role may not: " +
                          $"it creates IAM roles, among them CloudFormation's execution role with AdministratorAccess, CDK's default):");
        b.Log.Information($"    {BootstrapPolicy.Command(account, b.Settings.Region)}");
        b.Log.Information($"That needs an administrator session, or this policy ({b.Settings.BootstrapPolicyFile}; scoped to the bootstrap's own " +
                          "resources, but administrator-equivalent, since it may create that role):");
        b.Log.Information(bootstrap.TrimEnd());
        b.Document["bootstrapCommand"] = BootstrapPolicy.Command(account, b.Settings.Region);
        b.Document["bootstrapPolicyFile"] = b.Settings.BootstrapPolicyFile;
        b.Document["bootstrapPolicy"] = System.Text.Json.Nodes.JsonNode.Parse(bootstrap);
        b.Report.Add(TaskNames.Permissions, unchanged && bootstrapUnchanged ? StepOutcome.Unchanged : StepOutcome.Changed,
            (unchanged && bootstrapUnchanged ? "unchanged: " : "wrote ") + $"{file}, {Path.GetFileName(b.Settings.BootstrapPolicyFile)}");
    }

    /// <summary>Writes what bootstrapping <paramref name="account"/> needs to artifacts/&lt;env&gt;/bootstrap-policy.json unless it is already there.</summary>
    public static (string Policy, bool Unchanged) WriteBootstrap(BuildContext b, string account)
    {
        var policy = BootstrapPolicy.Render(new IamScope(account, b.Settings.Region, b.Names));
        var file = b.Settings.BootstrapPolicyFile;
        var unchanged = File.Exists(file) && File.ReadAllText(file) == policy;
        if (!unchanged) Files.AtomicFile.WriteAllText(file, policy);
        return (policy, unchanged);
    }

    /// <summary>Writes the policy of <paramref name="account"/> to artifacts/&lt;env&gt;/deploy-policy.json unless it is already there.</summary>
    public static (string Policy, bool Unchanged) Write(BuildContext b, string account)
    {
        var policy = DeployPolicy.Render(new IamScope(account, b.Settings.Region, b.Names));
        var file = b.Settings.PolicyFile;
        var unchanged = File.Exists(file) && File.ReadAllText(file) == policy;
        if (!unchanged) Files.AtomicFile.WriteAllText(file, policy);
        return (policy, unchanged);
    }
}
