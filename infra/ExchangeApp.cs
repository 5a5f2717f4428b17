using Amazon.CDK;
using Exchange.Contracts;
using Exchange.Infra.Constructs;
using Exchange.Infra.Stacks;

namespace Exchange.Infra;

/// <summary>The six stacks of one environment, composed from typed settings. Program.cs and the tests build the app through here.</summary>
public sealed class ExchangeApp
{
    private ExchangeApp(App app, InfraSettings settings)
    {
        App = app;
        var config = settings.Config;

        Tags.Of(app).Add(ResourceTags.EnvironmentKey, config.EnvName);
        Tags.Of(app).Add(ResourceTags.ProjectKey, ResourceTags.ProjectValue);

        Vpc = new VpcStack(app, settings);
        Ecr = new EcrStack(app, settings);
        Rds = new RdsStack(app, settings, new RdsStackProps(Vpc.Vpc));
        Redis = new RedisStack(app, settings, new RedisStackProps(Vpc.Vpc));
        Kafka = new KafkaStack(app, settings, new KafkaStackProps(Vpc.Vpc));
        Eks = new EksStack(app, settings, new EksStackProps(
            Vpc.Vpc,
            [
                new DataStoreAccess("Rds", Rds.SecurityGroup, [DataStorePorts.Mysql]),
                new DataStoreAccess("Redis", Redis.SecurityGroup, [RedisStack.Port]),
                new DataStoreAccess("Redpanda", Kafka.SecurityGroup, [RedpandaInstance.KafkaPort, RedpandaInstance.AdminPort]),
            ],
            settings.AdminPrincipalArn));
    }

    public App App { get; }
    public VpcStack Vpc { get; }
    public EcrStack Ecr { get; }
    public RdsStack Rds { get; }
    public RedisStack Redis { get; }
    public KafkaStack Kafka { get; }
    public EksStack Eks { get; }

    public IReadOnlyList<ExchangeStack> Stacks => [Vpc, Ecr, Rds, Redis, Kafka, Eks];

    public ExchangeStack Stack(StackKind kind) => Stacks.Single(s => s.Kind == kind);

    /// <summary>Builds the stacks into <paramref name="app"/>.</summary>
    public static ExchangeApp Build(App app, InfraSettings settings) => new(app, settings);

    /// <summary>Builds the stacks into a new app (tests; <paramref name="outdir"/> for a synth to disk).</summary>
    public static ExchangeApp Create(InfraSettings settings, string? outdir = null) =>
        new(new App(new AppProps { Outdir = outdir }), settings);
}
