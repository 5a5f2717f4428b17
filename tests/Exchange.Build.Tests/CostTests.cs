using Exchange.Build.Cost;
using Exchange.Build.Logging;
using Exchange.Build.Pipeline;
using Exchange.Build.Pipeline.Tasks;
using Exchange.Contracts;
using Xunit.Abstractions;

namespace Exchange.Build.Tests;

/// <summary>The Cost target: a hand-written assembly priced by the repository's table, and the real synthesized one.</summary>
public class CostTests(ITestOutputHelper output)
{
    private static readonly PriceTable Table = PriceTable.Load(PriceTable.PathFor(Contexts.RepoRoot, "ap-northeast-2"));
    private static readonly PausePlan Plan = PausePlan.For(Environments.Dev.Names);
    private static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "cost");
    private static decimal H => Table.HoursPerMonth;
    private static decimal Gp3 => Table.EbsPerGbMonth["gp3"].Usd;
    private static decimal OnDemand(string type) => Table.Ec2[type].OnDemand;

    private static CostEstimate PriceFixture() => CostEstimate.Of(CloudAssembly.Load(Fixture), Table, Plan);
    private static decimal Sum(CostEstimate e, string logicalId, Func<CostLine, decimal> state) => e.Lines.Where(l => l.LogicalId == logicalId).Sum(state);
    private static decimal Running(CostEstimate e, string logicalId) => Sum(e, logicalId, l => l.Running);

    private static decimal LogGroup(decimal gb) => gb * Table.Logs.IngestionPerGb.Usd + gb * 7 / 30 * Table.Logs.StoragePerGbMonth.Usd;

    // The fixture's pieces, from the table's figures (not from the code under test).
    private static decimal NodesCompute => 2 * H * OnDemand("t3.medium") * (1 - Table.Spot.Discount);
    private static decimal NodeDisks => 2 * 20 * Gp3;
    private static decimal NatInstance => H * OnDemand("t4g.nano") + Table.Usage.RootVolumeGbWhenUnspecified * Gp3 + H * Table.PublicIpv4PerHour.Usd;
    private static decimal RedpandaCompute => H * OnDemand("t4g.small");
    private static decimal RdsInstance => H * Table.Rds["db.t4g.micro"].Usd;
    private static decimal ControlPlane => H * Table.Eks.StandardPerHour.Usd;
    private static decimal EksLogs => LogGroup(new[] { "api", "audit", "authenticator" }.Sum(t => Table.Usage.EksLogGbPerMonthByType![t]));

    [Fact]
    public void The_cost_of_a_known_template_is_the_price_tables_arithmetic()
    {
        var estimate = PriceFixture();

        Assert.Equal(ControlPlane, Running(estimate, "Cluster"));
        Assert.Equal(NodesCompute + NodeDisks, Running(estimate, "SpotNodegroup"));
        Assert.Equal(NatInstance, Running(estimate, "NatInstance"));
        Assert.Equal(RedpandaCompute + 20 * Gp3 + 10 * Gp3, Running(estimate, "RedpandaInstance"));
        Assert.Contains(estimate.Lines, l => l.LogicalId == "RedpandaInstance" && l.Billed == "10 GB gp3 data volume");
        Assert.Equal(Table.Usage.SqsRequestsPerQueuePerMonth / 1_000_000m * Table.SqsPerMillionRequests.Usd, Running(estimate, "SleepKafkaDeadLetterQueue"));
        Assert.InRange(Running(estimate, "SleepKafkaDeadLetterQueue"), 0.0001m, 0.01m); // near zero, and not zero
        Assert.Equal(RdsInstance + 20 * Table.RdsStoragePerGbMonth["gp3"].Usd, Running(estimate, "Database"));
        Assert.Equal(H * Table.Cache["cache.t4g.micro"].Usd, Running(estimate, "Cache"));
        Assert.Equal(Table.SecretPerMonth.Usd, Running(estimate, "DatabaseSecret"));
        Assert.Equal(Table.Usage.EcrGbPerRepository * Table.EcrStoragePerGbMonth.Usd, Running(estimate, "BackendRepository"));
        Assert.Equal(LogGroup(Table.Usage.LogGroupGbPerMonth), Running(estimate, "FlowLogGroup"), 20);
        Assert.Equal(EksLogs, Running(estimate, "ControlPlaneLogs"), 20);
        Assert.Empty(estimate.NotPriced);
        Assert.Equal(estimate.Lines.Sum(l => l.Running), estimate.Totals.Running);
    }

    [Fact]
    public void Pausing_stops_nodes_the_Redpanda_host_and_the_database_while_their_storage_and_the_rest_keep_billing()
    {
        var estimate = PriceFixture();

        Assert.Equal(estimate.Totals.Running - NodesCompute - NodeDisks - RedpandaCompute - RdsInstance, estimate.Totals.Paused, 20);
        Assert.All(estimate.Lines.Where(l => l.LogicalId is "SpotNodegroup"), l => Assert.Equal(0, l.Paused));
        Assert.Equal((20 + 10) * Gp3, Sum(estimate, "RedpandaInstance", l => l.Paused));
        Assert.Equal(20 * Table.RdsStoragePerGbMonth["gp3"].Usd, Sum(estimate, "Database", l => l.Paused));
        foreach (var keeps in new[] { "NatInstance", "Cache", "Cluster", "ControlPlaneLogs" })
            Assert.Equal(Running(estimate, keeps), Sum(estimate, keeps, l => l.Paused));
    }

    [Fact]
    public void Deep_pause_also_drops_everything_in_the_EKS_stack_and_nothing_else()
    {
        var estimate = PriceFixture();

        Assert.Equal(estimate.Totals.Paused - ControlPlane - EksLogs, estimate.Totals.DeepPaused, 20);
        Assert.All(estimate.Lines.Where(l => l.Stack == "Exchange-dev-Eks"), l => Assert.Equal(0, l.DeepPaused));
        Assert.All(estimate.Lines.Where(l => l.Stack != "Exchange-dev-Eks"), l => Assert.Equal(l.Paused, l.DeepPaused));
    }

    [Fact]
    public void What_stops_while_paused_is_the_one_Pausing_declaration()
    {
        var names = Environments.Dev.Names;
        Assert.Equal(Pausing.All.Select(r => (names.Stack(r.Stack), r.ResourceType)).ToHashSet(), Plan.Stopped);
        Assert.Equal(Pausing.DeepRemoved.Select(names.Stack).Order(), Plan.RemovedStacks.Order());

        var declared = PriceFixture();
        var nothingDeclared = CostEstimate.Of(CloudAssembly.Load(Fixture), Table, Plan with { Stopped = new HashSet<(string, string)>() });

        Assert.True(declared.Totals.Paused < declared.Totals.Running);
        Assert.Equal(nothingDeclared.Totals.Running, nothingDeclared.Totals.Paused);
        Assert.All(declared.Lines.Where(l => l.Paused < l.Running),
            l => Assert.Contains(Pausing.All, r => names.Stack(r.Stack) == l.Stack));
    }

    [Fact]
    public void An_unknown_billable_type_is_listed_as_not_priced_and_a_free_one_is_not()
    {
        var assembly = CloudAssembly.FromTemplates(("Exchange-dev-Extra", """
            { "Resources": {
                "Notebook": { "Type": "AWS::SageMaker::NotebookInstance", "Properties": { "InstanceType": "ml.t3.medium" } },
                "Group": { "Type": "AWS::EC2::SecurityGroup", "Properties": { "GroupDescription": "free" } },
                "Db": { "Type": "AWS::RDS::DBInstance",
                  "Properties": { "Engine": "postgres", "DBInstanceClass": "db.t4g.micro", "AllocatedStorage": "20" } } } }
            """));

        var estimate = CostEstimate.Of(assembly, Table, Plan);

        Assert.Empty(estimate.Lines);
        Assert.Equal(0, estimate.Totals.Running);
        Assert.Equal(["Db", "Notebook"], estimate.NotPriced.Select(n => n.LogicalId).Order());
        Assert.Contains("no pricer for AWS::SageMaker::NotebookInstance", estimate.NotPriced.Single(n => n.LogicalId == "Notebook").Reason);
        Assert.Contains("RDS for MySQL", estimate.NotPriced.Single(n => n.LogicalId == "Db").Reason);
    }

    private static CloudAssembly Balancers() => CloudAssembly.FromTemplates(("Exchange-dev-Eks", """
        { "Resources": {
            "Backend": { "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
              "Properties": { "Type": "application", "Scheme": "internet-facing", "Subnets": [{ "Fn::ImportValue": "a" }, { "Fn::ImportValue": "b" }] } },
            "Inside": { "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": { "Scheme": "internal", "Subnets": ["s-1", "s-2", "s-3"] } },
            "Network": { "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": { "Type": "network", "Subnets": ["s-1"] } },
            "Targets": { "Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": { "Port": 30080, "Protocol": "HTTP" } },
            "Http": { "Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": { "Port": 80, "Protocol": "HTTP" } } } }
        """));

    [Fact]
    public void An_internet_facing_load_balancer_bills_its_hours_and_an_address_per_subnet_paused_or_not_and_its_LCUs_only_while_running()
    {
        var estimate = CostEstimate.Of(Balancers(), Table, Plan);
        var hours = H * Table.LoadBalancer.ApplicationPerHour.Usd;
        var lcus = H * Table.Usage.AlbLcuPerHour * Table.LoadBalancer.LcuPerHour.Usd;
        var addresses = 2 * H * Table.PublicIpv4PerHour.Usd;

        Assert.Equal(hours + lcus + addresses, Running(estimate, "Backend"));
        Assert.Equal(hours + addresses, Sum(estimate, "Backend", l => l.Paused));
        Assert.Equal(0, Sum(estimate, "Backend", l => l.DeepPaused)); // it goes with the Eks stack
        Assert.True(Table.Usage.AlbLcuPerHour > 0 && lcus > 0);
        // An internal one has no public address; a network load balancer has prices of its own; listeners and target groups are free.
        Assert.Equal(hours + lcus, Running(estimate, "Inside"));
        Assert.Contains("a network load balancer", Assert.Single(estimate.NotPriced).Reason);
        Assert.DoesNotContain(estimate.Lines, l => l.LogicalId is "Targets" or "Http");
    }

    [Fact]
    public void Leaving_out_the_backend_load_balancer_saves_exactly_what_it_bills_and_is_not_counted_as_an_option()
    {
        var estimate = CostEstimate.Of(Balancers(), Table, Plan);
        var copy = Balancers();

        var removed = Configurations.WithoutBackendLoadBalancer.Apply(copy);
        var without = CostEstimate.Of(copy, Table, Plan);

        Assert.Equal(5, removed);
        Assert.Equal(0, without.Totals.Running);
        Assert.Empty(without.NotPriced);
        Assert.Equal(estimate.Totals.Running, Running(estimate, "Backend") + Running(estimate, "Inside"));
        Assert.Contains(Configurations.WithoutBackendLoadBalancer, Configurations.LeftOut);
        Assert.DoesNotContain(Configurations.WithoutBackendLoadBalancer, Configurations.Options);
    }

    [Fact]
    public void A_bucket_costs_its_assumed_size_plus_the_flow_logs_its_expiry_keeps_and_delivery_is_priced_on_the_flow_log()
    {
        var assembly = CloudAssembly.FromTemplates(("Exchange-dev-Storage", """
            { "Resources": {
                "Logs": { "Type": "AWS::S3::Bucket",
                  "Properties": { "LifecycleConfiguration": { "Rules": [ { "ExpirationInDays": 30, "Status": "Enabled" } ] } } },
                "Artifacts": { "Type": "AWS::S3::Bucket", "Properties": {} },
                "Forever": { "Type": "AWS::S3::Bucket", "Properties": {} },
                "Policy": { "Type": "AWS::S3::BucketPolicy", "Properties": {} },
                "All": { "Type": "AWS::EC2::FlowLog", "Properties": { "LogDestinationType": "s3", "TrafficType": "ALL",
                  "LogDestination": { "Fn::Join": [ "", [ { "Fn::GetAtt": [ "Logs", "Arn" ] }, "/vpc-flow-logs/" ] ] } } },
                "Unkept": { "Type": "AWS::EC2::FlowLog", "Properties": { "LogDestinationType": "s3", "TrafficType": "REJECT",
                  "LogDestination": { "Fn::GetAtt": [ "Forever", "Arn" ] } } },
                "ToCloudWatch": { "Type": "AWS::EC2::FlowLog", "Properties": { "LogDestinationType": "cloud-watch-logs", "TrafficType": "REJECT" } } } }
            """));
        var s3 = Table.S3.StandardPerGbMonth.Usd;
        var all = Table.Usage.FlowLogGbPerMonth!["ALL"];

        var estimate = CostEstimate.Of(assembly, Table, Plan);

        Assert.Equal(Table.Usage.S3GbPerBucket * s3, Running(estimate, "Artifacts"));
        Assert.Equal(Table.Usage.S3GbPerBucket * s3 + all * 30 / 30 * s3, Running(estimate, "Logs"));
        Assert.Equal(all * Table.S3.VendedLogsPerGb.Usd, Running(estimate, "All"));
        Assert.Equal(0, Running(estimate, "ToCloudWatch"));
        Assert.Contains("without a lifecycle expiry", Assert.Single(estimate.NotPriced).Reason);
        Assert.Equal("Forever", estimate.NotPriced.Single().LogicalId);
    }

    [Fact]
    public void The_NAT_gateway_option_prices_like_a_synthesized_NAT_gateway_and_differs_by_the_tables_arithmetic()
    {
        var instance = CloudAssembly.FromTemplates(("Exchange-dev-Vpc", File.ReadAllText(Path.Combine(Fixture, "Exchange-dev-Vpc.template.json"))));
        var gateway = CloudAssembly.FromTemplates(("Exchange-dev-Vpc",
            File.ReadAllText(Path.Combine(Fixture, "variants", "Exchange-dev-Vpc.nat-gateway.template.json"))));
        var patched = instance.Clone();

        Assert.Equal(1, Configurations.NatGateway.Apply(patched));
        var patchedTotals = CostEstimate.Of(patched, Table, Plan).Totals;
        var gatewayTotals = CostEstimate.Of(gateway, Table, Plan).Totals;
        var instanceTotals = CostEstimate.Of(instance, Table, Plan).Totals;

        Assert.Equal(gatewayTotals, patchedTotals);
        var gatewayMonth = H * Table.NatGateway.PerHour.Usd + Table.Usage.NatGatewayGbPerMonth * Table.NatGateway.PerGb.Usd + H * Table.PublicIpv4PerHour.Usd;
        var jump = H * OnDemand("t4g.nano") + 8 * Gp3; // the SSM tunnel's jump instance: no public IPv4
        Assert.Equal(gatewayMonth - NatInstance + jump, gatewayTotals.Running - instanceTotals.Running, 20);
        Assert.Equal(Table.Usage.NatGatewayGbPerMonth * Table.NatGateway.PerGb.Usd, gatewayTotals.Running - gatewayTotals.Paused, 20);
        Assert.Equal(instanceTotals.Running, instanceTotals.Paused);
        Assert.Single(instance.Stacks[0].Resources, r => r.Key == "NatInstance"); // the original is untouched
    }

    [Fact]
    public void Every_option_costs_more_than_the_default_and_the_design_document_is_the_tables_arithmetic()
    {
        var comparison = CostComparison.Of(CloudAssembly.Load(Fixture), Table, Plan);
        var running = comparison.Default.Totals.Running;

        Assert.All(comparison.Options, o
            => Assert.True(o.Changes > 0 && o.Totals.Running > running, $"{o.Configuration.Name}: {o.Totals.Running} vs {running}"));
        var onStandard = comparison.DesignDocument.Single(d => d.Configuration == Configurations.DesignDocumentOnStandardSupport).Totals.Running;
        var asWritten = comparison.DesignDocument.Single(d => d.Configuration == Configurations.DesignDocument).Totals.Running;
        var documentChanges = H * Table.NatGateway.PerHour.Usd + Table.Usage.NatGatewayGbPerMonth * Table.NatGateway.PerGb.Usd
            + H * Table.PublicIpv4PerHour.Usd - NatInstance
                              + H * (Table.Rds["db.t3.micro"].Usd - Table.Rds["db.t4g.micro"].Usd)
                              + H * (Table.Cache["cache.t3.micro"].Usd - Table.Cache["cache.t4g.micro"].Usd)
                              + H * (OnDemand("t3.medium") - OnDemand("t4g.small")) // Redpanda on t3.medium
                              + 2 * (50 - 20) * Gp3 // 50 GB node disks
                              + (50 - 20 - 10) * Gp3; // Redpanda: one 50 GB root volume instead of 20 GB root + 10 GB data
        Assert.Equal(running + documentChanges, onStandard, 20);
        Assert.Equal(onStandard + H * (Table.Eks.ExtendedPerHour.Usd - Table.Eks.StandardPerHour.Usd), asWritten, 20);
        Assert.Contains("The dev default costs", CostText.Verdict(comparison.Default.Totals, comparison.DesignDocument));
    }

    [Fact]
    public void The_cost_report_fits_120_columns_and_speaks_of_the_design_document_not_an_issue()
    {
        var comparison = CostComparison.Of(CloudAssembly.Load(Fixture), Table, Plan);

        var lines = CostText.Render(comparison, Table, "build/prices/ap-northeast-2.json").ToArray();

        Assert.All(lines, l => Assert.True(l.Length <= 120, $"{l.Length}: {l}"));
        Assert.DoesNotContain(lines, l => l.Contains("issue", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(lines, l => l.StartsWith("Eks/SpotNodegroup", StringComparison.Ordinal)); // stack prefix left out
        var text = string.Join("\n", lines);
        foreach (var line in comparison.Default.Lines) Assert.Contains(CostText.Money(line.Running), text);
    }

    [Fact]
    public void A_short_resource_drops_the_shared_stack_prefix_and_the_CDK_hash()
    {
        string[] stacks = ["Exchange-dev-Vpc", "Exchange-dev-Eks"];

        Assert.Equal("Vpc/VpcPublicSubnet1NatInstance", CostText.ShortResource(stacks, "Exchange-dev-Vpc", "VpcPublicSubnet1NatInstance57B636B8"));
        Assert.Equal("Vpc/VpcPublicSubnet1NatInstanceEip", CostText.ShortResource(stacks, "Exchange-dev-Vpc", "VpcPublicSubnet1NatInstance57B636B8Eip"));
        Assert.Equal("Eks/Cluster", CostText.ShortResource(stacks, "Exchange-dev-Eks", "Cluster"));
    }

    [Fact]
    public void A_mistyped_key_in_a_price_table_is_an_error_not_a_missing_price()
    {
        using var dir = new TempDir();
        var json = File.ReadAllText(PriceTable.PathFor(Contexts.RepoRoot, "ap-northeast-2")).Replace("\"secretPerMonth\"", "\"secretsPerMonth\"");
        var file = dir.Write("ap-northeast-2.json", json);

        var error = Assert.Throws<PriceTableException>(() => PriceTable.Load(file));
        Assert.Contains("secretsPerMonth", error.Message);
    }

    [Fact]
    public void The_repository_price_table_is_dated_sourced_and_marks_its_estimates()
    {
        Assert.Equal("ap-northeast-2", Table.Region);
        Assert.Equal(730, Table.HoursPerMonth);
        Assert.True(Table.AsOf >= new DateOnly(2026, 11, 1));
        Assert.Contains(Table.Sources, s => s.Url == "https://aws.amazon.com/eks/pricing/");
        Assert.True(Table.Spot.Estimate);
        Assert.All(Table.Rds.Values.Concat(Table.Cache.Values), r => Assert.True(r.Estimate, "RDS/cache Seoul prices were not read from a published page"));
        Assert.Equal([0.10m, 0.60m], [Table.Eks.StandardPerHour.Usd, Table.Eks.ExtendedPerHour.Usd]);
    }

    [NeedsCdkFact]
    public void The_Cost_target_prices_the_real_synthesized_assembly_and_the_dev_default_is_the_cheapest()
    {
        using var dir = new TempDir();
        var env = new Dictionary<string, string>
        {
            ["EXCHANGE_ARTIFACTS_DIR"] = dir.Path, ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "",
            ["EXCHANGE_NOW"] = "2027-02-15T00:00:00Z", // 40 days before 1.35 leaves standard support
        };
        var log = new MemoryLog();
        var b = new BuildContext(Contexts.Settings(environment: env), log, n => env.GetValueOrDefault(n), [TaskNames.Cost]);

        CostReport.Run(b);
        output.WriteLine(log.Text);

        // Still priced on standard support, with the warning that the pinned version is near its end and what extended support would add.
        Assert.Contains(log.Entries, e => e.Level == "warning" && e.Message.Contains("leaves EKS standard support on 2027-03-27, in 40 days")
                                          && e.Message.Contains("--target=Upgrade --to=1.36") && e.Message.Contains("$365.00 a month more"));

        var document = CostDocument.Parse(File.ReadAllText(CostReport.OutputFile(b)));
        Assert.Empty(document.NotPriced);
        Assert.All(document.Options, o => Assert.True(o.RunningVsDefault > 0, $"{o.Name} should cost more than the default"));
        Assert.All(document.DesignDocument, d => Assert.True(d.Totals.Running > document.Totals.Running, $"{d.Name} should cost more than the default"));
        Assert.True(document.Totals.Running > document.Totals.Paused && document.Totals.Paused > document.Totals.DeepPaused);
        Assert.StartsWith("The dev default costs", document.Verdict);
        // The backend's load balancer is priced in every state, and leaving it out saves exactly that.
        var balancer = document.Lines.Where(l => l.Type == "AWS::ElasticLoadBalancingV2::LoadBalancer").ToArray();
        Assert.Equal(3, balancer.Length); // hours, LCUs, public IPv4 addresses
        Assert.All(balancer, l => Assert.Equal(0, l.DeepPaused));
        Assert.True(balancer.Sum(l => l.Paused) > 0 && balancer.Sum(l => l.Paused) < balancer.Sum(l => l.Running));
        var leftOut = Assert.Single(document.LeftOut!);
        Assert.Equal(-balancer.Sum(l => l.Running), leftOut.RunningVsDefault, 2);
        Assert.Equal(StepOutcome.Checked, b.Report.Results.Single(r => r.Task == TaskNames.Cost).Outcome);
    }
}

/// <summary>A test that synthesizes the real CDK app: skipped, with the reason, when the pinned CDK CLI is not installed.</summary>
public sealed class NeedsCdkFactAttribute : FactAttribute
{
    public NeedsCdkFactAttribute()
    {
        if (!File.Exists(Path.Combine(Contexts.RepoRoot, "infra", "node_modules", ".bin", "cdk")))
            Skip = "infra/node_modules is missing, so the CDK app cannot be synthesized: run `npm ci --prefix infra` to run this test.";
    }
}
