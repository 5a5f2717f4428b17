using System.Diagnostics;
using System.Text.Json.Nodes;
using Exchange.Build.Cost;
using Exchange.Build.Logging;
using Exchange.Build.Operations;
using Exchange.Build.Pipeline;
using Exchange.Build.Pipeline.Tasks;
using Exchange.Contracts;
using Xunit.Abstractions;

namespace Exchange.Build.Tests;

/// <summary>The sleep schedule's one definition: when it is awake, what it derives (cron entries), and Resume --until.</summary>
public class SleepScheduleTests
{
    private static readonly SleepSchedule Seoul = Environments.Dev.Sleep!;

    private static DateTimeOffset Kst(int year, int month, int day, int hour, int minute = 0) =>
        new(year, month, day, hour, minute, 0, TimeSpan.FromHours(9));

    [Theory]
    [InlineData(2026, 12, 1, 7, 59, false)] // Tuesday before 08:00
    [InlineData(2026, 12, 1, 8, 0, true)]
    [InlineData(2026, 12, 1, 19, 59, true)]
    [InlineData(2026, 12, 1, 20, 0, false)]
    [InlineData(2026, 12, 5, 12, 0, false)] // Saturday
    [InlineData(2026, 12, 6, 12, 0, false)] // Sunday
    [InlineData(2026, 12, 25, 12, 0, false)] // Christmas, a Friday
    [InlineData(2026, 12, 24, 12, 0, true)]
    public void The_default_is_awake_08_to_20_Seoul_time_on_weekdays_that_are_not_holidays(int y, int m, int d, int h, int min, bool awake)
    {
        Assert.Equal(awake, Seoul.IsAwake(Kst(y, m, d, h, min)));
    }

    [Fact]
    public void The_next_transition_after_Friday_evening_is_Monday_morning_and_skips_holidays()
    {
        var friday = Seoul.NextTransition(Kst(2026, 12, 4, 21));
        Assert.Equal(new ScheduleTransition(Kst(2026, 12, 7, 8), Wakes: true), friday);

        var christmasEve = Seoul.NextTransition(Kst(2026, 12, 24, 20, 30));
        Assert.Equal(Kst(2026, 12, 28, 8), christmasEve.At); // Friday the 25th is a holiday

        Assert.Equal(new ScheduleTransition(Kst(2026, 12, 1, 20), Wakes: false), Seoul.NextTransition(Kst(2026, 12, 1, 9)));
    }

    [Fact]
    public void The_in_AWS_cron_is_daily_at_the_sleep_time_and_the_workflow_wakes_at_23_00_UTC_Sunday_to_Thursday()
    {
        Assert.Equal("cron(0 20 * * ? *)", Seoul.SleepCron);
        Assert.Equal(["0 23 * * 0-4"], Seoul.WorkflowWakeCrons);
        Assert.Empty(Seoul.WorkflowSleepCrons); // shallow: the in-AWS schedules do the sleep
    }

    [Fact]
    public void Deep_sleep_wakes_earlier_by_its_lead_and_adds_a_daily_deep_sleep_entry()
    {
        var deep = Seoul with { Deep = true };

        Assert.Equal(["30 22 * * 0-4"], deep.WorkflowWakeCrons);
        Assert.Equal(["0 11 * * *"], deep.WorkflowSleepCrons);
        var wednesday = Seoul with { WorkDays = [DayOfWeek.Wednesday], WakeAt = new TimeOnly(9, 0), SleepAt = new TimeOnly(18, 30) };
        Assert.Equal(["0 0 * * 3"], wednesday.WorkflowWakeCrons);
        Assert.Equal("cron(30 18 * * ? *)", wednesday.SleepCron);
    }

    [Fact]
    public void The_default_is_up_60_of_168_hours_and_deep_sleep_adds_the_wake_up_lead()
    {
        Assert.Equal(60, Seoul.AwakeHoursPerWeek);
        Assert.Equal(60m / 168, Seoul.UpFraction(deep: false), 12);
        Assert.Equal(62.5m / 168, Seoul.UpFraction(deep: true), 12);
    }

