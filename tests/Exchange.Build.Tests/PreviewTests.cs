using System.Text.Json;
using Exchange.Build.Cost;
using Exchange.Build.Aws;
using Exchange.Build.Kubernetes;
using Exchange.Build.Processes;
using Exchange.Build.Pipeline.Tasks;
using Exchange.Build.Settings;
using Exchange.Contracts;

namespace Exchange.Build.Tests;

/// <summary>A preview's names, its settings, its record and manifests, and its cost: everything of DeployPreview that needs no cluster.</summary>
public class PreviewTests
{
    [Fact]
    public void A_pull_requests_preview_derives_every_name_from_its_number()
    {
        var preview = PreviewName.ForPullRequest("dev", "123");

        Assert.Equal("exchange-dev-pr-123", preview.Namespace);
        Assert.Equal("preview_pr_123", preview.Database);
        Assert.Equal("pv_pr_123", preview.DatabaseUser);
        Assert.Equal("pr-123.", preview.TopicPrefix);
        Assert.Equal(Environments.Dev.KafkaTopics.Select(t => "pr-123." + t), preview.Topics(Environments.Dev));
        Assert.Equal(preview, PreviewName.FromNamespace("dev", "exchange-dev-pr-123"));
        Assert.Null(PreviewName.FromNamespace("dev", "exchange-dev"));
        Assert.Null(PreviewName.FromNamespace("dev", "kube-system"));
    }

    [Fact]
    public void The_longest_name_allowed_still_fits_a_namespace_a_MySQL_database_and_a_MySQL_user()
    {
        var longest = PreviewName.Named("dev", "a" + new string('b', PreviewName.MaxIdLength - 1));
        var largest = PreviewName.ForPullRequest("dev", "999999999");

        foreach (var preview in new[] { longest, largest })
        {
            Assert.True(preview.Namespace.Length <= 63, preview.Namespace);
            Assert.True(preview.Database.Length <= 64, preview.Database);
            Assert.True(preview.DatabaseUser.Length <= 32, preview.DatabaseUser);
        }
    }

    [Theory]
    [InlineData("0", "not a pull request number")]
    [InlineData("0123", "no leading zero")]
    [InlineData("12a", "digits only")]
    [InlineData("-4", "digits only")]
    [InlineData("1234567890", "at most 9 digits")]
    public void A_pull_request_number_that_is_not_one_is_refused_with_the_rule(string number, string rule)
    {
        var error = Assert.Throws<ArgumentException>(() => PreviewName.ForPullRequest("dev", number));
        Assert.Contains(rule, error.Message);
    }

    [Theory]
    [InlineData("Alice", "lower-case letters, digits and single hyphens")]
    [InlineData("alice_b", "lower-case letters, digits and single hyphens")]
    [InlineData("al--ice", "lower-case letters, digits and single hyphens")]
    [InlineData("alice-", "lower-case letters, digits and single hyphens")]
    [InlineData("1alice", "starting with a letter")]
    [InlineData("abcdefghijklmnopqrstuvwxy", "at most 24 characters")]
    [InlineData("pr-12", "belong to pull requests")]
    [InlineData("main", "collide with the environment's own names")]
    [InlineData("dev", "collide with the environment's own names")]
    public void A_preview_name_that_is_not_a_namespace_a_MySQL_identifier_and_a_topic_prefix_is_refused_with_the_rule(string name, string rule)
    {
        var error = Assert.Throws<ArgumentException>(() => PreviewName.Named("dev", name));
        Assert.Contains(rule, error.Message);
    }

    [Fact]
    public void The_settings_refuse_a_bad_preview_both_options_at_once_and_a_cap_Redis_cannot_hold()
    {
        var bad = Assert.Throws<SettingsException>(() => Contexts.Settings(new() { [ArgumentNames.PullRequest] = "07" }));
        var both = Assert.Throws<SettingsException>(() => Contexts.Settings(new()
            { [ArgumentNames.PullRequest] = "7", [ArgumentNames.Preview] = "alice" }));
        var cap = Assert.Throws<SettingsException>(() => Contexts.Settings(new() { [ArgumentNames.PreviewCap] = $"{Previews.MaxSlots + 1}" }));

        Assert.Contains("--pr: '07' is not a pull request number", bad.Message);
        Assert.Contains("Pass --pr=N or --preview=NAME, not both.", both.Message);
        Assert.Contains($"--preview-cap '{Previews.MaxSlots + 1}' must be a number from 1 to {Previews.MaxSlots} (the preview slots", cap.Message);
        Assert.Equal("pr-7", Contexts.Settings(new() { [ArgumentNames.PullRequest] = "7" }).Preview!.Id);
    }

