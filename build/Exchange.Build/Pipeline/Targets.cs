using Exchange.Build.Pipeline.Tasks;
using Exchange.Build.Settings;
using Exchange.Build.Tools;

namespace Exchange.Build.Pipeline;

/// <summary>
/// The target registry: every target of ./build.sh, declared once, in the order --help and the README list them.
/// A declaration says what the target does (summary, description, action), what runs before it, when it is skipped,
/// what it reaches (AWS, the cluster, the source checkouts, or nothing), which options it reads besides the common
/// ones, which tools it runs and whether it changes anything. Everything else derives from it: the task graph and its
/// order, the account guard, the checks before the first step, --help, Plan's verdict, Doctor's "still works" and the
/// README's target table (a test keeps it equal). To add a target: a constant in <see cref="TaskNames"/>, its work in
/// Pipeline/Tasks/, and one declaration here; then the README row the test asks for.
/// </summary>
public static class Targets
{
    public static readonly IReadOnlyList<Target> All =
    [
        // --- Offline: no AWS account, no credentials ---------------------------------------------------------------
        Target.Declare(TaskNames.Default, TargetGroup.Offline, "Synth, Render and Plan: everything that needs no AWS account. Start here.")
            .Describe("The part that needs no AWS account: Synth, Render and Plan. Start here.")
            .After(TaskNames.Synth, TaskNames.Render, TaskNames.Plan),

        Target.Declare(TaskNames.Test, TargetGroup.Offline, "Checks the tests' prerequisites, then runs every test project.")
            .Describe("Checks the tests' prerequisites, then runs every test project (installs the npm packages the tests need when missing).")
            .Runs([ToolKind.Dotnet, ToolKind.Aws, .. Tasks.TestPrerequisites.Tools])
            .Does(Tasks.Offline.Test),

        Target.Declare(TaskNames.Synth, TargetGroup.Offline, "Synthesizes the CDK app (infra/) into the cloud assembly; skipped when nothing changed.")
            .Describe("Synthesizes the CDK app (`infra/`) into the cloud assembly; needs no AWS credentials; skipped when nothing changed.")
            .Reads(ArgumentNames.EksAdmins, ArgumentNames.EksViewers, ArgumentNames.EksPublicCidrs, ArgumentNames.BackendPublicCidrs)
            .Runs(ToolKind.Cdk, ToolKind.Node, ToolKind.Dotnet)
            .Does(Tasks.Synth.Run),

        Target.Declare(TaskNames.Render, TargetGroup.Offline, "Renders every kustomize overlay into artifacts/<env>/rendered/.")
            .Describe("Renders every kustomize overlay (`k8s/overlays/*`) into `artifacts/<env>/rendered/`.")
            .Runs(ToolKind.Kubectl)
            .Does(Tasks.Offline.Render),

        Target.Declare(TaskNames.Plan, TargetGroup.Offline, "Every command DeployDev would run, and where it would stop with these settings (no AWS call).")
            .Describe("Prints what the EKS API endpoint admits, the way kubectl takes to it (the tunnel through the jump instance, or the " +
                      "public endpoint's CIDRs), what the backend's load balancer admits (its URL as a placeholder) and every command " +
                      "DeployDev would run: DeployDev's own tasks, replayed against " +
                      "answers an empty account would give (nothing reaches AWS); ends with what works without an account, where DeployDev " +
                      "would stop with these settings and why, and how many resources each stack would create. With `--to=1.36`, also " +
                      "Upgrade's steps and their commands, in order.")
            .Reads(ArgumentNames.EngineDir, ArgumentNames.BackendDir, ArgumentNames.CheckerDir, ArgumentNames.ImageTag, ArgumentNames.EksAdmins,
                ArgumentNames.EksViewers, ArgumentNames.EksPublicCidrs, ArgumentNames.ClusterAccess, ArgumentNames.BackendPublicCidrs,
                ArgumentNames.SkipBootstrap, ArgumentNames.SkipInfra, ArgumentNames.SkipImages, ArgumentNames.SkipVerify, ArgumentNames.VerifyTimeout,
                ArgumentNames.CdkConcurrency, ArgumentNames.To, ArgumentNames.Json)
            .Runs(ToolKind.Kubectl)
            .PrintsJson()
            .Does(b => Tasks.Plan.Run(b)),

        Target.Declare(TaskNames.Cost, TargetGroup.Offline, "Monthly cost from the synthesized stacks: running, paused, deep-paused and effective.")
            .Describe("Monthly estimate from the synthesized templates and the dated price table: running, paused, deep-paused, effective " +
                      "under the sleep schedule, and the options; what a preview adds, and the cap's worth of them.")
            .Reads(ArgumentNames.Json, ArgumentNames.PreviewCap)
            .Runs(ToolKind.Cdk, ToolKind.Node, ToolKind.Dotnet)
            .PrintsJson()
            .Does(CostReport.Run),

        Target.Declare(TaskNames.CostDiff, TargetGroup.Offline, "The cost difference against the base branch's assembly, as markdown.")
            .Describe("The cost difference against the base branch's assembly (`--base-assembly=DIR`), per resource, running and effective, " +
                      "as markdown; `--cost-threshold=USD` fails on a larger increase.")
            .Reads(ArgumentNames.BaseAssembly, ArgumentNames.CostThreshold)
            .Runs(ToolKind.Cdk, ToolKind.Node, ToolKind.Dotnet)
            .Requires(ArgumentNames.BaseAssembly, s => s.BaseAssemblyDir is null
                ? $"CostDiff compares with the base branch's cloud assembly: pass --{ArgumentNames.BaseAssembly}=DIR (synthesize the base " +
                  "checkout first: ./build.sh --target=Synth there, then its artifacts/<env>/cdk.out)."
                : null)
            .ExampleWith($"--{ArgumentNames.BaseAssembly}=../base/artifacts/dev/cdk.out --{ArgumentNames.CostThreshold}=25")
            .Does(CostReport.Diff),

        Target.Declare(TaskNames.Permissions, TargetGroup.Offline, "The least-privilege IAM policy of the deploy role (needs --account, calls no AWS API).")
            .Describe("Prints the least-privilege IAM policy the deploy role needs (`artifacts/<env>/deploy-policy.json`), and the " +
                      "one-time bootstrap an administrator runs: the command and what it needs (`artifacts/<env>/bootstrap-policy.json`) " +
                      "(needs `--account`, calls no AWS API).")
            .Reads(ArgumentNames.Json)
            .Requires(ArgumentNames.Account, s => s.Account is null
                ? $"The policy is scoped to one account: pass --{ArgumentNames.Account}=123456789012 or set {EnvVars.Account}."
                : null)
            .ExampleWith($"--{ArgumentNames.Account}=123456789012")
            .PrintsJson()
            .Does(Tasks.Permissions.Run),

        // --- DeployDev: from an empty account to running pods -------------------------------------------------------
        Target.Declare(TaskNames.Doctor, TargetGroup.DeployDev, "The tools and their versions; with --account, the AWS identity and region too.")
            .Describe("One table of the tools and their versions (ok / warning / no engine / missing; the Session Manager plugin too, when " +
                      "kubectl goes through the tunnel) and what still works without the missing ones; with --account, also the AWS " +
                      "identity and the region; says how kubectl reaches the EKS API and warns about an endpoint or a backend load " +
                      "balancer open to 0.0.0.0/0.")
            .TouchesAwsWhenAccountGiven()
            .Reads(ArgumentNames.EksPublicCidrs, ArgumentNames.ClusterAccess, ArgumentNames.BackendPublicCidrs, ArgumentNames.Json)
            .Runs(Tasks.Doctor.Tools.ToArray())
            .ChecksItsOwnTools()
            .PrintsJson()
            .Does(Tasks.Doctor.Run),

        Target.Declare(TaskNames.BuildImages, TargetGroup.DeployDev, "Builds the engine, backend and checker images in parallel, tagged from their sources.")
            .Describe("Builds the engine (`Dockerfile.shard`), backend and connectivity checker images in parallel, tagged from their sources.")
            .SkippedWhen(s => s.SkipImages, $"--{ArgumentNames.SkipImages}")
            .Touches(Reach.Sources)
            .Reads(ArgumentNames.EngineDir, ArgumentNames.BackendDir, ArgumentNames.CheckerDir, ArgumentNames.ImageTag, ArgumentNames.SkipImages)
            .Runs(ToolKind.Docker, ToolKind.Git)
            .ChangesThings()
            .Does(Tasks.Images.Build),

        Target.Declare(TaskNames.Bootstrap, TargetGroup.DeployDev, "Bootstraps the account and region for CDK when they are not yet.")
            .Describe("Bootstraps the account and region for CDK when they are not yet (idempotent; needs no synthesized app, so it " +
                      "runs before Synth). When your role may not create `CDKToolkit` (the deploy role may not), it stops within seconds " +
                      "and prints the command an administrator runs once. Not checked when DeployInfra has nothing to deploy.")
            .After(TaskNames.Doctor)
            .SkippedWhen(s => s.SkipBootstrap, $"--{ArgumentNames.SkipBootstrap}")
            .Touches(Reach.Aws)
            .Reads(ArgumentNames.SkipBootstrap, ArgumentNames.ForceDeploy)
            .Runs(ToolKind.Aws, ToolKind.Cdk, ToolKind.Node)
            .ChangesThings()
            .Does(DeployInfra.Bootstrap),

        Target.Declare(TaskNames.DeployInfra, TargetGroup.DeployDev, "Deploys every registered stack (cdk deploy) and saves their outputs.")
            .Describe("Deploys every registered stack (`cdk deploy`; not when they were last deployed from this very cloud assembly, unless " +
                      "`--force-deploy`) and saves their outputs to `artifacts/<env>/cdk-outputs.json`; shares " +
                      "them and the deploy policy in the artifacts bucket; creates the declared Kafka topics the broker lacks (over SSM, " +
                      "only when the declaration or the host changed), keeps an active wake-on-demand on schedules the deploy rewrote, and " +
                      "attaches the node group's Auto Scaling group to the backend load balancer's target group. When kubectl steps follow, " +
                      "it first proves the tunnel to the cluster works (deploying the Vpc stack alone first when its jump instance does not " +
                      "exist yet). When PushImages follows, it pushes the images beside `cdk deploy` as soon as the repositories exist (the " +
                      "Ecr stack deployed first when it is not yet).")
            .After(TaskNames.Bootstrap, TaskNames.Synth)
            .SkippedWhen(s => s.SkipInfra, $"--{ArgumentNames.SkipInfra}")
            .Touches(Reach.Aws)
            .Reads(ArgumentNames.SkipInfra, ArgumentNames.CdkConcurrency, ArgumentNames.ForceDeploy, ArgumentNames.EksAdmins, ArgumentNames.EksViewers,
                ArgumentNames.EksPublicCidrs, ArgumentNames.ClusterAccess, ArgumentNames.BackendPublicCidrs)
            .Runs(ToolKind.Aws, ToolKind.Cdk, ToolKind.Node)
            .ChangesThings()
            .Does(DeployInfra.Deploy),

        Target.Declare(TaskNames.PushImages, TargetGroup.DeployDev, "Pushes the images ECR does not have (logs in only then, token on stdin).")
            .Describe("Asks ECR which images it lacks; logs in (token on stdin) and pushes only those; shares `images.json` in the " +
                      "artifacts bucket. When DeployInfra deploys in the same run, the push runs there, beside `cdk deploy`, as soon as the " +
                      "repositories exist; this step then shares and reports it.")
            .RunsBeside("beside DeployInfra's cdk deploy when that deploys")
            .After(TaskNames.BuildImages, TaskNames.DeployInfra)
            .SkippedWhen(s => s.SkipImages, $"--{ArgumentNames.SkipImages}")
            .Touches(Reach.Aws)
            .Reads(ArgumentNames.SkipImages)
            .Runs(ToolKind.Aws, ToolKind.Docker)
            .ChangesThings()
            .Does(Tasks.Images.Push),

        Target.Declare(TaskNames.Kubeconfig, TargetGroup.DeployDev, "Points kubectl at the environment's EKS cluster.")
            .Describe("Points kubectl at the environment's EKS cluster (`aws eks update-kubeconfig`).")
            .After(TaskNames.DeployInfra)
            .Touches(Reach.Aws | Reach.Cluster)
            .Reads(ArgumentNames.ClusterAccess)
            .Runs(ToolKind.Aws, ToolKind.Kubectl)
            .ChangesThings()
            .Does(DeployInfra.Kubeconfig),

        Target.Declare(TaskNames.Secrets, TargetGroup.DeployDev, "Applies the namespace and the db/kafka/redis secrets, via stdin.")
            .Describe("Applies the namespace and the db/kafka/redis secrets from the outputs and Secrets Manager, via stdin.")
            .After(TaskNames.Kubeconfig)
            .Touches(Reach.Aws | Reach.Cluster)
            .Reads(ArgumentNames.ClusterAccess)
            .Runs(ToolKind.Aws, ToolKind.Kubectl)
            .ChangesThings()
            .Does(Workloads.Secrets),

        Target.Declare(TaskNames.ApplyK8s, TargetGroup.DeployDev, "Applies the aws-<env> overlay with the pushed images, and the environment ConfigMap.")
            .Describe("Applies the `aws-<env>` overlay with the pushed image references, and the `exchange-environment` ConfigMap (AWS " +
                      "values that are not secret).")
            .After(TaskNames.PushImages, TaskNames.Secrets)
            .Touches(Reach.Aws | Reach.Cluster)
            .Reads(ArgumentNames.ClusterAccess)
            .Runs(ToolKind.Aws, ToolKind.Kubectl)
            .ChangesThings()
            .Does(Workloads.ApplyK8s),

        Target.Declare(TaskNames.Verify, TargetGroup.DeployDev, "Rollouts, the in-cluster connectivity check, and the post-deploy checklist.")
            .Describe("Waits for the rollouts, runs the connectivity check Job (MySQL, Redis, Kafka from inside the cluster), then checks " +
                      "the design document's post-deploy checklist and the backend's target health on its load balancer (no public " +
                      "request), and records the result (`verify.json`; Status shows it).")
            .After(TaskNames.ApplyK8s)
            .SkippedWhen(s => s.SkipVerify, $"--{ArgumentNames.SkipVerify}")
            .Touches(Reach.Aws | Reach.Cluster)
            .Reads(ArgumentNames.SkipVerify, ArgumentNames.VerifyTimeout, ArgumentNames.ClusterAccess)
            .Runs(ToolKind.Aws, ToolKind.Kubectl)
            .Does(Workloads.Verify),

        Target.Declare(TaskNames.DeployDev, TargetGroup.DeployDev, "Doctor through Verify: from an empty account to running pods.")
            .Describe("Doctor through Verify in dependency order: from an empty account to running pods.")
            .After(TaskNames.Doctor, TaskNames.Bootstrap, TaskNames.BuildImages, TaskNames.Verify),

        // --- Day 2: operating the environment -----------------------------------------------------------------------
        Target.Declare(TaskNames.Status, TargetGroup.Day2, "Stacks, outputs, nodes, pods, topics, cluster access, versions, and whether it runs.")
            .Describe("Shows stacks and outputs, the backend's URL and who may call it, nodes, pods, Redpanda topics (declared against " +
                      "actual), failed sleeps, who has access to the cluster and at which level (its EKS access entries), how kubectl " +
                      "reaches it, the last Verify and when it ran, and whether the environment runs or is paused (and warns when it is " +
                      "awake although the schedule says asleep); the Kubernetes versions that run against the configured ones, flagging " +
                      "skew and the end of standard support.")
            .Touches(Reach.Aws | Reach.Cluster)
            .Reads(ArgumentNames.ClusterAccess, ArgumentNames.Json)
            .Runs(ToolKind.Aws, ToolKind.Kubectl)
            .PrintsJson()
            .Does(Tasks.Status.Run),

        Target.Declare(TaskNames.Diff, TargetGroup.Day2, "What a deploy would change: cdk diff of the stacks and kubectl diff of the overlay.")
            .Describe("Shows what a deploy would change: `cdk diff` of the stacks and `kubectl diff` of the overlay.")
            .Touches(Reach.Aws | Reach.Cluster)
            .Reads(ArgumentNames.EksAdmins, ArgumentNames.EksViewers, ArgumentNames.EksPublicCidrs, ArgumentNames.ClusterAccess,
                ArgumentNames.BackendPublicCidrs)
            .Runs(ToolKind.Aws, ToolKind.Cdk, ToolKind.Node, ToolKind.Kubectl)
            .Does(Tasks.Status.Diff),

        Target.Declare(TaskNames.Pause, TargetGroup.Day2, "Scales the nodes to 0, stops Redpanda and RDS; --deep also removes the EKS stack.")
            .Describe("Scales the nodes to 0 and stops Redpanda and RDS, then checks it took; `--deep` also removes the EKS stack.")
            .Touches(Reach.Aws | Reach.Cluster)
            .Reads(ArgumentNames.Deep, ArgumentNames.WaitTimeout, ArgumentNames.ClusterAccess)
            .Runs(ToolKind.Aws, ToolKind.Cdk, ToolKind.Node, ToolKind.Kubectl)
            .ChangesThings()
            .Does(PauseResume.Pause),

        Target.Declare(TaskNames.Resume, TargetGroup.Day2, "Undoes Pause and waits for nodes and workloads; --until=22:00 stays up until then.")
            .Describe("Undoes Pause (recreating the EKS stack after `--deep`) and waits for nodes and workloads; `--until=22:00` keeps it up " +
                      "until then, skipping the sleep before it.")
            .Touches(Reach.Aws | Reach.Cluster)
            .Reads(ArgumentNames.Until, ArgumentNames.WaitTimeout, ArgumentNames.ClusterAccess)
            .Runs(ToolKind.Aws, ToolKind.Cdk, ToolKind.Node, ToolKind.Kubectl)
            .ChangesThings()
            .Does(PauseResume.Resume),

        Target.Declare(TaskNames.FollowSchedule, TargetGroup.Day2, "Does what the sleep schedule says now: wake up (build, push, Resume) or deep sleep.")
            .Describe("Does what the sleep schedule says now: in working hours builds/pushes (when changed), Resumes and re-applies the " +
                      "workloads; at night, with deep sleep, `Pause --deep`, and with shallow sleep it reports whether the in-AWS sleep " +
                      "took. The workflow runs it on the schedule.")
            .Touches(Reach.Aws | Reach.Cluster | Reach.Sources)
            .Reads(ArgumentNames.EngineDir, ArgumentNames.BackendDir, ArgumentNames.CheckerDir, ArgumentNames.ImageTag, ArgumentNames.SkipImages,
                ArgumentNames.WaitTimeout, ArgumentNames.VerifyTimeout, ArgumentNames.ClusterAccess)
            .Runs(ToolKind.Aws, ToolKind.Cdk, ToolKind.Node, ToolKind.Docker, ToolKind.Git, ToolKind.Kubectl)
            .ChangesThings()
            .Does(Tasks.FollowSchedule.Run),

        Target.Declare(TaskNames.Upgrade, TargetGroup.Day2, "Moves the cluster to --to in AWS's order: control plane, add-ons, node group.")
            .Describe("Moves the cluster to `--to` (default: the configured Kubernetes version) in AWS's order, one minor version at a " +
                      "time: control plane, add-ons, node group (rolling); a newly pinned node AMI release at the same version moves just " +
                      "the nodes. Each step waited on and checked; a rerun at the target does nothing ([Upgrades](#upgrades)).")
            .Touches(Reach.Aws)
            .Reads(ArgumentNames.To, ArgumentNames.WaitTimeout, ArgumentNames.EksAdmins, ArgumentNames.EksViewers, ArgumentNames.EksPublicCidrs,
                ArgumentNames.BackendPublicCidrs)
            .Runs(ToolKind.Aws, ToolKind.Cdk, ToolKind.Node, ToolKind.Dotnet)
            .ExampleWith($"--{ArgumentNames.Account}=123456789012 --{ArgumentNames.To}=1.36")
            .ChangesThings()
            .Does(Tasks.Upgrade.Run),

        Target.Declare(TaskNames.DestroyDev, TargetGroup.Day2, "Deletes every stack in reverse order and sweeps leftovers; needs --confirm (or CI).")
            .Describe("Every stack in reverse order with its registered teardown (the namespace before the Eks stack, the buckets emptied " +
                      "before the Storage stack), sweeps leftovers (EKS log groups, the secret's recovery window) and reports anything " +
                      "left (stacks, log groups, load balancers, ECR repositories); needs `--confirm` (or CI).")
            .Touches(Reach.Aws | Reach.Cluster)
            .Reads(ArgumentNames.Confirm, ArgumentNames.WaitTimeout, ArgumentNames.ClusterAccess)
            .Runs(ToolKind.Aws, ToolKind.Cdk, ToolKind.Node, ToolKind.Kubectl)
            .Requires(ArgumentNames.Confirm, s => !s.Confirm && !s.IsCi
                ? $"DestroyDev deletes every stack of '{s.Environment.EnvName}'{(s.Account is null ? "" : $" in account {s.Account}")}, " +
                  $"including the database. Rerun with --{ArgumentNames.Confirm} to go ahead."
                : null)
            .ExampleWith($"--{ArgumentNames.Account}=123456789012 --{ArgumentNames.Confirm}")
            .ChangesThings()
            .Does(Tasks.DestroyDev.Destroy),

        Target.Declare(TaskNames.Tunnel, TargetGroup.Day2, "Opens the SSM tunnel to the private EKS API and holds it for your kubectl until Ctrl-C.")
            .Describe("Opens the SSM tunnel to the private EKS API and holds it for your own kubectl (prints the `kubectl --context ... " +
                      "--server ... --tls-server-name ...` to use) until Ctrl-C.")
            .Touches(Reach.Aws | Reach.Cluster)
            .Reads(ArgumentNames.ClusterAccess)
            .Runs(ToolKind.Aws, ToolKind.Kubectl)
            .Does(Tasks.Tunnel.Hold),

        // --- Previews: a pull request's slice of the running dev environment ----------------------------------------
        Target.Declare(TaskNames.DeployPreview, TargetGroup.Day2, "A preview (--pr=N or --preview=NAME) in its own namespace of the running environment.")
            .Describe("Builds and pushes the pull request's images, then deploys them into namespace `exchange-<env>-pr-N` of the running " +
                      "environment with a ResourceQuota and LimitRange, the main namespace's secret names (its own MySQL database and " +
                      "user, password in a Secret only), its own topic prefix and Redis database, and a route on the shared load " +
                      "balancer (`/pr-N/`), then checks it in that namespace. Refuses past the cap.")
            .After(TaskNames.BuildImages)
            .Touches(Reach.Aws | Reach.Cluster)
            .Reads(ArgumentNames.PullRequest, ArgumentNames.Preview, ArgumentNames.PreviewCap, ArgumentNames.SkipVerify, ArgumentNames.VerifyTimeout,
                ArgumentNames.ClusterAccess, ArgumentNames.EngineDir, ArgumentNames.BackendDir, ArgumentNames.CheckerDir, ArgumentNames.ImageTag,
                ArgumentNames.SkipImages)
            .Runs(ToolKind.Aws, ToolKind.Docker, ToolKind.Kubectl)
            .Requires(ArgumentNames.PullRequest, PreviewProblem)
            .ExampleWith($"--{ArgumentNames.Account}=123456789012 --{ArgumentNames.PullRequest}=123")
            .ChangesThings()
            .Does(PreviewTargets.Deploy),

        Target.Declare(TaskNames.DestroyPreview, TargetGroup.Day2,
                "Removes a preview: its route, database and user, topics, Redis keys, namespace.")
            .Describe("Removes a preview: its route, its MySQL database and user, its topics and its Redis keys (a Job in the main namespace), " +
                      "then its namespace. Idempotent: a rerun finishes what an interrupted one left.")
            .Touches(Reach.Aws | Reach.Cluster)
            .Reads(ArgumentNames.PullRequest, ArgumentNames.Preview, ArgumentNames.VerifyTimeout, ArgumentNames.ClusterAccess)
            .Runs(ToolKind.Aws, ToolKind.Kubectl)
            .Requires(ArgumentNames.PullRequest, PreviewProblem)
            .ExampleWith($"--{ArgumentNames.Account}=123456789012 --{ArgumentNames.PullRequest}=123")
            .ChangesThings()
            .Does(PreviewTargets.Destroy),

        Target.Declare(TaskNames.Previews, TargetGroup.Day2, "Lists the previews: owner, age, expiry, address and images.")
            .Describe("Lists the environment's previews from their namespaces' records: owner, age, expiry (EXPIRED when past), " +
                      "address and images.")
            .Touches(Reach.Aws | Reach.Cluster)
            .Reads(ArgumentNames.ClusterAccess, ArgumentNames.PreviewCap)
            .Runs(ToolKind.Aws, ToolKind.Kubectl)
            .Does(PreviewTargets.Show),

        Target.Declare(TaskNames.SweepPreviews, TargetGroup.Day2, "Removes expired previews, those without a record, interrupted destroys, orphans.")
            .Describe("Removes every preview past its expiry (3 days after its last deploy), preview namespaces without a record, " +
                      "destroys that were interrupted, databases, topics and routes whose namespace is gone, each as DestroyPreview does.")
            .Touches(Reach.Aws | Reach.Cluster)
            .Reads(ArgumentNames.VerifyTimeout, ArgumentNames.ClusterAccess)
            .Runs(ToolKind.Aws, ToolKind.Kubectl)
            .ChangesThings()
            .Does(PreviewTargets.Sweep),
    ];

