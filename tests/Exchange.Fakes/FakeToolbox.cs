using System.Text;
using Exchange.Fakes.Core;

namespace Exchange.Fakes;

/// <summary>
/// The tools a test run uses, as executables in a bin directory: `aws` and `cdk` are the REAL clients
/// behind a two-line recording shim (the argument list goes to the call log, then `exec`), and
/// `kubectl` is the recording stand-in (`dotnet Exchange.Fakes.dll kubectl`), since no API server can
/// run here. Point AWS_PATH / CDK_PATH / KUBECTL_PATH at them (see <see cref="Environment"/>).
/// </summary>
public sealed class FakeToolbox
{
    private FakeToolbox(string binDir, string stateDir, bool recordsDocker)
    {
        BinDir = binDir;
        StateDir = stateDir;
        RecordsDocker = recordsDocker;
    }

    /// <summary>Whether `docker` is also the real one behind a recording shim (DOCKER_PATH).</summary>
    public bool RecordsDocker { get; }

    public string BinDir { get; }
    public string StateDir { get; }

    public string AwsPath => Path.Combine(BinDir, "aws");
    public string CdkPath => Path.Combine(BinDir, "cdk");
    public string KubectlPath => Path.Combine(BinDir, "kubectl");
    public string DockerPath => Path.Combine(BinDir, "docker");

    /// <summary>
    /// A folder with only the Session Manager plugin stand-in, put first on the run's PATH (<see cref="Environment"/>): the aws CLI
    /// finds the plugin there, as it finds the real one on a laptop or a GitHub runner. Leave it off PATH for a machine without one.
    /// </summary>
    public string PluginDir => Path.Combine(BinDir, "on-path");

    /// <summary>
    /// AWS_PATH, CDK_PATH, KUBECTL_PATH (DOCKER_PATH), FAKE_STATE_DIR and PATH (with <see cref="PluginDir"/> first), ready to merge into a
    /// process environment.
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment
    {
        get
        {
            var env = new Dictionary<string, string>
            {
                ["AWS_PATH"] = AwsPath,
                ["CDK_PATH"] = CdkPath,
                ["KUBECTL_PATH"] = KubectlPath,
                [FakeEnv.StateDir] = StateDir,
                ["PATH"] = PluginDir + ":" + (FakeEnv.Get("PATH") ?? "/usr/bin:/bin"),
            };
            if (RecordsDocker) env["DOCKER_PATH"] = DockerPath;
            return env;
        }
    }

    /// <summary>
    /// Writes the executables: <paramref name="realAws"/>, <paramref name="realCdk"/> (and <paramref name="realDocker"/>)
    /// behind recording shims, and the kubectl stand-in (its client-side commands go to the first real kubectl on PATH).
    /// </summary>
    public static FakeToolbox Install(string binDir, string stateDir, string realAws, string realCdk, string? realDocker = null,
        AwsPreload? preload = null)
    {
        binDir = Path.GetFullPath(binDir);
        stateDir = Path.GetFullPath(stateDir);
        Directory.CreateDirectory(binDir);
        Directory.CreateDirectory(stateDir);
        var log = Path.Combine(stateDir, FakeCallsFile);
        var aws = RecordingShim("aws", realAws, log, preload is null
            ? null
            : $"{Quote(preload.Python)} -I -S {Quote(preload.ClientScript)} {Quote(preload.Socket)} {Quote(realAws)}");
        // The sqs endpoint goes in after the recording line: the log keeps the pipeline's own arguments.
        Write(Path.Combine(binDir, "aws"), aws.Replace("\nexec ", "\n" + SqsEndpoint + "exec ", StringComparison.Ordinal));
        Write(Path.Combine(binDir, "cdk"), RecordingShim("cdk", realCdk, log));
        if (realDocker is not null)
            Write(Path.Combine(binDir, "docker"), RecordingShim("docker", realDocker, log,
                record: $"[ -z \"${{DOCKER_CONFIG:-}}\" ] || printf '%s\\n' \"$DOCKER_CONFIG\" >>{Quote(Path.Combine(stateDir, DockerConfigsFile))}\n"));

        var kubectl = new StringBuilder("#!/bin/sh\n# The kubectl stand-in for tests (Exchange.Fakes FakeToolbox.Install).\n");
        kubectl.Append($"[ -n \"${{{FakeEnv.StateDir}:-}}\" ] || {FakeEnv.StateDir}={Quote(stateDir)}; export {FakeEnv.StateDir}\n");
        if (FindOnPath("kubectl", binDir) is { } real)
            kubectl.Append($"[ -n \"${{{FakeEnv.RealKubectl}:-}}\" ] || {FakeEnv.RealKubectl}={Quote(real)}; export {FakeEnv.RealKubectl}\n");
        kubectl.Append($"exec {Quote(DotnetHost())} {Quote(typeof(FakeToolbox).Assembly.Location)} kubectl \"$@\"\n");
        Write(Path.Combine(binDir, "kubectl"), kubectl.ToString());
        Directory.CreateDirectory(Path.Combine(binDir, "on-path"));
        Write(Path.Combine(binDir, "on-path", SessionManagerPlugin.Name),
            $"#!/bin/sh\n# The Session Manager plugin stand-in (Exchange.Fakes FakeToolbox.Install).\n" +
            $"exec {Quote(DotnetHost())} {Quote(typeof(FakeToolbox).Assembly.Location)} {SessionManagerPlugin.Name} \"$@\"\n");
        return new FakeToolbox(binDir, stateDir, realDocker is not null);
    }