    [Fact]
    public void A_preview_keeps_its_own_images_record_and_leaves_the_main_one_alone()
    {
        var main = Contexts.Settings();
        var preview = Contexts.Settings(new() { [ArgumentNames.PullRequest] = "7" });

        Assert.EndsWith("images.json", main.ImagesFile);
        Assert.EndsWith("images-pr-7.json", preview.ImagesFile);
        Assert.Equal(main.OutputsFile, preview.OutputsFile);
    }

    [Fact]
    public void DeployPreview_without_a_preview_stops_before_it_runs_and_says_which_options_name_one()
    {
        var problems = Contexts.Settings(new() { ["account"] = "123456789012" }).ProblemsFor([Pipeline.TaskNames.DestroyPreview]);
        Assert.Contains(problems, p => p.StartsWith("Which preview? Pass --pr=N", StringComparison.Ordinal));
    }

    [Fact]
    public void The_free_slot_is_the_lowest_one_no_preview_holds_and_none_is_left_after_the_fifteenth()
    {
        Assert.Equal(1, Previews.FreeSlot([]));
        Assert.Equal(2, Previews.FreeSlot([1, 3]));
        Assert.Null(Previews.FreeSlot(Enumerable.Range(1, Previews.MaxSlots)));
        Assert.Equal(30082, Previews.NodePort(2));
    }

    [Fact]
    public void The_password_is_the_same_for_the_same_preview_and_master_password_and_differs_otherwise()
    {
        var pr7 = PreviewName.ForPullRequest("dev", "7");
        var password = PreviewManifests.Password("master-1", pr7);

        Assert.Equal(password, PreviewManifests.Password("master-1", pr7));
        Assert.NotEqual(password, PreviewManifests.Password("master-2", pr7));
        Assert.NotEqual(password, PreviewManifests.Password("master-1", PreviewName.ForPullRequest("dev", "8")));
        Assert.DoesNotContain("master-1", password);
        Assert.Matches("^[A-Za-z0-9]{40,}$", password);
    }

    [Fact]
    public void A_redeploy_with_the_same_images_keeps_the_record_and_new_images_move_the_last_deploy_and_the_expiry()
    {
        var preview = PreviewName.ForPullRequest("dev", "7");
        var t0 = new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
        var first = PreviewManifests.Annotations(preview, "alice", "backend:a", 1, null, t0, Previews.DefaultLifetime);
        var earlier = Record(first);

        var same = PreviewManifests.Annotations(preview, "bob", "backend:a", 1, earlier, t0.AddHours(5), Previews.DefaultLifetime);
        var moved = PreviewManifests.Annotations(preview, "bob", "backend:b", 1, earlier, t0.AddHours(5), Previews.DefaultLifetime);

        Assert.Equal(first, same);
        Assert.Equal("2026-12-10T10:00:00Z", first[Previews.ExpiresAnnotation]);
        Assert.Equal("2026-12-07T15:00:00Z", moved[Previews.DeployedAnnotation]);
        Assert.Equal("2026-12-10T15:00:00Z", moved[Previews.ExpiresAnnotation]);
        Assert.Equal(first[Previews.CreatedAnnotation], moved[Previews.CreatedAnnotation]);
        Assert.Equal("alice", moved[Previews.OwnerAnnotation]);
    }

