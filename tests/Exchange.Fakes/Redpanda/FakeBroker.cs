using System.Diagnostics;

namespace Exchange.Fakes.Redpanda;

/// <summary>
/// The Redpanda hosts' shells as SSM Run Command reaches them: the real bash runs the command, with a <c>docker</c> on PATH
/// whose <c>docker exec redpanda rpk ...</c> answers as a broker (topic list, create, cluster health). Each instance has its
/// own topics, in <c>ROOT/INSTANCE/topics</c> ("NAME PARTITIONS REPLICAS" lines): a replaced host starts without any.
/// </summary>
public sealed class FakeBroker(string root)
{
    private const string Docker = """
        #!/bin/bash
        # docker exec redpanda rpk ...: a broker whose topics are the lines of $FAKE_BROKER_DIR/topics
        state="$FAKE_BROKER_DIR/topics"
        [ "$1 $2" = "exec redpanda" ] || { echo "fake docker: unexpected: docker $*" >&2; exit 1; }
        shift 2
        echo "$*" >> "$FAKE_BROKER_DIR/calls"
        case "$1 $2 $3" in
          "rpk topic list")
            printf 'NAME  PARTITIONS  REPLICAS\n'
            if [ -f "$state" ]; then cat "$state"; fi ;;
          "rpk topic create")
            name=$4; shift 4; p=1; r=1
            while [ $# -gt 0 ]; do case "$1" in -p) p=$2; shift 2 ;; -r) r=$2; shift 2 ;; *) shift ;; esac; done
            if [ -f "$state" ] && awk -v t="$name" '$1 == t { f = 1 } END { exit !f }' "$state"; then
              printf 'TOPIC  STATUS\n%s  TOPIC_ALREADY_EXISTS: The topic has already been created.\n' "$name"; exit 1
            fi
            if [ -n "${FAKE_BROKER_REFUSE:-}" ] && [ "$name" = "$FAKE_BROKER_REFUSE" ]; then
              printf 'TOPIC  STATUS\n%s  POLICY_VIOLATION: refused\n' "$name"; exit 1
            fi
            printf '%s  %s  %s\n' "$name" "$p" "$r" >> "$state"
            printf 'TOPIC  STATUS\n%s  OK\n' "$name" ;;
          "rpk cluster health") printf 'CLUSTER HEALTH OVERVIEW\nHealthy:  true\n' ;;
          *) echo "fake rpk: unexpected: rpk $*" >&2; exit 1 ;;
        esac
        """;

    private readonly Lock _gate = new();

    public string Root { get; } = root;

    /// <summary>A topic rpk create refuses (POLICY_VIOLATION), to see a failed creation; null creates every topic asked for.</summary>
    public string? Refuse { get; set; }

    /// <summary>Runs <paramref name="shell"/> with bash on <paramref name="instance"/>.</summary>
    public (int ExitCode, string Stdout, string Stderr) Run(string instance, string shell)
    {
        lock (_gate)
        {
            var bin = Directory.CreateDirectory(Path.Combine(Root, "bin")).FullName;
            var docker = Path.Combine(bin, "docker");
            if (!File.Exists(docker))
            {
                File.WriteAllText(docker, Docker.Replace("\r\n", "\n") + "\n");
                if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(docker, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            var start = new ProcessStartInfo("bash", ["-c", shell]) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
            start.Environment["FAKE_BROKER_DIR"] = Directory.CreateDirectory(Path.Combine(Root, instance)).FullName;
            if (Refuse is { } refused) start.Environment["FAKE_BROKER_REFUSE"] = refused;
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill(entireProcessTree: true);
                return (124, stdout.Result, "timed out after 30 s");
            }
            return (process.ExitCode, stdout.Result, stderr.Result);
        }
    }

    /// <summary>The broker's topics on <paramref name="instance"/>: name, partitions, replicas.</summary>
    public IReadOnlyList<(string Name, int Partitions, int Replicas)> Topics(string instance)
    {
        var file = Path.Combine(Root, instance, "topics");
        lock (_gate)
            return File.Exists(file)
                ? File.ReadAllLines(file).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    .Select(p => (p[0], int.Parse(p[1]), int.Parse(p[2]))).ToArray()
                : [];
    }

    /// <summary>Every rpk command the broker on <paramref name="instance"/> ran ("rpk topic create NAME -p 3 -r 1"), in order.</summary>
    public IReadOnlyList<string> Calls(string instance)
    {
        var file = Path.Combine(Root, instance, "calls");
        lock (_gate) return File.Exists(file) ? File.ReadAllLines(file) : [];
    }

    /// <summary>Sets the broker's topics on <paramref name="instance"/> (a topic deleted by hand, one created with other partitions).</summary>
    public void SetTopics(string instance, IEnumerable<(string Name, int Partitions, int Replicas)> topics)
    {
        lock (_gate)
        {
            Directory.CreateDirectory(Path.Combine(Root, instance));
            File.WriteAllLines(Path.Combine(Root, instance, "topics"), topics.Select(t => $"{t.Name}  {t.Partitions}  {t.Replicas}"));
        }
    }
}
