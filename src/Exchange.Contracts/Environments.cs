namespace Exchange.Contracts;

/// <summary>The known environments. Add one here and it is selectable with <c>-c env=NAME</c> / <c>--env=NAME</c>.</summary>
public static class Environments
{
    public static readonly EnvironmentConfig Dev = new()
    {
        EnvName = "dev",
        Region = "ap-northeast-2",
        AvailabilityZones = ["ap-northeast-2a", "ap-northeast-2c"],
        ShardCount = 3,
        Stacks =
        [
            new VpcConfig
            {
                Cidr = "10.0.0.0/16",
                // A NAT instance costs ~$8/month (t4g.nano + its IPv4) against ~$47 for a NAT gateway;
                // a dev VPC's egress (image pulls, OS updates) fits one small instance.
                Nat = NatKind.Instance,
                NatInstanceType = "t4g.nano",
                // Only with a NAT gateway (-c nat=gateway): the instance the SSM tunnel to the EKS API goes through (~$3.80/month).
                JumpInstanceType = "t4g.nano",
            },
            // Flow logs of a quiet dev VPC are a few hundred MB a month; a month is enough to look back on.
            new StorageConfig { LogExpirationDays = 30 },
            new EksConfig
            {
                // 1.29 (the document) is in extended support at $0.60/h; 1.35 is in standard support.
                KubernetesVersion = "1.35",
                // The node AMI release (Kubernetes patch and build date), pinned so the nodes are patched on purpose, never by chance:
                // `aws ssm get-parameter --name /aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/standard/recommended/release_version`
                // prints the newest. Raising it and running `./build.sh --target=Upgrade` rolls the nodes onto it (README, Upgrades).
                NodeReleaseVersion = "1.35.4-20260512",
                NodeInstanceTypes = ["t3.medium", "t3a.medium"],
                NodesOnSpot = true,
                NodeDesiredSize = 2,
                NodeMinSize = 1,
                NodeMaxSize = 4,
                // 20 GB is the EKS default and the AL2023 node AMI's size; the workload images are small (50 GB: +$5.47/month).
                NodeDiskGb = 20,
                // Who reaches the cluster API from the internet. List the team's office/VPN ranges here (or pass
                // --eks-public-cidrs / -c eksPublicAccessCidrs). None listed: no public endpoint at all, so nothing
                // is exposed by omission; the pipeline's kubectl then goes through an SSM tunnel via the NAT instance.
                PublicAccessCidrs = [],
                // Who gets an EKS access entry: every deploy makes exactly these (and, for that deploy, the deploying identity
                // when it is not listed), so list everyone who must keep access: the team's role(s) and CI's deploy role.
                // Relative to the account or full ARNs, roles with their path, e.g.
                //   "role/aws-reserved/sso.amazonaws.com/ap-northeast-2/AWSReservedSSO_AdministratorAccess_0123456789abcdef",
                //   "role/exchange-github-deploy".
                AdminPrincipals = [],
                // Read-only (AmazonEKSViewPolicy): Status and kubectl get/logs, no changes.
                ViewPrincipals = [],
                // The backend behind an internet-facing ALB (~$24/month running: its hours and two public IPv4 addresses;
                // false leaves it out). It admits only the CIDRs listed here (or --backend-public-cidrs /
                // -c backendPublicCidrs): none listed, nobody from outside; DeployDev then says how to port-forward.
                BackendLoadBalancer = true,
                BackendPublicCidrs = [],
            },
            new RdsConfig
            {
                // Graviton micro: cheaper than db.t3.micro; 8.0 left standard support on 2026-07-31.
                InstanceClass = "db.t4g.micro",
                // Major version only: RDS creates the instance on its current default 8.4 minor and auto minor
                // upgrades move it on. A pinned minor fails new deployments once RDS retires that minor.
                MysqlFullVersion = "8.4",
                MysqlMajorVersion = "8.4",
                AllocatedStorageGb = 20,
                MaxAllocatedStorageGb = 100,
                DbUsername = "admin",
                DbName = "future_exchange",
            },
            new RedisConfig { NodeType = "cache.t4g.micro", EngineVersion = "7.1" },
            new KafkaConfig
            {
                // Graviton t4g.small (2 GiB) instead of t3.medium (4 GiB): -$22.78/month. Memory budget: Redpanda's
                // --memory 1G plus the OS and docker (RedpandaInstance checks it at synth); the image is multi-arch.
                InstanceType = "t4g.small",
                // Six dev topics of 3 partitions at replication 1 fit in 10 GB (50 GB: +$3.65/month).
                VolumeGb = 10,
                RedpandaImage = "docker.redpanda.com/redpandadata/redpanda:v25.2.10",
                Partitions = 3,
                Replicas = 1,
            },
        ],

        // Nobody works 20:00-08:00 in Seoul or at weekends: 60 of 168 hours awake. Shallow by default (nodes, Redpanda
        // and RDS stop; the control plane stays, so the morning wake takes minutes, not ~20). Deep = true also removes
        // the EKS stack at night: see `./build.sh --target=Cost` for both figures.
        Sleep = new SleepSchedule
        {
            TimeZone = "Asia/Seoul",
            WakeAt = new TimeOnly(8, 0),
            SleepAt = new TimeOnly(20, 0),
            WorkDays = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday],
            Holidays = KoreanPublicHolidays.Listed,
            Deep = false,
        },
    };

    public static IReadOnlyList<EnvironmentConfig> All { get; } = [Dev];

    public static IEnumerable<string> KnownNames => All.Select(e => e.EnvName);

    /// <summary>The configuration of <paramref name="name"/>, or an error listing the known environments.</summary>
    public static EnvironmentConfig Get(string? name)
    {
        var wanted = string.IsNullOrWhiteSpace(name) ? Dev.EnvName : name.Trim();
        return All.FirstOrDefault(e => string.Equals(e.EnvName, wanted, StringComparison.Ordinal))
            ?? throw new UnknownEnvironmentException(wanted, KnownNames);
    }
}

public sealed class UnknownEnvironmentException(string name, IEnumerable<string> known)
    : Exception($"Unknown environment '{name}'. Known environments: {string.Join(", ", known)}. " +
                "Pass one of them (e.g. --env=dev, or -c env=dev for cdk), or add yours to src/Exchange.Contracts/Environments.cs.")
{
    public string Name { get; } = name;
}