    [Fact]
    public void The_list_reads_previews_from_the_namespaces_and_their_record_and_knows_an_expired_and_a_recordless_one()
    {
        var t0 = new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
        var annotations = PreviewManifests.Annotations(PreviewName.ForPullRequest("dev", "7"), "alice", "backend:a", 2, null, t0,
            Previews.DefaultLifetime);
        var json = JsonSerializer.Serialize(new
        {
            items = new object[]
            {
                new { metadata = new { name = "exchange-dev-pr-7", annotations }, status = new { phase = "Active" } },
                new { metadata = new { name = "exchange-dev-alice" }, status = new { phase = "Terminating" } },
                new { metadata = new { name = "exchange-dev" }, status = new { phase = "Active" } },
            },
        });

        var records = PreviewRecord.ParseList("dev", json);

        Assert.Equal(["alice", "pr-7"], records.Select(r => r.Name.Id));
        var pr7 = records[1];
        Assert.Equal(2, pr7.Slot);
        Assert.Equal("alice", pr7.Owner);
        Assert.False(pr7.ExpiredAt(t0.AddDays(2)));
        Assert.True(pr7.ExpiredAt(t0.AddDays(3)));
        Assert.Null(records[0].Expires);
        Assert.True(records[0].Terminating);
    }

    [Fact]
    public void The_preview_secrets_keep_the_main_names_and_keys_with_its_own_database_user_and_password()
    {
        var main = KubernetesSecrets.All.ToDictionary(d => d,
            d => (IReadOnlyDictionary<string, string>)d.Keys.ToDictionary(k => k, k => "main-" + k));
        var preview = PreviewName.ForPullRequest("dev", "7");

        var secrets = PreviewManifests.Secrets(main, preview, "pw-of-pr-7");

        foreach (var definition in KubernetesSecrets.All) Assert.Equal(definition.Keys.Order(), secrets[definition].Keys.Order());
        Assert.Equal("pv_pr_7", secrets[KubernetesSecrets.Db][KubernetesSecrets.MysqlUsername]);
        Assert.Equal("preview_pr_7", secrets[KubernetesSecrets.Db][KubernetesSecrets.MysqlDatabase]);
        Assert.Equal("pw-of-pr-7", secrets[KubernetesSecrets.Db][KubernetesSecrets.MysqlPassword]);
        Assert.Equal("main-" + KubernetesSecrets.MysqlHost, secrets[KubernetesSecrets.Db][KubernetesSecrets.MysqlHost]);
        Assert.Equal(main[KubernetesSecrets.Redis], secrets[KubernetesSecrets.Redis]);
        Assert.Contains("\"name\":\"db-credentials\",\"namespace\":\"exchange-dev-pr-7\"", SecretManifests.Build(preview.Namespace, secrets));
    }

    [Fact]
    public void The_namespace_carries_the_label_and_record_and_comes_with_a_quota_and_limits()
    {
        var preview = PreviewName.ForPullRequest("dev", "7");
        var text = PreviewManifests.Namespace(preview, "dev", new Dictionary<string, string> { [Previews.SlotAnnotation] = "1" });
        var documents = text.Split("---\n", StringSplitOptions.RemoveEmptyEntries).Select(d => JsonDocument.Parse(d).RootElement).ToArray();

        Assert.Equal(["Namespace", "ResourceQuota", "LimitRange"], documents.Select(d => d.GetProperty("kind").GetString()));
        Assert.Equal("pr-7", documents[0].GetProperty("metadata").GetProperty("labels").GetProperty(Previews.Label).GetString());
        Assert.Equal("1", documents[0].GetProperty("metadata").GetProperty("annotations").GetProperty(Previews.SlotAnnotation).GetString());
        var hard = documents[1].GetProperty("spec").GetProperty("hard");
        Assert.Equal(Previews.Quota.RequestsCpu, hard.GetProperty("requests.cpu").GetString());
        Assert.Equal("0", hard.GetProperty("services.loadbalancers").GetString());
        Assert.All(documents.Skip(1), d => Assert.Equal("exchange-dev-pr-7", d.GetProperty("metadata").GetProperty("namespace").GetString()));
    }

