using System.Reflection;
using Amazon.CDK;
using Exchange.Contracts;
using Exchange.Infra.Stacks;

namespace Exchange.Infra;

/// <summary>
/// The environment's stacks, built from their registration (src/Exchange.Contracts/StackRegistry.cs) in
/// deploy order: each by the class marked <c>[Stack(kind)]</c>, each given its declared dependencies (and a
/// CloudFormation dependency on each, so deploy and destroy follow the registration). Program.cs and the
/// tests build the app through here.
/// </summary>
public sealed class ExchangeApp
{
    /// <summary>The class that builds each stack, found by its [Stack] attribute.</summary>
    public static readonly IReadOnlyDictionary<StackKind, Type> Classes = FindClasses();

    private readonly Dictionary<StackKind, ExchangeStack> built = [];

    private ExchangeApp(App app, InfraSettings settings)
    {
        App = app;
        Tags.Of(app).Add(ResourceTags.EnvironmentKey, settings.Config.EnvName);
        Tags.Of(app).Add(ResourceTags.ProjectKey, ResourceTags.ProjectValue);

        foreach (var kind in StackKinds.DeployOrder)
        {
            var build = new StackBuild(settings, StackRegistry.Of(kind), built);
            var stack = (ExchangeStack)Activator.CreateInstance(Classes[kind], app, build)!;
            foreach (var dependency in build.Dependencies) stack.AddDependency(dependency);
            built[kind] = stack;
        }
    }

    public App App { get; }

    /// <summary>The stacks in deploy order.</summary>
    public IReadOnlyList<ExchangeStack> Stacks => StackKinds.DeployOrder.Select(k => built[k]).ToArray();

    public ExchangeStack Stack(StackKind kind) => built[kind];

    public T Stack<T>() where T : ExchangeStack => built.Values.OfType<T>().Single();

    /// <summary>Builds the stacks into <paramref name="app"/>.</summary>
    public static ExchangeApp Build(App app, InfraSettings settings) => new(app, settings);

    /// <summary>Builds the stacks into a new app (tests; <paramref name="outdir"/> for a synth to disk).</summary>
    public static ExchangeApp Create(InfraSettings settings, string? outdir = null) =>
        new(new App(new AppProps { Outdir = outdir }), settings);

    private static Dictionary<StackKind, Type> FindClasses()
    {
        var classes = typeof(ExchangeApp).Assembly.GetTypes()
            .Select(t => (Type: t, Attribute: t.GetCustomAttribute<StackAttribute>()))
            .Where(t => t.Attribute is not null)
            .GroupBy(t => t.Attribute!.Kind, t => t.Type)
            .ToDictionary(g => g.Key, g => g.ToArray());
        var problems = Enum.GetValues<StackKind>()
            .Select(k => classes.GetValueOrDefault(k) switch
            {
                null => $"{k}: no class is marked [Stack(StackKind.{k})]",
                [var t] when !t.IsSubclassOf(typeof(ExchangeStack)) => $"{k}: {t.Name} is not an ExchangeStack",
                [var t] when t.GetConstructor([typeof(global::Constructs.Construct), typeof(StackBuild)]) is null =>
                    $"{k}: {t.Name} has no constructor (Construct scope, StackBuild build)",
                [_] => null,
                var many => $"{k}: more than one class ({string.Join(", ", many.Select(t => t.Name))})",
            })
            .OfType<string>().ToArray();
        if (problems.Length > 0) throw new InvalidOperationException("infra/Stacks: " + string.Join("; ", problems));
        return classes.ToDictionary(c => c.Key, c => c.Value[0]);
    }
}
