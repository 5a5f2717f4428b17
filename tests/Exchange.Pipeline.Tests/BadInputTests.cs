namespace Exchange.Pipeline.Tests;

/// <summary>Bad input fails early with a message that says what to do, before anything touches AWS.</summary>
public sealed class BadInputTests : IDisposable
{
    private static PipelineWorld world => PipelineWorld.Shared;
    private readonly PipelineRun _run = new(world);

    [Fact]
    public void A_missing_engine_directory_stops_DeployDev_before_any_AWS_call()
    {
        var result = _run.Build("--target=DeployDev", $"--engine-dir={_run.Root}/no-such-engine");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"Engine source directory '{_run.Root}/no-such-engine' does not exist. Pass --engine-dir=PATH", result.Text);
        Assert.Empty(_run.CloudCalls);
    }

    [Fact]
    public void An_engine_directory_without_Dockerfile_shard_is_refused()
    {
        File.Delete(Path.Combine(_run.EngineDir, "Dockerfile.shard"));

        var result = _run.Build("--target=DeployDev");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("has no Dockerfile.shard", result.Text);
        Assert.Empty(_run.CloudCalls);
    }

    [Fact]
    public void An_unknown_environment_lists_the_known_ones()
    {
        var result = _run.Build("--target=DeployDev", "--env=staging");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Unknown environment 'staging'. Known environments: dev", result.Text);
        Assert.Empty(_run.CloudCalls);
    }

    [Fact]
    public void Credentials_for_another_account_are_refused_before_anything_is_deployed()
    {
        _run.SignInAs("999988887777", "arn:aws:sts::999988887777:assumed-role/Developer/jane");

        var result = _run.Build("--target=DeployDev");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("your AWS credentials are for account 999988887777", result.Text);
        Assert.Contains("configured for account 111122223333", result.Text);
        // Doctor reads the tools' versions first (no AWS call); the first and only call that reaches AWS is the guard's.
        Assert.Equal(["aws sts get-caller-identity --region ap-northeast-2 --output json"],
            _run.Calls.Where(c => c.Args is not (["--version"] or ["version", ..])).Select(c => c.CommandLine));
        Assert.Equal(["sts:GetCallerIdentity"], _run.StandIn.Requests.Select(r => r.Action));
    }

    [Fact]
    public void No_account_configured_is_refused_for_AWS_targets()
    {
        var result = _run.BuildRaw("--target=DeployInfra", $"--engine-dir={_run.EngineDir}", $"--backend-dir={_run.BackendDir}");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("No AWS account is configured for environment 'dev'. Pass --account=123456789012", result.Text);
        Assert.Empty(_run.CloudCalls);
    }

    [Fact]
    public void Missing_AWS_credentials_say_how_to_log_in()
    {
        _run.Env["AWS_ACCESS_KEY_ID"] = null; // what the real aws CLI finds without credentials (HOME has no ~/.aws)
        _run.Env["AWS_SECRET_ACCESS_KEY"] = null;

        var result = _run.Build("--target=Doctor");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("AWS credentials are missing or expired", result.Text);
        Assert.Contains("aws sso login --profile NAME", result.Text);
    }

    [Fact]
    public void A_missing_tool_names_the_tool_the_target_and_the_fix()
    {
        _run.Env["AWS_PATH"] = "/nonexistent/aws";

        var result = _run.Build("--target=Doctor");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("AWS_PATH is set to '/nonexistent/aws', which does not exist", result.Text);
        Assert.Contains("target 'Doctor' needs it", result.Text);
    }

    [Fact]
    public void Bad_option_values_are_all_reported_at_once()
    {
        var result = _run.Build("--target=DeployDev", "--image-tag=latest", "--verify-timeout=soon");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--image-tag=latest is refused", result.Text);
        Assert.Contains("--verify-timeout 'soon' is not a duration", result.Text);
        Assert.Empty(_run.CloudCalls);
    }

    [Fact]
    public void DestroyDev_without_confirm_is_refused_before_anything_touches_AWS()
    {
        var result = _run.Build("--target=DestroyDev");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Rerun with --confirm to go ahead", result.Text);
        Assert.Empty(_run.CloudCalls);
    }

    [Fact]
    public void A_CDK_PATH_that_points_nowhere_fails_Synth_even_when_the_cloud_assembly_is_up_to_date()
    {
        var first = _run.BuildRaw("--target=Synth");
        Assert.True(first.ExitCode == 0, first.ToString());
        _run.Env["CDK_PATH"] = "/nonexistent/cdk";

        var result = _run.BuildRaw("--target=Synth");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("CDK_PATH is set to '/nonexistent/cdk', which does not exist", result.Text);
        Assert.Contains("unset CDK_PATH", result.Text);
        Assert.DoesNotContain("is up to date", result.Output);
    }

    [Fact]
    public void Test_with_no_Docker_engine_fails_in_seconds_and_its_last_lines_name_the_missing_engine()
    {
        _run.Env["DOCKER_HOST"] = $"unix://{_run.Root}/no-engine.sock";
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var result = _run.BuildRaw("--target=Test");

        Assert.NotEqual(0, result.ExitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), $"took {clock.Elapsed}");
        // The message is wrapped at 120 columns: read its last lines as prose.
        var last = System.Text.RegularExpressions.Regex.Replace(string.Join(" ", result.Output.TrimEnd().Split('\n').TakeLast(10)), @"\s+", " ");
        Assert.Contains($"Docker engine: none answers at DOCKER_HOST=unix://{_run.Root}/no-engine.sock", last);
        Assert.Contains("sudo bash .ci/run", last);
        Assert.DoesNotContain("Building the solution", result.Output);
    }

    public void Dispose() => _run.Dispose();
}