    [Fact]
    public void The_overlay_in_a_preview_runs_one_backend_replica_on_the_slots_NodePort_and_the_quota_holds_its_requests()
    {
        var layer = Path.Combine(Path.GetTempPath(), $"exchange-preview-test-{Guid.NewGuid():N}");
        try
        {
            KustomizeImageLayer.Write(layer, Path.Combine(Contexts.RepoRoot, "k8s", "overlays", "aws-dev"), [],
                new LayerOptions("exchange-dev-pr-7", Patches: PreviewManifests.OverlayPatches(3)));
            var rendered = ManifestDocuments.Parse(Kustomize(layer));

            var backend = rendered.Single(d => d is { Kind: "Deployment", Name: "future-backend" });
            Assert.Contains("replicas: 1\n", backend.Text);
            Assert.Contains("nodePort: 30083\n", rendered.Single(d => d is { Kind: "Service", Name: "future-backend" }).Text);
            Assert.All(rendered.Where(d => d.Kind != "Namespace"), d => Assert.Equal("exchange-dev-pr-7", d.Namespace));
            Assert.Contains(rendered, d => d is { Kind: "NetworkPolicy", Name: "default-deny" });

            // The quota must admit what the preview runs: one backend and every shard, and the check Job.
            var cpu = 0m;
            var memory = 0m;
            foreach (var workload in ManifestDocuments.Workloads(rendered))
            {
                var replicas = int.Parse(System.Text.RegularExpressions.Regex.Match(workload.Text, @"replicas: (\d+)").Groups[1].Value);
                var requests = System.Text.RegularExpressions.Regex.Match(workload.Text,
                    @"requests:\s+cpu: (\S+)\s+(?:ephemeral-storage: \S+\s+)?memory: (\S+)");
                Assert.True(requests.Success, workload.Text);
                cpu += replicas * PreviewCost.Quantity(requests.Groups[1].Value);
                memory += replicas * PreviewCost.Quantity(requests.Groups[2].Value);
            }
            Assert.True(cpu + 0.1m <= PreviewCost.Quantity(Previews.Quota.RequestsCpu), $"{cpu} vCPU requested");
            Assert.True(memory + 0.1875m <= PreviewCost.Quantity(Previews.Quota.RequestsMemory), $"{memory} GiB requested");
        }
        finally
        {
            if (Directory.Exists(layer)) Directory.Delete(layer, recursive: true);
        }
    }

    [Fact]
    public void A_preview_costs_its_quotas_share_of_a_Spot_node_from_the_price_table()
    {
        var prices = PriceTable.Load(PriceTable.PathFor(Contexts.RepoRoot, "ap-northeast-2"));

        var cost = PreviewCost.Of(prices, Environments.Dev);

        Assert.Equal(0.75m, cost.NodeShare); // 1.5 of the t3.medium's 2 vCPU (memory: 2.75 of 4 GiB)
        Assert.Equal(Math.Round(0.75m * prices.SpotHourly("t3.medium") * 24, 2), cost.PerDay);
        Assert.Equal(0.33m, cost.PerDay);
    }

    [Fact]
    public void Cost_says_what_one_preview_adds_and_what_the_cap_allows()
    {
        var cost = PreviewCost.Of(PriceTable.Load(PriceTable.PathFor(Contexts.RepoRoot, "ap-northeast-2")), Environments.Dev);

        var lines = CostReport.PreviewLines(cost, 3).ToArray();

        Assert.StartsWith($"Previews: one adds ~${cost.PerMonth:0.00}/month ($0.33/day: its quota's 0.75 of a Spot t3.medium node", lines[0]);
        Assert.Contains($"at the cap of 3 (--preview-cap), up to ~${cost.PerMonth * 3:0.00}/month", lines[1]);
        Assert.All(lines, l => Assert.True(l.Length <= 120, l));
    }

    [Theory]
    [InlineData("created database preview_pr_7; created user pv_pr_7; granted pv_pr_7 all on preview_pr_7 (only)", true)]
    [InlineData("database preview_pr_7 and user pv_pr_7 (granted only it): unchanged", false)]
    [InlineData("Redis database 3: removed 2 key(s)", true)]
    [InlineData("Redis database 3: already empty", false)]
    [InlineData("kafka-credentials: 1 broker(s); round trip through exchange-checker-1 (partition 0; created; deleted)", false)]
    public void A_provisioning_line_is_a_change_when_it_starts_a_part_with_a_verb(string detail, bool changed) =>
        Assert.Equal(changed, PreviewTargets.Changed(detail));