    private const string FakeCallsFile = State.FakeCalls.FileName;
    private const string DockerConfigsFile = "docker-configs.txt";

    /// <summary>Every DOCKER_CONFIG folder a recorded docker call of this toolbox used (a run's temporary logins), in order.</summary>
    public IReadOnlyList<string> DockerConfigsUsed()
    {
        var path = Path.Combine(StateDir, DockerConfigsFile);
        return File.Exists(path) ? File.ReadAllLines(path).Where(l => l.Length > 0).Distinct(StringComparer.Ordinal).ToArray() : [];
    }

    /// <summary>
    /// Appends one record (RS, then the tool and its arguments each followed by US) to the call log, then
    /// becomes the real tool (or <paramref name="launcher"/>, which runs it): its output, exit code and signals
    /// are the real tool's own.
    /// </summary>
    private static string RecordingShim(string tool, string real, string log, string? launcher = null, string? record = null) =>
        $"#!/bin/sh\n# The real {tool}, its arguments recorded for the tests (Exchange.Fakes FakeToolbox.Install).\n" +
        $"printf '\\036%s\\n' \"$(printf '%s\\037' {tool} \"$@\")\" >>{Quote(log)}\n" + record +
        $"exec {launcher ?? Quote(real)} \"$@\"\n";

    /// <summary>
    /// The aws CLI v1 points sqs at its legacy regional endpoint (REGION.queue.amazonaws.com, awscli's overridesslcommonname) unless
    /// --endpoint-url is given, so for sqs it ignores AWS_ENDPOINT_URL: the shim passes the stand-in's endpoint as the flag, after
    /// recording the pipeline's own arguments.
    /// </summary>
    public const string SqsEndpoint =
        "if [ \"${1:-}\" = sqs ] && [ -n \"${AWS_ENDPOINT_URL:-}\" ]; then set -- \"$@\" --endpoint-url \"$AWS_ENDPOINT_URL\"; fi\n";

    private static void Write(string path, string text)
    {
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    /// <summary>The dotnet host running this process (tests run under it), else dotnet from PATH.</summary>
    private static string DotnetHost()
    {
        var process = System.Environment.ProcessPath;
        if (process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet")
            return process;
        return FakeEnv.Get("DOTNET_HOST_PATH") ?? FindOnPath("dotnet", null) ?? "dotnet";
    }

    public static string? FindOnPath(string name, string? except) =>
        (FakeEnv.Get("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Where(dir => except is null || Path.GetFullPath(dir) != except)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    /// <summary>Single-quoted for sh.</summary>
    private static string Quote(string value) => "'" + value.Replace("'", "'\\''") + "'";
}
