using Exchange.Build.Tools;

namespace Exchange.Build.Tests;

public class ToolResolverTests
{
    [Fact]
    public void An_override_variable_wins_over_PATH()
    {
        using var dir = new TempDir();
        var fake = dir.Script("my-kubectl", "echo fake");
        var onPath = dir.Script("bin/kubectl", "echo real");
        var env = new Dictionary<string, string> { ["KUBECTL_PATH"] = fake, ["PATH"] = Path.GetDirectoryName(onPath)! };
        var resolver = new ToolResolver(env.GetValueOrDefault, dir.Path, () => "ApplyK8s");

        Assert.Equal(fake, resolver.Resolve(ToolKind.Kubectl));
    }

    [Fact]
    public void PATH_is_searched_for_executables_only()
    {
        using var dir = new TempDir();
        dir.Write("a/aws", "not executable");
        var executable = dir.Script("b/aws", "exit 0");
        var env = new Dictionary<string, string> { ["PATH"] = $"{dir.Combine("a")}:{dir.Combine("b")}" };

        Assert.Equal(executable, new ToolResolver(env.GetValueOrDefault, dir.Path, () => null).Resolve(ToolKind.Aws));
    }

    [Fact]
    public void The_pinned_cdk_in_infra_node_modules_is_preferred_to_PATH()
    {
        using var dir = new TempDir();
        var pinned = dir.Script("infra/node_modules/.bin/cdk", "exit 0");
        dir.Script("bin/cdk", "exit 0");
        var env = new Dictionary<string, string> { ["PATH"] = dir.Combine("bin") };

        Assert.Equal(pinned, new ToolResolver(env.GetValueOrDefault, dir.Path, () => null).Resolve(ToolKind.Cdk));
    }

    [Fact]
    public void A_missing_tool_names_the_tool_the_target_and_how_to_install_it()
    {
        using var dir = new TempDir();
        var env = new Dictionary<string, string> { ["PATH"] = dir.Path };
        var resolver = new ToolResolver(env.GetValueOrDefault, dir.Path, () => "PushImages");

        var error = Assert.Throws<ToolNotFoundException>(() => resolver.Resolve(ToolKind.Docker));

        Assert.Contains("'docker' was not found", error.Message);
        Assert.Contains("target 'PushImages' needs it", error.Message);
        Assert.Contains("apt-get install docker.io", error.Message);
        Assert.Contains("DOCKER_PATH", error.Message);
    }

    [Fact]
    public void An_override_that_points_nowhere_is_an_error_naming_the_variable()
    {
        using var dir = new TempDir();
        var env = new Dictionary<string, string> { ["AWS_PATH"] = "/nowhere/aws" };

        var error = Assert.Throws<ToolNotFoundException>(() =>
            new ToolResolver(env.GetValueOrDefault, dir.Path, () => "Doctor").Resolve(ToolKind.Aws));

        Assert.Contains("AWS_PATH is set to '/nowhere/aws', which does not exist", error.Message);
    }

    [Fact]
    public void The_lenient_resolver_used_for_plans_falls_back_to_the_bare_command()
    {
        using var dir = new TempDir();
        var env = new Dictionary<string, string> { ["PATH"] = dir.Path };

        Assert.Equal("aws", new ToolResolver(env.GetValueOrDefault, dir.Path, () => null, lenient: true).Resolve(ToolKind.Aws));
    }
}