    [Fact]
    public void Every_listed_holiday_is_a_weekday_and_the_list_covers_2026_and_2027()
    {
        Assert.All(KoreanPublicHolidays.Listed, d => Assert.True(d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday), $"{d} is a weekend day"));
        Assert.Equal([2026, 2027], KoreanPublicHolidays.Listed.Select(d => d.Year).Distinct());
        Assert.Equal(KoreanPublicHolidays.Listed.Count, KoreanPublicHolidays.Listed.Distinct().Count());
    }

    [Fact]
    public void A_schedule_that_cannot_work_is_refused_with_what_to_change()
    {
        Assert.Contains("not after it wakes", Assert.Throws<InvalidSleepScheduleException>(() =>
            (Seoul with { SleepAt = new TimeOnly(7, 0) }).Validate()).Message);
        Assert.Contains("daylight saving", Assert.Throws<InvalidSleepScheduleException>(() =>
            (Seoul with { TimeZone = "Europe/Berlin" }).Validate()).Message);
        Assert.Contains("IANA", Assert.Throws<InvalidSleepScheduleException>(() => (Seoul with { TimeZone = "Mars/Olympus" }).Validate()).Message);
        Assert.Same(Seoul, Seoul.Validate());
    }

    [Fact]
    public void The_definition_survives_its_JSON_round_trip()
    {
        var back = SleepSchedule.FromJson(Seoul.ToJson());

        Assert.Equal(Seoul.ToJson(), back.ToJson());
        Assert.Equal(Seoul.Holidays, back.Holidays);
        Assert.Equal(Seoul.WorkDays, back.WorkDays);
    }

    [Fact]
    public void Until_a_time_of_day_is_today_when_still_ahead_and_tomorrow_once_it_has_passed()
    {
        Assert.Equal(Kst(2026, 12, 1, 22), WakeRequest.Resolve("22:00", Seoul, Kst(2026, 12, 1, 19)));
        Assert.Equal(Kst(2026, 12, 2, 7, 30), WakeRequest.Resolve("7:30", Seoul, Kst(2026, 12, 1, 23)));
        Assert.Equal(Kst(2026, 12, 3, 21), WakeRequest.Resolve("2026-12-03T21:00", Seoul, Kst(2026, 12, 1, 19)));
        Assert.Contains("already past", Assert.Throws<ArgumentException>(() => WakeRequest.Resolve("2026-11-30T21:00", Seoul, Kst(2026, 12, 1, 19))).Message);
        Assert.Contains("more than 7 days",
            Assert.Throws<ArgumentException>(() => WakeRequest.Resolve("2026-12-20T21:00", Seoul, Kst(2026, 12, 1, 19))).Message);
        Assert.False(WakeRequest.IsValid("10pm"));
        Assert.False(WakeRequest.IsValid("24:00"));
    }

    [Fact]
    public void Until_skips_exactly_the_daily_sleeps_before_it()
    {
        Assert.Equal([Kst(2026, 12, 1, 20)], WakeRequest.SkippedSleeps(Seoul, Kst(2026, 12, 1, 19), Kst(2026, 12, 1, 22)));
        Assert.Empty(WakeRequest.SkippedSleeps(Seoul, Kst(2026, 12, 5, 10), Kst(2026, 12, 5, 18)));
        Assert.Equal(2, WakeRequest.SkippedSleeps(Seoul, Kst(2026, 12, 1, 19), Kst(2026, 12, 2, 21)).Count);
    }

    [Fact]
    public void Until_postpones_the_daily_schedule_and_makes_a_one_time_sleep_with_the_same_target()
    {
        var daily = new JsonObject
        {
            ["Arn"] = "arn:aws:scheduler:ap-northeast-2:123456789012:schedule/default/exchange-dev-sleep-database",
            ["Name"] = "exchange-dev-sleep-database", ["GroupName"] = "default",
            ["ScheduleExpression"] = "cron(0 20 * * ? *)", ["ScheduleExpressionTimezone"] = "Asia/Seoul",
            ["FlexibleTimeWindow"] = new JsonObject { ["Mode"] = "OFF" }, ["State"] = "ENABLED",
            ["Target"] = new JsonObject { ["Arn"] = "arn:aws:scheduler:::aws-sdk:rds:stopDBInstance", ["RoleArn"] = "arn:aws:iam::123456789012:role/r",
                ["Input"] = "{}" },
        };
        var until = Kst(2026, 12, 1, 22);

        var postponed = WakeRequest.Postponed(daily, until);
        Assert.Equal("2026-12-01T13:00:00Z", (string?)postponed["StartDate"]);
        Assert.Null(WakeRequest.Restored(postponed)["StartDate"]);
        Assert.Null(daily["StartDate"]); // the definition read from AWS is not changed in place

        var once = WakeRequest.OneTimeSleep(daily, "exchange-dev-sleep-database-until", until, Seoul);
        Assert.Equal("at(2026-12-01T22:00:00)", (string?)once["ScheduleExpression"]);
        Assert.Equal("Asia/Seoul", (string?)once["ScheduleExpressionTimezone"]);
        Assert.Equal("DELETE", (string?)once["ActionAfterCompletion"]);
        Assert.True(JsonNode.DeepEquals(daily["Target"], once["Target"]));
        Assert.Equal(until, WakeRequest.FiresAt(once));
        Assert.Null(WakeRequest.FiresAt(daily));
    }

    [Fact]
    public void Until_is_rejected_at_start_when_it_is_not_a_time()
    {
        var error = Assert.Throws<Settings.SettingsException>(() => Contexts.Settings(new Dictionary<string, string> { ["until"] = "tonight" }));

        Assert.Contains("--until 'tonight' is not a time: pass HH:mm (e.g. --until=22:00)", error.Message);
        Assert.Equal("22:00", Contexts.Settings(new Dictionary<string, string> { ["until"] = "22:00" }).Until);
    }
}

