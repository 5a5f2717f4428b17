using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Exchange.Build.Tests;

/// <summary>
/// The checker's real Dockerfile, which cannot be built here (no base image can be pulled): its shape, and that it copies only
/// what its build context (the repository root, through the root .dockerignore's allow-list) sends.
/// </summary>
public sealed partial class CheckerDockerfileTests
{
    private static readonly string Root = Contexts.RepoRoot;
    private static readonly string Dockerfile = File.ReadAllText(Path.Combine(Root, "src", "Exchange.Checker", "Dockerfile"));
    private static string[] Froms => FromLine().Matches(Dockerfile).Select(m => m.Groups["image"].Value).ToArray();

    [Fact]
    public void It_publishes_with_the_official_SDK_and_runs_on_the_official_runtime_of_the_projects_dotnet_version()
    {
        var framework = XDocument.Load(Path.Combine(Root, "Directory.Build.props")).Descendants("TargetFramework").Single().Value; // net10.0
        var version = framework["net".Length..];

        Assert.Equal([$"mcr.microsoft.com/dotnet/sdk:{version}", $"mcr.microsoft.com/dotnet/runtime:{version}"], Froms);
        Assert.Contains("FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk", Dockerfile); // publishes natively, for TARGETARCH
        Assert.Contains("-a \"$TARGETARCH\"", Dockerfile);
        Assert.Contains("dotnet publish src/Exchange.Checker/Exchange.Checker.csproj", Dockerfile);
    }

    [Fact]
    public void It_runs_as_uid_10001_the_assembly_the_project_builds_and_writes_nothing_outside_tmp()
    {
        var assembly = XDocument.Load(Path.Combine(Root, "src", "Exchange.Checker", "Exchange.Checker.csproj")).Descendants("AssemblyName").Single().Value;

        Assert.Equal("10001:10001", Regex.Matches(Dockerfile, @"^USER (\S+)", RegexOptions.Multiline).Last().Groups[1].Value);
        Assert.Contains($"ENTRYPOINT [\"dotnet\", \"/app/{assembly}.dll\"]", Dockerfile);
        Assert.Contains("ENV DOTNET_EnableDiagnostics=0", Dockerfile); // no diagnostics socket to create on a read-only root
    }

    [Fact]
    public void Everything_it_copies_from_the_build_context_is_let_in_by_the_root_dockerignore()
    {
        var ignore = Exchange.Build.Images.DockerIgnore.Load(Root);
        var sources = CopyLine().Matches(Dockerfile).SelectMany(m => m.Groups["sources"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();

        Assert.NotEmpty(sources);
        Assert.All(sources, s => Assert.True(File.Exists(Path.Combine(Root, s)) || Directory.Exists(Path.Combine(Root, s)), $"{s} does not exist"));
        Assert.All(sources, s => Assert.False(ignore.IsIgnored(s.TrimEnd('/')), $"{s} is left out by .dockerignore"));
        Assert.True(ignore.IsIgnored("src/Exchange.Checker/bin/Release/x.dll"));
        Assert.True(ignore.IsIgnored("infra/node_modules/aws-cdk/package.json"));
    }

    [GeneratedRegex(@"^FROM (?:--platform=\S+ )?(?<image>\S+)", RegexOptions.Multiline)] private static partial Regex FromLine();

    /// <summary>COPY lines that read the build context (not --from=another stage): every word but the last is a source.</summary>
    [GeneratedRegex(@"^COPY (?!--from)(?<sources>.+) \S+$", RegexOptions.Multiline)] private static partial Regex CopyLine();
}
