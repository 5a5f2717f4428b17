using Exchange.Build.Aws;
using Exchange.Build.Settings;

namespace Exchange.Build.Pipeline.Tasks;

/// <summary>Permissions: prints the deploy role's IAM policy and writes it to artifacts/&lt;env&gt;/deploy-policy.json. Calls no AWS API.</summary>
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
        b.Report.Add(TaskNames.Permissions, unchanged ? StepOutcome.Unchanged : StepOutcome.Changed,
            (unchanged ? "unchanged: " : "wrote ") + file);
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