    [Fact]
    public void The_sweeps_orphans_are_the_listed_preview_databases_whose_namespace_is_gone()
    {
        var t0 = new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
        var live = Record(PreviewManifests.Annotations(PreviewName.ForPullRequest("dev", "7"), "a", "i", 1, null, t0, Previews.DefaultLifetime));
        var line = PreviewProvisioning.ListedDatabases + "preview_pr_7,preview_pr_9,preview_bob_x,future_exchange";

        var orphans = PreviewTargets.OrphansOf("dev", line, [live]);

        Assert.Equal(["pr-9", "bob-x"], orphans.Select(o => o.Id));
        Assert.Empty(PreviewTargets.OrphansOf("dev", PreviewProvisioning.ListedDatabases + "none", [live]));
        Assert.Empty(PreviewTargets.OrphansOf("dev", "db-credentials: SELECT 1 ok", [live]));
    }

    [Fact]
    public void Topics_of_a_preview_whose_namespace_is_gone_are_orphans_and_topics_of_other_shapes_are_nobodys()
    {
        var t0 = new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
        var live = Record(PreviewManifests.Annotations(PreviewName.ForPullRequest("dev", "7"), "a", "i", 1, null, t0, Previews.DefaultLifetime));
        var main = Environments.Dev.KafkaTopics;
        var line = PreviewProvisioning.ListedTopics + string.Join(",", new[]
        {
            $"pr-7.{main[0]}", $"pr-9.{main[0]}", $"pr-9.{main[1]}", $"bob.{main[2]}", $"pr-11.other-app-topic", "analytics.clicks", $"Bad_Name.{main[0]}",
        });

        var orphans = PreviewTargets.TopicOrphansOf("dev", line, main, [live]);

        Assert.Equal(["pr-9", "bob"], orphans.Select(o => o.Id));
        Assert.Empty(PreviewTargets.TopicOrphansOf("dev", PreviewProvisioning.ListedTopics + "none", main, [live]));
    }

