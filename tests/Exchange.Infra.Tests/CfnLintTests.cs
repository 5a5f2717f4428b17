using Exchange.Contracts;

namespace Exchange.Infra.Tests;

/// <summary>The synthesized templates as cfn-lint (the linter CI runs) sees them.</summary>
public sealed class CfnLintTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("exchange-infra-cfnlint-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [FactRequiringTool("cfn-lint", "pip install cfn-lint==1.51.0")]
    public void Synthesized_templates_have_no_cfn_lint_errors_or_warnings()
    {
        var dev = Synth("dev", InfraSettings.For("dev"));
        var variant = Synth("variant", InfraSettings.From(
            key => key switch
            {
                ContextKeys.Nat => "gateway",
                ContextKeys.EksAdmins => "role/Admin,arn:aws:iam::123456789012:role/ci",
                ContextKeys.EksViewers => "user/auditor",
                ContextKeys.EksDeployer => "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/ap-northeast-2/AWSReservedSSO_Dev_1",
                ContextKeys.Account => "123456789012",
                _ => null,
            },
            _ => null));
        var templates = dev.Concat(variant).ToArray();

        var result = Tools.Run("cfn-lint", ["--format", "parseable", "--", .. templates]);

        Assert.Equal(2 * StackKinds.DeployOrder.Count, templates.Length); // every registered stack, in both variants
        Assert.True(result.ExitCode == 0, $"cfn-lint found problems:\n{result}");
    }

    private string[] Synth(string name, InfraSettings settings)
    {
        var outdir = Path.Combine(root, name);
        // As `cdk synth` does: the CLI turns on version reporting, which adds the AWS::CDK::Metadata
        // resource by which cfn-lint recognises a CDK template (and skips W3010 for the AZs that
        // CDK writes from Stack.AvailabilityZones).
        var app = new Amazon.CDK.App(new Amazon.CDK.AppProps { Outdir = outdir, AnalyticsReporting = true });
        var assembly = ExchangeApp.Build(app, settings).App.Synth();
        return assembly.Stacks.Select(s => Path.Combine(assembly.Directory, s.TemplateFile)).ToArray();
    }
}
