using Exchange.Contracts;
using MySqlConnector;
using StackExchange.Redis;

namespace Exchange.Checker.Tests;

/// <summary>
/// The checker's provisioning mode (DeployPreview's and DestroyPreview's Job) against a real MariaDB and a real Redis on 127.0.0.1:
/// each preview gets a database and a user granted only it, a rerun changes nothing, a drop removes both and a second drop finds
/// nothing to do; a drop empties only the preview's own Redis database.
/// </summary>
public sealed class PreviewProvisioningTests(MariaDbServer mariadb, RedisServer redis) : IClassFixture<MariaDbServer>, IClassFixture<RedisServer>
{
    private const string PreviewPassword = "Preview-pw-4b1d-never-printed";

    private Dictionary<string, string> Environment(PreviewName preview, int redisDatabase, string password = PreviewPassword) => new()
    {
        [KubernetesSecrets.MysqlHost] = "127.0.0.1",
        [KubernetesSecrets.MysqlPort] = mariadb.Port.ToString(),
        [KubernetesSecrets.MysqlUsername] = MariaDbServer.User,
        [KubernetesSecrets.MysqlPassword] = MariaDbServer.Password,
        [KubernetesSecrets.MysqlDatabase] = MariaDbServer.Database,
        [KubernetesSecrets.RedisHost] = "127.0.0.1",
        [KubernetesSecrets.RedisPort] = redis.Port.ToString(),
        [PreviewProvisioning.Database] = preview.Database,
        [PreviewProvisioning.User] = preview.DatabaseUser,
        [PreviewProvisioning.Password] = password,
        [PreviewProvisioning.RedisDatabase] = redisDatabase.ToString(),
    };

    private static CheckerRun Provision(string mode, Dictionary<string, string> environment) =>
        CheckerProcess.Run(environment, PreviewProvisioning.Argument + mode, "--checks=mysql,redis", "--timeout=5");

    private MySqlConnection Login(string user, string password, string? database = null) => new(new MySqlConnectionStringBuilder
    {
        Server = "127.0.0.1", Port = (uint)mariadb.Port, UserID = user, Password = password, Database = database ?? "", Pooling = false,
    }.ConnectionString);

    private static string Mysql(CheckerRun run) => CheckReport.Parse(run.Stdout).Checks.Single(c => c.Check == ConnectivityCheck.Mysql).Detail;

    [Fact]
    public void Create_gives_the_preview_a_database_and_a_user_that_can_use_it_and_nothing_else_and_a_rerun_changes_nothing()
    {
        var preview = PreviewName.ForPullRequest("dev", "4101");
        var created = Provision(PreviewProvisioning.Create, Environment(preview, 3));
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Contains($"created database {preview.Database}; created user {preview.DatabaseUser}; granted", Mysql(created));
        Assert.DoesNotContain(PreviewPassword, created.Output);

        using (var own = Login(preview.DatabaseUser, PreviewPassword, preview.Database))
        {
            own.Open();
            using var create = new MySqlCommand("CREATE TABLE orders (id INT PRIMARY KEY); INSERT INTO orders VALUES (1)", own);
            create.ExecuteNonQuery();
            using var other = new MySqlCommand($"SELECT COUNT(*) FROM `{MariaDbServer.Database}`.information_schema_probe", own);
            var denied = Assert.Throws<MySqlException>(() => other.ExecuteScalar());
            Assert.Equal(MySqlErrorCode.TableAccessDenied, denied.ErrorCode);
        }
        using (var main = Login(preview.DatabaseUser, PreviewPassword, MariaDbServer.Database))
            Assert.Equal(MySqlErrorCode.DatabaseAccessDenied, Assert.Throws<MySqlException>(() => main.Open()).ErrorCode);

        var again = Provision(PreviewProvisioning.Create, Environment(preview, 3));
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.EndsWith(": unchanged", Mysql(again));

        Provision(PreviewProvisioning.Drop, Environment(preview, 3));
    }

    [Fact]
    public void Create_sets_the_password_of_a_user_left_with_another_one_so_the_Secret_and_the_user_agree()
    {
        var preview = PreviewName.Named("dev", "carol");
        Assert.Equal(0, Provision(PreviewProvisioning.Create, Environment(preview, 4, "an-older-password-1")).ExitCode);

        var run = Provision(PreviewProvisioning.Create, Environment(preview, 4));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal($"set {preview.DatabaseUser}'s password from its Secret", Mysql(run));
        using var own = Login(preview.DatabaseUser, PreviewPassword, preview.Database);
        own.Open();

        Provision(PreviewProvisioning.Drop, Environment(preview, 4));
    }

