using System.Text.Json;
using System.Text.Json.Nodes;
using Exchange.Contracts;

namespace Exchange.Infra.Tests;

/// <summary>The entry point as the CDK CLI runs it: context arrives in CDK_CONTEXT_JSON, the assembly goes to CDK_OUTDIR.</summary>
public sealed class ProgramTests : IDisposable
{
    private readonly string outdir = Directory.CreateTempSubdirectory("exchange-infra-program-").FullName;

    public void Dispose() => Directory.Delete(outdir, recursive: true);

    [Fact]
    public void Unknown_environment_exits_non_zero_and_names_the_known_environments()
    {
        var result = RunApp(new() { [ContextKeys.Env] = "prod" });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Unknown environment 'prod'. Known environments: dev.", result.StdErr);
        Assert.False(File.Exists(Path.Combine(outdir, "manifest.json")), "an invalid environment must not produce an assembly");
    }

    [Fact]
    public void Context_from_the_cli_reaches_the_stacks()
    {
        var result = RunApp(new()
        {
            [ContextKeys.Env] = "dev",
            [ContextKeys.Account] = "123456789012",
            [ContextKeys.Nat] = "gateway",
            [ContextKeys.EksDeployer] = "arn:aws:iam::123456789012:role/Admin",
        });

        Assert.True(result.ExitCode == 0, result.ToString());
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(outdir, "manifest.json")))!;
        var stacks = manifest["artifacts"]!.AsObject()
            .Where(a => (string?)a.Value!["type"] == "aws:cloudformation:stack")
            .ToDictionary(a => a.Key, a => (string?)a.Value!["environment"]);
        Assert.Equal(new EnvironmentNames("dev").AllStacks.Order(), stacks.Keys.Order());
        Assert.All(stacks.Values, e => Assert.Equal("aws://123456789012/ap-northeast-2", e));
        Assert.Contains("AWS::EKS::AccessEntry", File.ReadAllText(Path.Combine(outdir, "Exchange-dev-Eks.template.json")));
        Assert.Contains("AWS::EC2::NatGateway", File.ReadAllText(Path.Combine(outdir, "Exchange-dev-Vpc.template.json")));
    }

    private ToolResult RunApp(Dictionary<string, string> context)
    {
        var dll = typeof(InfraSettings).Assembly.Location;
        return Tools.Run("dotnet", [dll], new Dictionary<string, string?>
        {
            ["CDK_CONTEXT_JSON"] = JsonSerializer.Serialize(context),
            ["CDK_OUTDIR"] = outdir,
            ["CDK_DEFAULT_ACCOUNT"] = null,
        });
    }
}