/// <summary>The effective monthly cost under the schedule, and the pull-request cost difference.</summary>
public class SleepCostTests(ITestOutputHelper output)
{
    private static readonly PriceTable Table = PriceTable.Load(PriceTable.PathFor(Contexts.RepoRoot, "ap-northeast-2"));
    private static readonly PausePlan Plan = PausePlan.For(Environments.Dev.Names);
    private static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "cost");

    [Fact]
    public void Effective_cost_weighs_running_by_hours_up_and_paused_or_deep_paused_by_hours_asleep()
    {
        var estimate = CostEstimate.Of(CloudAssembly.Load(Fixture), Table, Plan);
        var schedule = Environments.Dev.Sleep!;

        var sleep = SleepCost.Of(estimate, schedule, Table.HoursPerMonth);

        var t = estimate.Totals;
        var up = 60m / 168;
        var deepUp = 62.5m / 168;
        Assert.Equal(t.Running * up + t.Paused * (1 - up), sleep.Shallow, 10);
        Assert.Equal(t.Running * deepUp + t.DeepPaused * (1 - deepUp), sleep.Deep, 10);
        Assert.Equal(730m * 60 / 168, sleep.ShallowUpHours, 10);
        Assert.Equal(730m - sleep.DeepUpHours, sleep.DeepAsleepHours);
        Assert.True(t.DeepPaused < sleep.Deep && sleep.Deep < sleep.Shallow && sleep.Shallow < t.Running);
        // The control plane bills all month under shallow sleep and only while up under deep sleep.
        var controlPlane = sleep.Lines.Single(l => l.LogicalId == "Cluster");
        Assert.Equal(730 * Table.Eks.StandardPerHour.Usd, controlPlane.Shallow, 10);
        Assert.Equal(730 * Table.Eks.StandardPerHour.Usd * deepUp, controlPlane.Deep, 10);
        Assert.Equal(sleep.Shallow, sleep.Configured);
        Assert.Equal(sleep.Deep, SleepCost.Of(estimate, schedule with { Deep = true }, Table.HoursPerMonth).Configured);
    }

    [Fact]
    public void Without_a_schedule_the_effective_cost_is_the_running_cost()
    {
        var estimate = CostEstimate.Of(CloudAssembly.Load(Fixture), Table, Plan);

        var sleep = SleepCost.Of(estimate, null, Table.HoursPerMonth);

        Assert.Equal(estimate.Totals.Running, sleep.Shallow);
        Assert.Equal(estimate.Totals.Running, sleep.Configured);
        Assert.Contains("No sleep schedule", string.Join("\n", CostText.Sleep(sleep)));
    }

    [NeedsCdkFact]
    public void The_pull_request_diff_of_two_synthesized_assemblies_lists_the_changed_resources_running_and_effective()
    {
        using var dir = new TempDir();
        var baseDir = Synthesize(dir.Combine("base"));
        var changeDir = Synthesize(dir.Combine("change"), "nat=gateway");
        var baseAssembly = CloudAssembly.Load(baseDir);
        Assert.Equal(Environments.Dev.Sleep!.ToJson(), baseAssembly.SleepSchedule!.ToJson()); // read from the templates

        var diff = CostDiff.Of(baseAssembly, CloudAssembly.Load(changeDir), Table, Plan);
        var markdown = diff.ToMarkdown(Table, thresholdUsd: 10);
        output.WriteLine(markdown);

        var gateway = Table.NatGateway.PerHour.Usd * 730 + Table.Usage.NatGatewayGbPerMonth * Table.NatGateway.PerGb.Usd;
        var gatewayRow = Assert.Single(diff.Resources, r => r.ChangeBilled.StartsWith("NAT gateway hours", StringComparison.Ordinal));
        Assert.Equal("(none)", gatewayRow.BaseBilled);
        Assert.Equal(gateway, gatewayRow.RunningDelta, 10);
        Assert.True(gatewayRow.EffectiveDelta > 0 && gatewayRow.EffectiveDelta < gatewayRow.RunningDelta,
            "the gateway's data processing stops while asleep, its hours do not");
        Assert.Equal(diff.Change.Totals.Running - diff.Base.Totals.Running, diff.Resources.Sum(r => r.RunningDelta), 10);
        Assert.Contains($"| `Exchange-dev-Vpc/{gatewayRow.LogicalId}` |", markdown);
        Assert.Contains($"| Running | ${CostText.Money(diff.Base.Totals.Running)} | ${CostText.Money(diff.Change.Totals.Running)} " +
                        $"| +${CostText.Money(diff.RunningDelta)} |", markdown);
        Assert.Contains("| Effective |", markdown);
        Assert.True(diff.Exceeds(10));
        Assert.Contains("above the threshold of $10.00", markdown);
        Assert.False(diff.Exceeds(100));
        Assert.False(diff.Exceeds(null));

        var same = CostDiff.Of(baseAssembly, CloudAssembly.Load(baseDir), Table, Plan);
        Assert.Empty(same.Resources);
        Assert.Contains("No resource changes its cost.", same.ToMarkdown(Table, null));
    }

    [NeedsCdkFact]
    public void The_CostDiff_target_writes_the_markdown_to_the_job_summary_and_fails_above_the_threshold()
    {
        using var dir = new TempDir();
        var gatewayBase = Synthesize(dir.Combine("base"), "nat=gateway");
        var summary = dir.Combine("summary.md");
        var env = new Dictionary<string, string>
        {
            ["EXCHANGE_ARTIFACTS_DIR"] = dir.Combine("artifacts"), ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "",
            ["GITHUB_STEP_SUMMARY"] = summary,
        };
        BuildContext Context(string threshold) => new(
            Contexts.Settings(new Dictionary<string, string> { ["base-assembly"] = gatewayBase, ["cost-threshold"] = threshold }, env),
            new MemoryLog(), n => env.GetValueOrDefault(n), [TaskNames.CostDiff]);

        var b = Context("0");
        CostReport.Diff(b); // the default is cheaper than a NAT gateway: a decrease never exceeds a threshold

        var written = File.ReadAllText(summary);
        Assert.Contains("### Monthly cost of this change", written);
        Assert.Contains("| Running |", written);
        Assert.Contains("Within the threshold", written);
        Assert.Equal(written.TrimEnd(), File.ReadAllText(CostReport.DiffFile(b)).TrimEnd());
        Assert.StartsWith("running -$", b.Report.Results.Single(r => r.Task == TaskNames.CostDiff).Detail);

        // Swapped: base = the default, change = the gateway assembly, through a second artifacts dir.
        var swapped = new Dictionary<string, string>(env) { ["EXCHANGE_CDK_OUT"] = gatewayBase, ["EXCHANGE_ARTIFACTS_DIR"] = dir.Combine("a2") };
        var defaultBase = Synthesize(dir.Combine("default"));
        var rising = new BuildContext(
            Contexts.Settings(new Dictionary<string, string> { ["base-assembly"] = defaultBase, ["cost-threshold"] = "5" }, swapped),
            new MemoryLog(), n => swapped.GetValueOrDefault(n), [TaskNames.CostDiff]) { AssemblyChecked = true };
        var error = Assert.Throws<InvalidOperationException>(() => CostReport.Diff(rising));
        Assert.Contains("more than --cost-threshold=5.00", error.Message);
    }

    /// <summary>The real CDK app through the pinned CLI into <paramref name="outDir"/>.</summary>
    private static string Synthesize(string outDir, params string[] context)
    {
        var infra = Path.Combine(Contexts.RepoRoot, "infra");
        var start = new ProcessStartInfo(Path.Combine(infra, "node_modules", ".bin", "cdk"))
        {
            WorkingDirectory = infra, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var a in new[] { "synth", "--output", outDir, "--quiet", "--no-notices", "-c", "env=dev" }.Concat(context.SelectMany(c => new[] { "-c", c })))
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, stderr.Result);
        return outDir;
    }
}

