using System.Text.Json.Nodes;
using Exchange.Contracts;

namespace Exchange.Infra.Tests;

/// <summary>
/// The dev app synthesized with a public EKS endpoint: restricted to two CIDRs, and open to 0.0.0.0/0
/// (the explicit choice Doctor warns about). Built once for the tests that need them.
/// </summary>
public sealed class EndpointVariants : IDisposable
{
    public static readonly IReadOnlyList<string> TeamCidrs = ["203.0.113.0/24", "198.51.100.7/32"];

    private readonly string root = Directory.CreateTempSubdirectory("exchange-infra-endpoint-").FullName;

    public EndpointVariants()
    {
        RestrictedEksTemplate = SynthEks("restricted", EksEndpointAccess.Format(TeamCidrs));
        OpenEksTemplate = SynthEks("open", EksEndpointAccess.Anywhere);
    }

    /// <summary>The EKS stack's template file with the public endpoint limited to <see cref="TeamCidrs"/>.</summary>
    public string RestrictedEksTemplate { get; }

    /// <summary>The EKS stack's template file with the public endpoint open to 0.0.0.0/0.</summary>
    public string OpenEksTemplate { get; }

    public static JsonObject Read(string file) => JsonNode.Parse(File.ReadAllText(file))!.AsObject();

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string SynthEks(string name, string cidrs)
    {
        // Through InfraSettings.From, as `cdk synth -c eksPublicAccessCidrs=...` does.
        var settings = InfraSettings.From(key => key == ContextKeys.EksPublicAccessCidrs ? cidrs : null, _ => null);
        var app = ExchangeApp.Create(settings, Path.Combine(root, name));
        var assembly = app.App.Synth();
        return Path.Combine(assembly.Directory, app.Stack<Exchange.Infra.Stacks.EksStack>().TemplateFile);
    }
}
