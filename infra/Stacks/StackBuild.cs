using Exchange.Contracts;

namespace Exchange.Infra.Stacks;

/// <summary>Marks the class that builds a registered stack (src/Exchange.Contracts/StackRegistry.cs); ExchangeApp finds it by this.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class StackAttribute(StackKind kind) : Attribute
{
    public StackKind Kind { get; } = kind;
}

/// <summary>What the whole environment shares, and all a stack may read besides its own configuration record.</summary>
public sealed class StackEnvironment(EnvironmentConfig config)
{
    public string EnvName => config.EnvName;
    public string Region => config.Region;
    public IReadOnlyList<string> AvailabilityZones => config.AvailabilityZones;
    public SleepSchedule? Sleep => config.Sleep;
    public IReadOnlyList<string> KafkaTopics => config.KafkaTopics;
    public EnvironmentNames Names => config.Names;
}

/// <summary>
/// What a stack's constructor receives: its registration, the shared environment, its own configuration and
/// the stacks it declared it depends on (asking for any other fails: the registration must say it).
/// </summary>
public sealed class StackBuild
{
    private readonly EnvironmentConfig config;
    private readonly IReadOnlyDictionary<StackKind, ExchangeStack> built;

    internal StackBuild(InfraSettings settings, StackDefinition definition, IReadOnlyDictionary<StackKind, ExchangeStack> built)
    {
        config = settings.Config;
        this.built = built;
        Definition = definition;
        Environment = new StackEnvironment(settings.Config);
        Account = settings.Account;
        DeployerPrincipalArn = settings.DeployerPrincipalArn;
        LegacyAdminEntryPrincipal = settings.LegacyAdminEntryPrincipal;
    }

    public StackDefinition Definition { get; }
    public StackEnvironment Environment { get; }
    public string? Account { get; }
    /// <summary>The deploying identity, when the access lists do not name it (see <see cref="InfraSettings.DeployerPrincipalArn"/>).</summary>
    public string? DeployerPrincipalArn { get; }
    public string? LegacyAdminEntryPrincipal { get; }

    /// <summary>This stack's configuration record (EnvironmentConfig.Stacks).</summary>
    public T Config<T>() where T : StackConfig => config.Of<T>();

    /// <summary>A stack this one depends on.</summary>
    public T Stack<T>() where T : ExchangeStack =>
        Dependencies.OfType<T>().SingleOrDefault()
        ?? throw new InvalidOperationException($"The {Definition.Kind} stack uses {typeof(T).Name}, which its registration does not list in DependsOn " +
                                               "(src/Exchange.Contracts/StackRegistry.cs).");

    /// <summary>The stacks this one depends on, in deploy order.</summary>
    public IEnumerable<ExchangeStack> Dependencies => Definition.DependsOn.Select(k => built[k]);
}
