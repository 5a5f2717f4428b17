using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using Exchange.Contracts;

namespace Exchange.Infra.Tests;

/// <summary>
/// One synthesized app (jsii is not thread-safe and a synth takes about a second, so every test class
/// shares this one): the assertion templates and the raw template JSON of each stack.
/// </summary>
public class SynthesizedApp
{
    public SynthesizedApp()
    {
        Settings = InfraSettings.For("dev");
        var settings = Settings;
        App = ExchangeApp.Create(settings);
        var assembly = App.App.Synth();
        foreach (var stack in App.Stacks)
        {
            Templates[stack.Kind] = Template.FromStack(stack);
            TemplateFiles[stack.Kind] = Path.Combine(assembly.Directory, stack.TemplateFile);
            Json[stack.Kind] = JsonNode.Parse(File.ReadAllText(TemplateFiles[stack.Kind]))!.AsObject();
        }
    }

    public InfraSettings Settings { get; }

    public EnvironmentConfig Config => Settings.Config;

    public ExchangeApp App { get; }

    public Dictionary<StackKind, Template> Templates { get; } = [];

    public Dictionary<StackKind, JsonObject> Json { get; } = [];

    /// <summary>The synthesized template file of each stack (in the assembly's temporary folder).</summary>
    public Dictionary<StackKind, string> TemplateFiles { get; } = [];

    public Template this[StackKind kind] => Templates[kind];

    /// <summary>Resources of one type in a stack's template, by logical ID.</summary>
    public IReadOnlyDictionary<string, JsonObject> Resources(StackKind kind, string type) =>
        Json[kind]["Resources"]!.AsObject()
            .Where(r => (string?)r.Value!["Type"] == type)
            .ToDictionary(r => r.Key, r => r.Value!.AsObject());
}

[CollectionDefinition(Name)]
public sealed class SynthesizedAppCollection : ICollectionFixture<SynthesizedApp>
{
    public const string Name = "synthesized dev app";
}
