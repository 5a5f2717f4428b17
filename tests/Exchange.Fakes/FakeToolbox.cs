using System.Text;
using Exchange.Fakes.Core;

namespace Exchange.Fakes;

/// <summary>
/// Installs the fakes for a test: executable shims `aws`, `cdk`, `kubectl` in a bin directory, each
/// `exec dotnet Exchange.Fakes.dll TOOL "$@"` with FAKE_STATE_DIR (and any other defaults) preset.
/// Point AWS_PATH / CDK_PATH / KUBECTL_PATH at them (see <see cref="Environment"/>).
/// </summary>
public sealed class FakeToolbox
{
    public static readonly string[] Tools = ["aws", "cdk", "kubectl"];

    private FakeToolbox(string binDir, string stateDir, IReadOnlyDictionary<string, string> defaults)
    {
        BinDir = binDir;
        StateDir = stateDir;
        Defaults = defaults;
    }

    public string BinDir { get; }
    public string StateDir { get; }
    /// <summary>The environment defaults baked into the shims (the caller's environment still wins).</summary>
    public IReadOnlyDictionary<string, string> Defaults { get; }

    public string AwsPath => Path.Combine(BinDir, "aws");
    public string CdkPath => Path.Combine(BinDir, "cdk");
    public string KubectlPath => Path.Combine(BinDir, "kubectl");

    /// <summary>AWS_PATH, CDK_PATH, KUBECTL_PATH and FAKE_STATE_DIR, ready to merge into a process environment.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["AWS_PATH"] = AwsPath,
        ["CDK_PATH"] = CdkPath,
        ["KUBECTL_PATH"] = KubectlPath,
        [FakeEnv.StateDir] = StateDir,
    };

    /// <summary>
    /// Writes the shims. <paramref name="defaults"/> are exported by the shims unless already set (e.g.
    /// FAKE_ECR_REGISTRY, FAKE_REAL_CDK, AWS_REGION). FAKE_REAL_KUBECTL defaults to the first kubectl on
    /// PATH outside <paramref name="binDir"/>.
    /// </summary>
    public static FakeToolbox Install(string binDir, string stateDir, IReadOnlyDictionary<string, string>? defaults = null)
    {
        binDir = Path.GetFullPath(binDir);
        stateDir = Path.GetFullPath(stateDir);
        Directory.CreateDirectory(binDir);
        Directory.CreateDirectory(stateDir);
        var all = new Dictionary<string, string>(defaults ?? new Dictionary<string, string>()) { [FakeEnv.StateDir] = stateDir };
        if (!all.ContainsKey(FakeEnv.RealKubectl) && FindOnPath("kubectl", binDir) is { } kubectl)
            all[FakeEnv.RealKubectl] = kubectl;

        var dll = typeof(FakeToolbox).Assembly.Location;
        foreach (var tool in Tools)
        {
            var shim = new StringBuilder("#!/bin/sh\n# Fake ").Append(tool).Append(" for tests (Exchange.Fakes FakeToolbox.Install).\n");
            foreach (var (name, value) in all.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                shim.Append($"[ -n \"${{{name}:-}}\" ] || {name}={Quote(value)}; export {name}\n");
            shim.Append($"exec {Quote(DotnetHost())} {Quote(dll)} {tool} \"$@\"\n");
            var path = Path.Combine(binDir, tool);
            File.WriteAllText(path, shim.ToString());
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                    UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        return new FakeToolbox(binDir, stateDir, all);
    }

    /// <summary>The dotnet host running this process (tests run under it), else dotnet from PATH.</summary>
    private static string DotnetHost()
    {
        var process = System.Environment.ProcessPath;
        if (process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet")
            return process;
        return FakeEnv.Get("DOTNET_HOST_PATH") ?? FindOnPath("dotnet", null) ?? "dotnet";
    }

    private static string? FindOnPath(string name, string? except) =>
        (FakeEnv.Get("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Where(dir => except is null || Path.GetFullPath(dir) != except)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    /// <summary>Single-quoted for sh.</summary>
    private static string Quote(string value) => "'" + value.Replace("'", "'\\''") + "'";
}