    [Fact]
    public void The_list_Job_reads_only_the_main_secrets_and_a_destroy_without_a_slot_leaves_Redis_out()
    {
        var list = PreviewManifests.ListPatches().Single().JsonPatch;
        var drop = PreviewManifests.ProvisionPatches(PreviewName.ForPullRequest("dev", "7"), PreviewProvisioning.Drop, withRedis: false)
            .Single().JsonPatch;

        Assert.Contains("[\"--provision=list\",\"--checks=mysql,kafka\"]", list);
        Assert.DoesNotContain("preview-provision-pr", list);
        Assert.Contains(PreviewProvisioning.ListSecretName, list);
        var listSecret = PreviewManifests.ListSecret("exchange-dev", Environments.Dev.KafkaTopics, 3);
        Assert.Contains(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(string.Join(',', Environments.Dev.KafkaTopics))), listSecret);
        Assert.Contains("[\"--provision=drop\",\"--checks=mysql,kafka\"]", drop);
        Assert.Contains("preview-provision-pr-7", drop);
    }

    private static PreviewRecord Record(IReadOnlyDictionary<string, string> annotations) =>
        PreviewRecord.ParseList("dev", JsonSerializer.Serialize(new
        {
            items = new object[] { new { metadata = new { name = "exchange-dev-pr-7", annotations }, status = new { phase = "Active" } } },
        })).Single();

    private static string Kustomize(string dir)
    {
        var start = new System.Diagnostics.ProcessStartInfo("kubectl", ["kustomize", dir]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, process.StandardError.ReadToEnd());
        return output;
    }

    private const string Listener = "arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:listener/app/Excha-Backe-1/0a/0b";
    private static readonly ListenerRule Default = new(Listener.Replace(":listener/", ":listener-rule/") + "/default", "default", [], "tg-main");

    private static ListenerRule Rule(string priority, string pattern, string targetGroup) =>
        new(Listener.Replace(":listener/", ":listener-rule/") + "/" + priority, priority, [pattern], targetGroup);

    [Fact]
    public void A_previews_route_is_its_path_at_its_slots_priority_and_a_rerun_with_it_in_place_changes_nothing()
    {
        var pr = PreviewName.ForPullRequest("dev", "123");
        var right = Rule($"{Previews.RulePriority(2)}", "/pr-123/*", "tg-2");

        var fresh = PreviewRoute.Plan([Default], pr, 2, "tg-2");
        var again = PreviewRoute.Plan([right, Default], pr, 2, "tg-2");

        Assert.Equal(("/pr-123/", "/pr-123/*"), (pr.RoutePath, pr.RoutePattern));
        Assert.True(fresh.Create);
        Assert.Empty(fresh.Delete);
        Assert.False(again.Any);
        Assert.Equal(pr, PreviewName.FromRoutePattern("dev", "/pr-123/*"));
        Assert.Equal(PreviewName.Named("dev", "alice"), PreviewName.FromRoutePattern("dev", "/alice/*"));
        Assert.Null(PreviewName.FromRoutePattern("dev", "/api/v1"));
    }

    [Fact]
    public void A_stale_rule_of_the_preview_or_another_path_on_its_slots_priority_is_deleted_before_the_route_is_created()
    {
        var pr = PreviewName.ForPullRequest("dev", "123");
        var elsewhere = Rule($"{Previews.RulePriority(5)}", "/pr-123/*", "tg-5");      // the preview's own, from another slot
        var leftover = Rule($"{Previews.RulePriority(2)}", "/pr-9/*", "tg-2");         // an interrupted destroy's, on this slot
        var other = Rule($"{Previews.RulePriority(3)}", "/pr-77/*", "tg-3");           // another preview's: untouched

        var change = PreviewRoute.Plan([elsewhere, leftover, other, Default], pr, 2, "tg-2");

        Assert.Equal([elsewhere, leftover], change.Delete);
        Assert.True(change.Create);
    }

    [Fact]
    public void Routes_of_previews_that_are_gone_are_orphans_and_the_default_rule_and_live_previews_are_not()
    {
        var live = PreviewName.ForPullRequest("dev", "1");
        // A rule somebody added by hand (priority 5, /docs/*) is not a preview's, though "docs" could name one.
        var rules = new[] { Rule("101", "/pr-1/*", "tg-1"), Rule("102", "/pr-2/*", "tg-2"), Rule("103", "/alice/*", "tg-3"), Rule("5", "/docs/*", "tg-x"),
                            Default };

        var orphans = PreviewRoute.OrphansOf("dev", rules, [live]);

        Assert.Equal([PreviewName.ForPullRequest("dev", "2"), PreviewName.Named("dev", "alice")], orphans);
    }

    [Fact]
    public void The_rule_command_matches_the_preview_path_and_cuts_the_prefix_off_with_a_url_rewrite()
    {
        var tools = new Exchange.Build.Tools.ToolResolver(n => n == "AWS_PATH" ? "/bin/sh" : null, "/", () => null);
        var aws = new AwsCli(new RecordingRunner(), tools,
            new Exchange.Build.Logging.Redactor(), "ap-northeast-2");

        var command = aws.CreatePathRuleCommand(Listener, Previews.RulePriority(1), "/pr-1/*", "tg-1").Values.ToArray();

        Assert.Equal(["elbv2", "create-rule", "--listener-arn", Listener, "--priority", "101"], command[..6]);
        Assert.Contains("""[{"Field":"path-pattern","PathPatternConfig":{"Values":["/pr-1/*"]}}]""", command);
        Assert.Contains("Type=forward,TargetGroupArn=tg-1", command);
        var transform = System.Text.Json.Nodes.JsonNode.Parse(command[Array.IndexOf(command, "--transforms") + 1])!;
        var rewrite = transform[0]!["UrlRewriteConfig"]!["Rewrites"]![0]!;
        var regex = new System.Text.RegularExpressions.Regex(rewrite["Regex"]!.GetValue<string>());
        Assert.Equal("/orders/7", regex.Replace("/pr-1/orders/7", rewrite["Replace"]!.GetValue<string>()));
        Assert.DoesNotMatch(regex, "/pr-10/orders");
    }
}