/// <summary>The EKS control-plane log group is priced by the log types its cluster enables.</summary>
public class ControlPlaneLogCostTests
{
    private static readonly PriceTable Table = PriceTable.Load(PriceTable.PathFor(Contexts.RepoRoot, "ap-northeast-2"));
    private static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "cost");

    private static decimal Logs(CostEstimate e) => e.Lines.Where(l => l.LogicalId == "ControlPlaneLogs").Sum(l => l.Running);

    [Fact]
    public void Each_enabled_log_type_adds_its_assumed_volume_and_a_group_without_its_cluster_falls_back_to_the_prefix()
    {
        var plan = PausePlan.For(Environments.Dev.Names);
        var assembly = CloudAssembly.Load(Fixture);
        var three = CostEstimate.Of(assembly, Table, plan);
        var copy = assembly.Clone();
        Assert.Equal(1, Patches.Set(copy, "AWS::EKS::Cluster", "Logging", new System.Text.Json.Nodes.JsonObject
        {
            ["ClusterLogging"] = new System.Text.Json.Nodes.JsonObject
            {
                ["EnabledTypes"] = new System.Text.Json.Nodes.JsonArray(new[] { "api", "audit", "authenticator", "controllerManager", "scheduler" }
                    .Select(t => (System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonObject { ["Type"] = t }).ToArray()),
            },
        }));
        var five = CostEstimate.Of(copy, Table, plan);

        var perType = Table.Usage.EksLogGbPerMonthByType!;
        var extraGb = perType["controllerManager"] + perType["scheduler"];
        Assert.Equal(extraGb * (Table.Logs.IngestionPerGb.Usd + 7m / 30 * Table.Logs.StoragePerGbMonth.Usd), Logs(five) - Logs(three), 10);
        Assert.Contains(three.Lines, l => l.Billed == "log ingestion, 5 GB/month assumed (api, audit, authenticator)");

        var orphan = CloudAssembly.FromTemplates(("Exchange-dev-Eks",
            """
            { "Resources": { "ControlPlaneLogs": { "Type": "AWS::Logs::LogGroup",
              "Properties": { "LogGroupName": "/aws/eks/other/cluster", "RetentionInDays": 7 } } } }
            """));
        var gb = Table.Usage.LogGroupGbPerMonthByNamePrefix["/aws/eks/"];
        Assert.Equal(gb * Table.Logs.IngestionPerGb.Usd + gb * 7 / 30 * Table.Logs.StoragePerGbMonth.Usd, Logs(CostEstimate.Of(orphan, Table, plan)), 10);
    }
}