    [Fact]
    public void Drop_removes_the_user_and_the_database_leaves_another_preview_alone_and_a_second_drop_finishes_with_nothing_to_do()
    {
        var gone = PreviewName.ForPullRequest("dev", "4102");
        var kept = PreviewName.ForPullRequest("dev", "4103");
        Assert.Equal(0, Provision(PreviewProvisioning.Create, Environment(gone, 5)).ExitCode);
        Assert.Equal(0, Provision(PreviewProvisioning.Create, Environment(kept, 6)).ExitCode);

        var dropped = Provision(PreviewProvisioning.Drop, Environment(gone, 5));
        Assert.True(dropped.ExitCode == 0, dropped.ToString());
        Assert.Equal($"dropped user {gone.DatabaseUser}; dropped database {gone.Database}", Mysql(dropped));
        using (var login = Login(gone.DatabaseUser, PreviewPassword))
            Assert.Equal(MySqlErrorCode.AccessDenied, Assert.Throws<MySqlException>(() => login.Open()).ErrorCode);
        using (var stillThere = Login(kept.DatabaseUser, PreviewPassword, kept.Database)) stillThere.Open();

        var again = Provision(PreviewProvisioning.Drop, Environment(gone, 5));
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.EndsWith(": already gone", Mysql(again));

        Provision(PreviewProvisioning.Drop, Environment(kept, 6));
    }

    [Fact]
    public void Drop_empties_only_the_previews_own_Redis_database()
    {
        var preview = PreviewName.ForPullRequest("dev", "4104");
        using var client = ConnectionMultiplexer.Connect($"127.0.0.1:{redis.Port},allowAdmin=true");
        client.GetDatabase(0).StringSet("main-key", "main");
        client.GetDatabase(7).StringSet("neighbour-key", "other preview");
        client.GetDatabase(8).StringSet("order:1", "this preview");
        client.GetDatabase(8).StringSet("order:2", "this preview");
        Assert.Equal(0, Provision(PreviewProvisioning.Create, Environment(preview, 8)).ExitCode);

        var dropped = Provision(PreviewProvisioning.Drop, Environment(preview, 8));
        Assert.True(dropped.ExitCode == 0, dropped.ToString());
        Assert.Contains("Redis database 8: removed 2 key(s)", dropped.Stdout);
        Assert.Equal(0, client.GetServer("127.0.0.1", redis.Port).DatabaseSize(8));
        Assert.Equal("main", (string?)client.GetDatabase(0).StringGet("main-key"));
        Assert.Equal("other preview", (string?)client.GetDatabase(7).StringGet("neighbour-key"));
        Assert.Contains("Redis database 8: already empty", Provision(PreviewProvisioning.Drop, Environment(preview, 8)).Stdout);
    }

    [Fact]
    public void A_drop_without_a_slot_leaves_Redis_out_and_still_removes_the_database_and_the_user()
    {
        var preview = PreviewName.ForPullRequest("dev", "4106");
        using var client = ConnectionMultiplexer.Connect($"127.0.0.1:{redis.Port},allowAdmin=true");
        client.GetDatabase(0).StringSet("main-key-4106", "main");
        Assert.Equal(0, Provision(PreviewProvisioning.Create, Environment(preview, 9)).ExitCode);
        var environment = Environment(preview, 0);
        environment.Remove(PreviewProvisioning.RedisDatabase);

        var run = CheckerProcess.Run(environment, PreviewProvisioning.Argument + PreviewProvisioning.Drop, "--checks=mysql", "--timeout=5");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal($"dropped user {preview.DatabaseUser}; dropped database {preview.Database}", Mysql(run));
        Assert.DoesNotContain("check redis", run.Stdout);
        Assert.Equal("main", (string?)client.GetDatabase(0).StringGet("main-key-4106"));
    }

    [Fact]
    public void The_list_names_the_preview_databases_on_the_server_and_not_the_main_one()
    {
        var one = PreviewName.ForPullRequest("dev", "4107");
        var two = PreviewName.Named("dev", "dana-b");
        Assert.Equal(0, Provision(PreviewProvisioning.Create, Environment(one, 10)).ExitCode);
        Assert.Equal(0, Provision(PreviewProvisioning.Create, Environment(two, 11)).ExitCode);
        var master = Environment(one, 10);
        foreach (var key in master.Keys.Where(k => k.StartsWith("PREVIEW_", StringComparison.Ordinal)).ToList()) master.Remove(key);

        var run = CheckerProcess.Run(master, PreviewProvisioning.Argument + PreviewProvisioning.List, "--checks=mysql", "--timeout=5");

        Assert.True(run.ExitCode == 0, run.ToString());
        var names = Mysql(run)[PreviewProvisioning.ListedDatabases.Length..].Split(',');
        Assert.Contains(one.Database, names);
        Assert.Contains("preview_dana_b", names);
        Assert.DoesNotContain(MariaDbServer.Database, names);
        Assert.Equal(two, PreviewName.FromDatabase("dev", "preview_dana_b"));

        Provision(PreviewProvisioning.Drop, Environment(one, 10));
        Provision(PreviewProvisioning.Drop, Environment(two, 11));
    }

    [Theory]
    [InlineData("0", "is not a Redis database from 1 to 15 (0 is the main namespace's)")]
    [InlineData("16", "is not a Redis database from 1 to 15")]
    public void The_main_namespaces_Redis_database_or_one_Redis_does_not_have_is_refused_before_anything_is_touched(string number, string message)
    {
        var environment = Environment(PreviewName.ForPullRequest("dev", "4105"), 1);
        environment[PreviewProvisioning.RedisDatabase] = number;
        var run = Provision(PreviewProvisioning.Drop, environment);
        Assert.Equal(ConnectivityCheck.Misconfigured, run.ExitCode);
        Assert.Contains(message, run.Stdout);
    }
}
