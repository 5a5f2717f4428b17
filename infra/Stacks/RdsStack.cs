using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.RDS;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using Exchange.Contracts;
using InstanceType = Amazon.CDK.AWS.EC2.InstanceType;

namespace Exchange.Infra.Stacks;


/// <summary>
/// MySQL 8.4 for the backend: one encrypted db.t4g.micro in the isolated subnets, never public, with
/// generated credentials in Secrets Manager. Its security group admits nothing on its own; the EKS stack
/// adds the cluster security group.
/// </summary>
[Stack(StackKind.Rds)]
public sealed class RdsStack : ExchangeStack<RdsConfig>, IDataStore
{
    public const string DatabaseLogicalId = "Database";
    public const string SecretLogicalId = "DatabaseSecret";
    public const string SecurityGroupLogicalId = "RdsSecurityGroup";

    /// <summary>RDS3.</summary>
    public const string SingleAzReason =
        "Dev data is disposable: a Multi-AZ standby doubles the instance price (about +$18/month for db.t4g.micro) " +
        "for availability a dev environment does not need.";

    /// <summary>RDS10.</summary>
    public const string NoDeletionProtectionReason =
        "DestroyDev removes the whole dev environment unattended and the database goes with its stack on purpose; " +
        "deletion protection would turn every teardown into a manual console step. Dev data is disposable.";

    /// <summary>RDS11.</summary>
    public const string DefaultPortReason =
        "A non-default port is obscurity, not access control: the instance is private, in isolated subnets, and admits " +
        "only the EKS cluster security group; 3306 keeps client and tool defaults working.";

    /// <summary>SMG4.</summary>
    public const string NoRotationReason =
        "Rotation needs a rotation Lambda, and the pipeline copies the password into the db-credentials Kubernetes " +
        "secret at deploy time, so a rotation would break the backend until the next deploy; the secret is regenerated with the stack.";

    public RdsStack(Construct scope, StackBuild build)
        : base(scope, build)
    {
        var vpc = build.Stack<VpcStack>().Vpc;
        SecurityGroup = ClosedSecurityGroup(vpc, SecurityGroupLogicalId, "rds", "MySQL");

        Secret = new Secret(this, SecretLogicalId, new SecretProps
        {
            SecretName = Names.DbSecretName,
            Description = $"Credentials of {Names.DbInstanceIdentifier}",
            GenerateSecretString = new SecretStringGenerator
            {
                SecretStringTemplate = $$"""{"username":"{{Config.DbUsername}}"}""",
                GenerateStringKey = "password",
                // Alphanumeric only: the password goes through shells, URLs and Kubernetes secrets.
                ExcludePunctuation = true,
                PasswordLength = 32,
            },
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        PinLogicalId(Secret, SecretLogicalId);
        NagSuppressions.Add((CfnResource)Secret.Node.DefaultChild!, new NagSuppression(NagSuppressions.SecretRotation, NoRotationReason));

        var engine = DatabaseInstanceEngine.Mysql(new MySqlInstanceEngineProps
        {
            Version = MysqlEngineVersion.Of(Config.MysqlFullVersion, Config.MysqlMajorVersion),
        });

        var parameters = new ParameterGroup(this, "ParameterGroup", new ParameterGroupProps
        {
            Engine = engine,
            Description = $"{Names.DbInstanceIdentifier}: utf8mb4",
            Parameters = new Dictionary<string, string>
            {
                ["character_set_server"] = "utf8mb4",
                ["collation_server"] = "utf8mb4_unicode_ci",
            },
        });

        Instance = new DatabaseInstance(this, DatabaseLogicalId, new DatabaseInstanceProps
        {
            InstanceIdentifier = Names.DbInstanceIdentifier,
            Engine = engine,
            InstanceType = new InstanceType(Config.InstanceClass.StartsWith("db.", StringComparison.Ordinal)
                ? Config.InstanceClass["db.".Length..]
                : Config.InstanceClass),
            Vpc = vpc,
            VpcSubnets = new SubnetSelection { SubnetType = SubnetType.PRIVATE_ISOLATED },
            SecurityGroups = [SecurityGroup],
            PubliclyAccessible = false,

            DatabaseName = Config.DbName,
            Credentials = Credentials.FromSecret(Secret),
            ParameterGroup = parameters,

            AllocatedStorage = Config.AllocatedStorageGb,
            MaxAllocatedStorage = Config.MaxAllocatedStorageGb,
            StorageType = StorageType.GP3,
            StorageEncrypted = true,

            // Dev trade-offs (see Program.cs): one AZ, deletable, one day of backups, no extra monitoring.
            MultiAz = false,
            DeletionProtection = false,
            RemovalPolicy = RemovalPolicy.DESTROY,
            DeleteAutomatedBackups = true,
            BackupRetention = Duration.Days(1),
            // CloudFormation windows are UTC: 18:00 UTC is 03:00 in Seoul.
            PreferredBackupWindow = "18:00-19:00",
            PreferredMaintenanceWindow = "sun:19:30-sun:20:30",
            AutoMinorVersionUpgrade = true,
            AllowMajorVersionUpgrade = false,
            EnablePerformanceInsights = false,
            MonitoringInterval = Duration.Seconds(0),
            CopyTagsToSnapshot = true,
            IamAuthentication = true,
        });
        PinLogicalId(Instance, DatabaseLogicalId);
        NagSuppressions.Add((CfnResource)Instance.Node.DefaultChild!,
            new NagSuppression(NagSuppressions.RdsMultiAz, SingleAzReason),
            new NagSuppression(NagSuppressions.RdsDeletionProtection, NoDeletionProtectionReason),
            new NagSuppression(NagSuppressions.RdsDefaultPort, DefaultPortReason));
        if (Config.MysqlFullVersion == Config.MysqlMajorVersion)
        {
            CfnLint.Ignore((CfnResource)Instance.Node.DefaultChild!, CfnLint.RdsEngineVersion);
        }

        // Daily, weekends included: RDS starts a database again 7 days after a stop, the next evening stops it again.
        Sleep = Constructs.SleepAction.For(this, Env, SleepTarget.Database, "rds", "stopDBInstance", "rds:StopDBInstance",
            Instance.InstanceArn,
            new Dictionary<string, object> { ["DbInstanceIdentifier"] = Names.DbInstanceIdentifier },
            $"database {Names.DbInstanceIdentifier}");

        Output(Outputs.RdsEndpoint, Instance.DbInstanceEndpointAddress);
        Output(Outputs.RdsPort, Instance.DbInstanceEndpointPort);
        Output(Outputs.RdsSecretArn, Secret.SecretArn);
        Output(Outputs.RdsSecurityGroupId, SecurityGroup.SecurityGroupId);
    }

    public SecurityGroup SecurityGroup { get; }

    public DataStoreAccess ClusterAccess => new("Rds", SecurityGroup, [DataStorePorts.Mysql]);

    public Secret Secret { get; }

    public DatabaseInstance Instance { get; }

    public Constructs.SleepAction? Sleep { get; }
}