    /// <summary>DeployPreview and DestroyPreview need --pr=N or --preview=NAME (a bad one is refused by the settings already).</summary>
    private static string? PreviewProblem(PipelineSettings s) => s.Preview is null
        ? $"Which preview? Pass --{ArgumentNames.PullRequest}=N (the pull request's number) or --{ArgumentNames.Preview}=NAME (your own " +
          "preview: lower-case letters, digits and hyphens)."
        : null;

    private static readonly Dictionary<string, Target> ByName = All.ToDictionary(t => t.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The target of that name (any case), or null.</summary>
    public static Target? Find(string name) => ByName.GetValueOrDefault(name);

    public static Target Get(string name) =>
        Find(name) ?? throw new InvalidOperationException($"No target '{name}' is registered in {nameof(Targets)}.");

    /// <summary>The tasks a run of <paramref name="target"/> executes, in order (Cake's graph order; just the target with --exclusive).</summary>
    public static IReadOnlyList<Target> Order(string target, bool exclusive = false) =>
        exclusive ? [Get(target)] : TaskGraph.Order(target).Select(Get).ToArray();

    /// <summary>Every tool a run of <paramref name="target"/> runs (its own and those of the targets before it).</summary>
    public static IReadOnlySet<ToolKind> ToolsOfRun(string target) => Order(target).SelectMany(t => t.Tools).ToHashSet();

    /// <summary>True when a run of these tasks calls AWS (so synth may ask who is deploying).</summary>
    public static bool AnyTouchesAws(IEnumerable<string> tasks) => tasks.Any(t => Find(t)?.TouchesAws == true);

    /// <summary>True when one of these tasks talks to the cluster's API (so, with the tunnel, a deploy first proves the way there).</summary>
    public static bool AnyReachesCluster(IEnumerable<string> tasks) => tasks.Any(t => Find(t)?.Reaches.HasFlag(Reach.Cluster) == true);

    /// <summary>What a run of the target needs besides this checkout and its tools, in a few words (the README's table).</summary>
    public static string Needs(Target target)
    {
        var order = Order(target.Name);
        var needs = new List<string>();
        if (order.Any(t => t.NeedsAccount)) needs.Add("account");
        else if (order.Any(t => t.TouchesAws)) needs.Add("account optional");
        if (order.Any(t => t.Reaches.HasFlag(Reach.Cluster))) needs.Add("cluster");
        if (order.Any(t => t.Reaches.HasFlag(Reach.Sources))) needs.Add("source checkouts");
        needs.AddRange(target.RequiredOptions.Select(o => $"`{o}`"));
        return needs.Count == 0 ? "no account" : string.Join(", ", needs);
    }

    /// <summary>The README's target table, as markdown rows: a test keeps README.md equal to it.</summary>
    public static IEnumerable<string> ReadmeTable()
    {
        yield return "| target | needs | what it does |";
        yield return "| --- | --- | --- |";
        foreach (var target in All) yield return $"| `{target.Name}` | {Needs(target)} | {target.Description} |";
    }

    /// <summary>The targets of this group, in registry order.</summary>
    public static IReadOnlyList<Target> In(TargetGroup group) => All.Where(t => t.Group == group).ToArray();
}
