using System.Text.Json;
using System.Text.Json.Nodes;
using Exchange.Build.Kubernetes;
using Exchange.Build.Logging;
using Exchange.Build.Processes;
using Exchange.Contracts;

namespace Exchange.Build.Pipeline;

/// <summary>
/// One command a task ran in the plan world, with what it got on stdin (described, never its value), and whether the
/// account guard had checked the run's credentials by then.
/// </summary>
/// <summary>One command a replayed step ran; <see cref="Alongside"/> names the work it belongs to when that runs beside the step's own.</summary>
public sealed record PlannedCall(string? Task, CommandLine Command, string? Stdin, bool Guarded = false, string? Alongside = null);

/// <summary>
/// The world Plan runs DeployDev's own task code in: a first DeployDev into an empty account. Every command is
/// recorded; AWS, cdk, docker and the cluster get placeholder answers (nothing exists yet, every build and deploy
/// succeeds, and what they leave behind, such as cdk's outputs file and the built images, is there for the next
/// step); local reads (tool versions, git for the image tags, kustomize renders) really run. A command without
/// a placeholder answer fails the plan and names itself, so a new command cannot slip past Plan.
/// </summary>
public sealed class PlanWorld(IProcessRunner local, Func<string?> currentTask, EnvironmentNames names, string account, string region, int nodes,
    Func<bool>? guarded = null, Func<string?>? alongside = null) : IProcessRunner
{
    /// <summary>The account the plan world answers for when none is configured (shown as &lt;account&gt;).</summary>
    public const string PlaceholderAccount = "000000000000";
    /// <summary>The role of the session the plan world answers with (an assumed role, as SSO and CI give).</summary>
    public const string PlaceholderRole = "<role of your session>";

    private readonly Lock _gate = new();
    private readonly List<PlannedCall> _calls = [];
    private readonly Dictionary<string, string> _builtImages = new(StringComparer.Ordinal);
    private readonly HashSet<string> _pushed = new(StringComparer.Ordinal);
    private string? _kubeContext;

    public IReadOnlyList<PlannedCall> Calls { get { lock (_gate) return _calls.ToArray(); } }

    public ProcessResult Run(CommandLine command, ProcessOptions? options = null)
    {
        options ??= new ProcessOptions();
        lock (_gate) _calls.Add(new PlannedCall(currentTask(), command, DescribeStdin(options), guarded?.Invoke() ?? false, alongside?.Invoke()));
        if (IsLocalRead(command)) return local.Run(command, options);
        ProcessResult result;
        lock (_gate) result = Answer(command, command.Values.ToArray());
        if (!result.Succeeded && !options.AllowFailure)
            throw new CommandFailedException(command.RenderSafe(), result.ExitCode, result.StandardError, options.FailureHint);
        foreach (var line in result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)) options.OnOutputLine?.Invoke(line);
        return result;
    }

    /// <summary>
    /// A command that keeps running: the tunnel's <c>aws ssm start-session</c>, recorded and answered as the Session Manager plugin
    /// answers once it listens.
    /// </summary>
    public IRunningProcess Start(CommandLine command, ProcessOptions? options = null)
    {
        lock (_gate) _calls.Add(new PlannedCall(currentTask(), command, null, Alongside: alongside?.Invoke()));
        var args = command.Values.ToArray();
        if (command.Tool != "aws" || $"{args[0]} {args[1]}" != "ssm start-session") throw NoAnswer($"{command.Tool} {string.Join(' ', args.Take(2))} &");
        var port = Arg(args, "--parameters").Split("localPortNumber=")[1];
        return new Listening(["", $"Starting session with SessionId: {PlaceholderSession}", $"Port {port} opened for sessionId {PlaceholderSession}.",
            "Waiting for connections..."]);
    }

    /// <summary>The session the plan world's tunnel reports.</summary>
    public const string PlaceholderSession = "<session>";

    /// <summary>The Session Manager plugin once it listens: it runs until stopped.</summary>
    private sealed class Listening(IReadOnlyList<string> output) : IRunningProcess
    {
        private bool _stopped;
        public bool HasExited => _stopped;
        public int? ExitCode => _stopped ? 0 : null;
        public IReadOnlyList<string> Output => output;
        public bool WaitForExit(TimeSpan timeout) => _stopped;
        public void Stop() => _stopped = true;
        public void Dispose() => _stopped = true;
    }

    /// <summary>Reads that change nothing and need no account: they run for real, so tags and renders are the real ones.</summary>
    public static bool IsLocalRead(CommandLine command) => command.Tool == "git" || IsVersionProbe(command)
        || (command.Tool == "kubectl" && command.Values.FirstOrDefault() == "kustomize");

    /// <summary>Doctor's version checks (<c>node --version</c>, <c>docker version ...</c>, <c>kubectl version --client</c>).</summary>
    public static bool IsVersionProbe(CommandLine command) => command.Values.FirstOrDefault() is "--version" or "version";

    private ProcessResult Answer(CommandLine command, string[] args) => command.Tool switch
    {
        "aws" => Aws($"{args[0]} {args[1]}", args),
        "cdk" => Cdk(args),
        "docker" => Docker(args),
        "kubectl" => Kubectl(args),
        "npm" => Ok(),
        _ => throw NoAnswer(command.Tool),
    };

    private ProcessResult Aws(string call, string[] args) => call switch
    {
        "sts get-caller-identity" => Json(new JsonObject
        {
            ["UserId"] = "AROA<role id>:<session>", ["Account"] = account,
            ["Arn"] = $"arn:aws:sts::{account}:assumed-role/{PlaceholderRole}/<session>",
        }),
        "iam get-role" => Json(new JsonObject { ["Role"] = new JsonObject { ["Arn"] = $"arn:aws:iam::{account}:role/{Arg(args, "--role-name")}" } }),
        "cloudformation describe-stacks" => AwsError("ValidationError", "DescribeStacks", $"Stack with id {Arg(args, "--stack-name")} does not exist"),
        "secretsmanager describe-secret" => AwsError("ResourceNotFoundException", "DescribeSecret", "Secrets Manager can't find the specified secret."),
        "secretsmanager get-secret-value" => Json(new JsonObject { ["SecretString"] = SecretFields(Arg(args, "--secret-id")) }),
        "logs describe-log-groups" => Json(new JsonObject { ["logGroups"] = new JsonArray() }),
        "s3api put-object" => Json(new JsonObject { ["ETag"] = "\"<etag>\"" }),
        "s3api get-object" => AwsError("NoSuchKey", "GetObject", "The specified key does not exist."),
        "ecr get-login-password" => Ok("<ECR password>"),
        "ecr describe-images" => _pushed.Contains($"{Arg(args, "--repository-name")}:{Arg(args, "--image-ids").Split('=', 2)[1]}")
            ? Json(new JsonObject { ["imageDetails"] = new JsonArray(new JsonObject { ["imageDigest"] = Digest }) })
            : AwsError("ImageNotFoundException", "DescribeImages", "The image requested does not exist in the specified repository."),
        "eks update-kubeconfig" => UpdateKubeconfig(),
        // The new broker has no topics: each one the script would create is created.
        "ssm send-command" => SendCommand(args),
        "ssm get-command-invocation" => Json(new JsonObject
        {
            ["Status"] = "Success",
            ["StandardOutputContent"] = string.Concat(Kafka.TopicScript.Creates(_shell ?? "").Select(t => $"created {t.Name} {t.Partitions} {t.Replicas}\n")),
            ["StandardErrorContent"] = "",
        }),
        "ec2 create-tags" => Ok(),
        "ssm terminate-session" => Json(new JsonObject { ["SessionId"] = Arg(args, "--session-id") }),
        // The node group's Auto Scaling group, not yet in the backend load balancer's target group; once attached, its nodes are healthy.
        "eks describe-nodegroup" => Json(new JsonObject
        {
            ["nodegroup"] = new JsonObject
            {
                ["scalingConfig"] = new JsonObject { ["minSize"] = 1, ["maxSize"] = 4, ["desiredSize"] = 2 },
                ["resources"] = new JsonObject { ["autoScalingGroups"] = new JsonArray(new JsonObject { ["name"] = PlaceholderAutoScalingGroup }) },
            },
        }),
        "autoscaling describe-auto-scaling-groups" => Json(new JsonObject
        {
            ["AutoScalingGroups"] = new JsonArray(args.SkipWhile(a => a != "--auto-scaling-group-names").Skip(1).TakeWhile(a => !a.StartsWith("--"))
                .Select(name => (JsonNode)new JsonObject { ["AutoScalingGroupName"] = name, ["TargetGroupARNs"] = new JsonArray() }).ToArray()),
        }),
        "autoscaling attach-load-balancer-target-groups" => Json(new JsonObject()),
        "elbv2 describe-target-health" => Json(new JsonObject
        {
            ["TargetHealthDescriptions"] = new JsonArray(new JsonObject
            {
                ["Target"] = new JsonObject { ["Id"] = "<node instance>", ["Port"] = BackendAccess.NodePort },
                ["TargetHealth"] = new JsonObject { ["State"] = "healthy" },
            }),
        }),
        _ => throw NoAnswer($"aws {call}"),
    };

    private string? _shell;

    private ProcessResult SendCommand(string[] args)
    {
        _shell = string.Join("\n", JsonNode.Parse(Arg(args, "--parameters"))?["commands"]?.AsArray().Select(c => c!.GetValue<string>()) ?? []);
        return Json(new JsonObject { ["Command"] = new JsonObject { ["CommandId"] = "<command id>" } });
    }

    /// <summary>The Auto Scaling group EKS makes for the node group (its name is known only once it exists).</summary>
    public const string PlaceholderAutoScalingGroup = "<Auto Scaling group of the node group>";

    private ProcessResult Cdk(string[] args)
    {
        switch (args[0])
        {
            case "synth" or "bootstrap":
                return Ok();
            case "deploy":
                var file = Arg(args, "--outputs-file");
                var outputs = new JsonObject();
                foreach (var (stack, values) in DeployedOutputs)
                    outputs[stack] = new JsonObject(values.Select(v => KeyValuePair.Create(v.Key, (JsonNode?)JsonValue.Create(v.Value))));
                File.WriteAllText(file, outputs.ToJsonString());
                return Ok(string.Join("\n", names.AllStacks.Select(s => $" ✅  {s}")));
            default:
                throw NoAnswer($"cdk {args[0]}");
        }
    }

    private ProcessResult Docker(string[] args)
    {
        switch (args[0])
        {
            case "image" when args[1] == "inspect":
                var reference = args[^1];
                if (!_builtImages.TryGetValue(reference, out var platform))
                    return new ProcessResult(1, "", $"Error response from daemon: No such image: {reference}\n", TimeSpan.Zero);
                return Ok(Arg(args, "--format").Contains(".Architecture", StringComparison.Ordinal) ? platform : "sha256:<image id>");
            case "build":
                _builtImages[Arg(args, "--tag")] = Arg(args, "--platform");
                return Ok();
            case "login":
                return Ok("Login Succeeded");
            case "tag":
                return Ok();
            case "push":
                _pushed.Add(args[1].Split('/', 2)[1]); // registry/repository:tag -> repository:tag
                return Ok();
            default:
                throw NoAnswer($"docker {args[0]}");
        }
    }

    private ProcessResult Kubectl(string[] args) => args[0] switch
    {
        "config" when args[1] == "current-context" => _kubeContext is { } context
            ? Ok(context)
            : new ProcessResult(1, "", "error: current-context is not set\n", TimeSpan.Zero),
        // A first DeployDev's kubeconfig has no entry for the cluster yet (Kubeconfig then runs update-kubeconfig).
        "config" when args[1] == "view" && _kubeContext is null =>
            new ProcessResult(1, "", "error: current-context must exist in order to minify\n", TimeSpan.Zero),
        "apply" or "rollout" => Ok(),
        // Verify: no leftover Job; its Job completes and prints a passing check; the nodes and the workloads' pods are up.
        "delete" when args[1] == "job" => Ok(args.Contains("--selector") ? "" : $"job.batch \"{args[2]}\" deleted"),
        "get" when args[1] == "job" => Json(new JsonObject
        {
            ["status"] = new JsonObject
            {
                ["succeeded"] = 1, ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Complete", ["status"] = "True" }),
            },
        }),
        "logs" => Ok(string.Join("\n", ConnectivityCheck.Checks.Select(c => new CheckLine(c, true, 0, "<what the check sees>").ToString())
            .Append(new CheckResult(true, "<every check answered>").ToString()))),
        "get" when args[1] == "nodes" => Json(new JsonObject
        {
            ["items"] = new JsonArray(Enumerable.Range(1, nodes).Select(n => (JsonNode)new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = $"<node {n}>" },
                ["status"] = new JsonObject { ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }) },
            }).ToArray()),
        }),
        "get" when args[1] == "pods" => Json(new JsonObject { ["items"] = new JsonArray(WorkloadPods().ToArray()) }),
        _ => throw NoAnswer($"kubectl {args[0]} {args.ElementAtOrDefault(1)}".TrimEnd()),
    };

    /// <summary>One Running pod per pushed workload image, running the digest ECR answers for it.</summary>
    private IEnumerable<JsonNode> WorkloadPods()
    {
        var registry = $"{account}.dkr.ecr.{region}.amazonaws.com";
        foreach (var image in ContainerImages.Workloads)
            foreach (var pushed in _pushed.Where(p => p.StartsWith(image.Repository(names) + ":", StringComparison.Ordinal)))
                yield return new JsonObject
                {
                    ["metadata"] = new JsonObject { ["name"] = $"<{image.Name} pod>" },
                    ["status"] = new JsonObject
                    {
                        ["phase"] = "Running",
                        ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }),
                        ["containerStatuses"] = new JsonArray(new JsonObject
                        {
                            ["image"] = $"{registry}/{pushed}", ["imageID"] = $"{registry}/{image.Repository(names)}@{Digest}",
                        }),
                    },
                };
    }

    private const string Digest = "sha256:<digest>";

    private ProcessResult UpdateKubeconfig()
    {
        _kubeContext = DeployedOutputs[names.Stack(StackKind.Eks)][Contracts.Outputs.EksClusterArn.Key];
        return Ok($"Added new context {_kubeContext} to ~/.kube/config");
    }

    /// <summary>
    /// What cdk deploy writes to its outputs file: the values the pipeline later puts into commands follow from the names
    /// (repository URIs, the cluster, its ARN, the buckets); every other output is &lt;Stack.Key&gt;.
    /// </summary>
    private Dictionary<string, Dictionary<string, string>> DeployedOutputs => _outputs ??= Outputs();
    private Dictionary<string, Dictionary<string, string>>? _outputs;

    private Dictionary<string, Dictionary<string, string>> Outputs()
    {
        var registry = $"{account}.dkr.ecr.{region}.amazonaws.com";
        var known = ContainerImages.All.ToDictionary(i => i.RepositoryUri, i => $"{registry}/{i.Repository(names)}");
        foreach (var (output, value) in new Dictionary<StackOutput, string>
        {
            [Contracts.Outputs.EksClusterName] = names.ClusterName,
            [Contracts.Outputs.EksClusterEndpoint] = "https://<API endpoint host>",
            [Contracts.Outputs.EksClusterArn] = $"arn:aws:eks:{region}:{account}:cluster/{names.ClusterName}",
            [Contracts.Outputs.RdsPort] = $"{DataStorePorts.Mysql}",
            [Contracts.Outputs.RedisPort] = $"{DataStorePorts.Redis}",
            [Contracts.Outputs.ArtifactsBucketName] = names.Bucket(EnvironmentNames.ArtifactsPurpose, account, region),
            [Contracts.Outputs.LogsBucketName] = names.Bucket(EnvironmentNames.LogsPurpose, account, region),
            [Contracts.Outputs.BackendUrl] = BackendAccess.UrlPlaceholder,
        }) known[output] = value;
        return Contracts.Outputs.All.GroupBy(o => names.Stack(o.Stack)).ToDictionary(g => g.Key,
            g => g.ToDictionary(o => o.Key, o => known.GetValueOrDefault(o) ?? $"<{names.Stack(o.Stack)}.{o.Key}>"));
    }

    /// <summary>The secret's JSON with every field the value table reads from it, each a &lt;placeholder&gt;.</summary>
    private string SecretFields(string secretId)
    {
        var fields = KubernetesSecrets.All.SelectMany(d => d.Values).Select(v => v.Source)
            .OfType<ValueSource.SecretField>().Where(f => f.Secret(names) == secretId).Select(f => f.Field).Distinct();
        return new JsonObject(fields.Select(f => KeyValuePair.Create(f, (JsonNode?)JsonValue.Create($"<{f}>")))).ToJsonString();
    }

    /// <summary>What a command got on stdin: the kinds and names of the manifests in it, or that it was a secret; never the text itself.</summary>
    private static string? DescribeStdin(ProcessOptions options)
    {
        var text = options.StandardInput?.Reveal() ?? options.StandardInputText;
        if (text is null) return null;
        IReadOnlyList<ManifestDocument> documents;
        try { documents = ManifestDocuments.Parse(text); }
        catch (Exception e) when (e is YamlDotNet.Core.YamlException or InvalidDataException) { documents = []; }
        if (documents.Count == 0) return options.StandardInput is null ? "text" : "a secret";
        var kinds = documents.GroupBy(d => d.Kind).Select(g => g.Count() <= 3
            ? string.Join(", ", g.Select(d => $"{d.Kind} {d.Name}"))
            : $"{g.Count()} {g.Key}s");
        return string.Join(", ", kinds);
    }

    private static string Arg(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length
            ? args[at + 1]
            : throw new InvalidOperationException($"The plan world expected {name} in: {string.Join(' ', args)}");
    }

    private static ProcessResult Ok(string output = "") => new(0, output.Length == 0 ? "" : output + "\n", "", TimeSpan.Zero);
    private static ProcessResult Json(JsonNode node) => Ok(node.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));

    /// <summary>An error as the aws CLI v1 prints it (exit 255, the error code and AWS's message on stderr).</summary>
    private static ProcessResult AwsError(string code, string operation, string message) =>
        new(255, "", $"\nAn error occurred ({code}) when calling the {operation} operation: {message}\n", TimeSpan.Zero);

    private static InvalidOperationException NoAnswer(string command) =>
        new($"Plan has no placeholder answer for `{command}`: add what a first DeployDev gets from it to PlanWorld.");
}
