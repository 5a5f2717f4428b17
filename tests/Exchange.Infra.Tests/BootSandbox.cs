[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]

namespace Exchange.Infra.Tests;

/// <summary>What one run of a boot script in the sandbox did.</summary>
public sealed record BootRun(int ExitCode, string Output, IReadOnlyList<string> Calls, string BootLog)
{
    /// <summary>The exit codes the script reported to CloudFormation (cfn-signal --exit-code N), in order.</summary>
    public IReadOnlyList<string> Signals => Calls.Where(c => c.StartsWith("cfn-signal ", StringComparison.Ordinal))
        .Select(c => c.Split(' ').SkipWhile(a => a != "--exit-code").Skip(1).First()).ToArray();

    public int Count(string callPrefix) => Calls.Count(c => c.StartsWith(callPrefix, StringComparison.Ordinal));

    public override string ToString() => $"exit {ExitCode}\n--- calls\n{string.Join("\n", Calls)}\n--- output\n{Output}";
}

/// <summary>
/// Runs an instance's real user data as root in a private mount namespace: /var/log, /var/lib and /dev
/// are empty tmpfs, /etc/fstab a scratch copy, and the programs that would change the machine, need
/// AWS or read this machine's disks (dnf, systemctl, docker, curl, blkid, mkfs.xfs, mount, mountpoint, findmnt,
/// lsblk, cfn-signal, sleep) are stubs on PATH that record their arguments. Bash, coreutils (readlink), grep and
/// awk are the real ones.
/// </summary>
public static class BootSandbox
{
    public static string? Unavailable { get; } = Probe();

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root") return "needs root on Linux (mount namespaces)";
        if (Tools.Find("unshare") is null) return "needs unshare (util-linux)";
        var probe = Tools.Run("unshare", ["--mount", "--fork", "sh", "-c", "mount -t tmpfs none /var/log"]);
        return probe.ExitCode == 0 ? null : $"unshare --mount fails here: {probe.StdErr.Trim()}";
    }

    /// <param name="script">The user data (a #!/bin/bash script).</param>
    /// <param name="devices">Device files to create under /dev (nvme1n1), or symlinks as udev makes them
    /// ("disk/by-id/nvme-... -> ../../nvme1n1").</param>
    /// <param name="behaviour">Environment the stubs read: DNF_FAIL_TIMES, DNF_FAIL_PACKAGE, PULL_FAIL_TIMES, HEALTH_PADDING_KB,
    /// ROOT_DISK (the disk lsblk says holds /, default nvme0n1).</param>
    public static BootRun Run(string script, IEnumerable<string> devices, IDictionary<string, string?>? behaviour = null, TimeSpan? timeout = null)
    {
        var root = Directory.CreateTempSubdirectory("boot-sandbox-").FullName;
        try
        {
            var bin = Directory.CreateDirectory(Path.Combine(root, "bin")).FullName;
            foreach (var (name, body) in Stubs) WriteExecutable(Path.Combine(bin, name), "#!/bin/bash\n" + Record + body + "\n");
            File.WriteAllText(Path.Combine(root, "user-data.sh"), script);
            File.WriteAllText(Path.Combine(root, "fstab"), "# scratch fstab\n");
            var makeDevices = string.Join("\n", devices.Select(d => d.Split(" -> ") is [var link, var target]
                ? $"mkdir -p \"$(dirname /dev/{link})\" && ln -s {target} /dev/{link}"
                : $"mkdir -p \"$(dirname /dev/{d})\" && touch /dev/{d}"));
            var setup = $"""
                set -e
                mount -t tmpfs none /var/log
                mount -t tmpfs none /var/lib
                mount --bind {root}/fstab /etc/fstab
                mount -t tmpfs none /dev
                mknod -m 666 /dev/null c 1 3
                ln -s /proc/self/fd /dev/fd
                {makeDevices}
                set +e
                PATH={bin}:$PATH bash {root}/user-data.sh
                code=$?
                cp /var/log/*.log {root}/ 2>/dev/null || true
                exit $code
                """;
            var environment = new Dictionary<string, string?>(behaviour ?? new Dictionary<string, string?>()) { ["SANDBOX"] = root };
            var result = Tools.Run("unshare", ["--mount", "--fork", "bash", "-c", setup], environment, timeout: timeout ?? TimeSpan.FromSeconds(60));
            var calls = File.Exists(Path.Combine(root, "calls.log")) ? File.ReadAllLines(Path.Combine(root, "calls.log")) : [];
            var logs = Directory.EnumerateFiles(root, "*.log").Where(f => Path.GetFileName(f) != "calls.log").Select(File.ReadAllText);
            return new BootRun(result.ExitCode, result.StdOut + result.StdErr, calls, string.Concat(logs));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private const string Record = "echo \"$(basename \"$0\") $*\" >> \"$SANDBOX/calls.log\"\n";

    /// <summary>A counter per key in the sandbox: how often this stub has been asked this before.</summary>
    private const string Count = "count() { local f=\"$SANDBOX/count-$1\"; local n=$(( $(cat \"$f\" 2>/dev/null || echo 0) + 1 )); echo \"$n\" > \"$f\"; " +
        "echo \"$n\"; }\n";

    private static readonly (string Name, string Body)[] Stubs =
    [
        ("dnf", Count + """
            if [ -n "${DNF_FAIL_PACKAGE:-}" ] && [[ " $* " == *" $DNF_FAIL_PACKAGE "* ]]; then
              n=$(count "dnf-$DNF_FAIL_PACKAGE")
              if [ "$n" -le "${DNF_FAIL_TIMES:-1000}" ]; then echo "Error: Failed to download metadata for repo 'amazonlinux'" >&2; exit 1; fi
            fi
            echo "Complete!"
            """),
        ("systemctl", "exit 0"),
        ("curl", """
            case "$*" in
              *api/token*) echo "token-123" ;;
              *local-ipv4*) echo "10.0.11.25" ;;
              *instance-id*) echo "i-0123456789abcdef0" ;;
              *) echo "unexpected curl $*" >&2; exit 22 ;;
            esac
            """),
        ("blkid", """
            case "$*" in
              *"-s UUID"*) echo "1b2c3d4e-0000-4000-8000-000000000001" ;;
              *) [ -f "$SANDBOX/formatted" ] ;;
            esac
            """),
        ("mkfs.xfs", "touch \"$SANDBOX/formatted\""),
        ("mountpoint", "exit 1"),
        ("findmnt", "echo \"/dev/${ROOT_DISK:-nvme0n1}p1\""),
        ("lsblk", "echo \"${ROOT_DISK:-nvme0n1}\""),
        ("mount", "exit 0"),
        ("sleep", "exit 0"),
        ("cfn-signal", "exit 0"),
        ("docker", Count + """
            case "$1 $2" in
              "container inspect") exit 1 ;;
              "image inspect") exit 1 ;;
              "pull "*)
                n=$(count pull)
                if [ "$n" -le "${PULL_FAIL_TIMES:-0}" ]; then
                  echo "Error response from daemon: Get \"https://docker.redpanda.com/v2/\": net/http: TLS handshake timeout" >&2; exit 1
                fi
                echo "Status: Downloaded newer image" ;;
              "run "*) echo "0123456789ab" ;;
              "exec redpanda")
                case "$*" in
                  *"cluster health"*)
                    printf 'CLUSTER HEALTH OVERVIEW\n=======================\nHealthy:                          true\n'
                    # A report longer than the pipe buffer: a reader that stops at the first match
                    # (grep -q) closes the pipe while this is still writing.
                    for _ in $(seq 1 "${HEALTH_PADDING_KB:-0}"); do printf '%01024d\n' 0; done ;;
                  *"topic list"*) printf 'NAME  PARTITIONS  REPLICAS\n' ;;
                  *) echo "ok" ;;
                esac ;;
              *) exit 0 ;;
            esac
            """),
    ];

    private static void WriteExecutable(string path, string content)
    {
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}

/// <summary>A [Fact] reported as skipped, with the reason, where the boot sandbox cannot run.</summary>
public sealed class FactRequiringBootSandboxAttribute : FactAttribute
{
    public FactRequiringBootSandboxAttribute()
    {
        if (BootSandbox.Unavailable is { } reason) Skip = $"The boot-script sandbox {reason}.";
    }
}
