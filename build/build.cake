// The task graph of the exchange dev environment: tasks, dependencies, criteria, descriptions.
// The work itself lives in the typed library build/Exchange.Build (built by build.sh into build/.lib).
#r "./.lib/Exchange.Contracts.dll"
#r "./.lib/YamlDotNet.dll"
#r "./.lib/Exchange.Build.dll"

using Exchange.Build;
using Exchange.Build.Pipeline;
using Exchange.Build.Pipeline.Tasks;
using Exchange.Build.Settings;

var target = Argument(ArgumentNames.Target, TaskNames.Default);

BuildContext build = null; // kept for Teardown, which must not fail when Setup did
Setup<BuildContext>(ctx => build = BuildContext.From(ctx));
TaskSetup<BuildContext>((ctx, b) => b.BeginTask(ctx.Task.Name));
TaskTeardown<BuildContext>((ctx, b) =>
{
    if (ctx.Skipped) b.Report.Add(ctx.Task.Name, StepOutcome.Skipped,
        "skipped: " + string.Join(", ", ((ctx.Task as CakeTask)?.Criterias ?? []).Select(c => c.Message)));
});
Teardown(ctx =>
{
    foreach (var line in build?.Report.Summary() ?? []) build.Log.Information(line);
    foreach (var line in build?.InterruptionSummary() ?? []) build.Log.Warning(line);
});

// --- Offline: no AWS account needed ------------------------------------------------------------
Task(TaskNames.Synth)
    .Description("Synthesizes the CDK app (infra/) into the cloud assembly; needs no AWS credentials.")
    .Does<BuildContext>((ctx, b) => Synth.Run(b));

Task(TaskNames.Render)
    .Description("Renders every kustomize overlay (k8s/overlays/*) into artifacts/<env>/rendered/.")
    .Does<BuildContext>((ctx, b) => Offline.Render(b));

Task(TaskNames.Plan)
    .Description("Prints what the EKS API endpoint and the backend's load balancer admit and every command DeployDev would run: DeployDev's own tasks, replayed against answers an empty account would give (nothing reaches AWS).")
    .Does<BuildContext>((ctx, b) => Plan.Run(b, ctx, Tasks));

Task(TaskNames.Test)
    .Description("Checks the tests' prerequisites, then runs every test project (installs the npm packages the tests need when missing).")
    .Does<BuildContext>((ctx, b) => Offline.Test(b));

// --- DeployDev: from an empty account to running pods -------------------------------------------
Task(TaskNames.Doctor)
    .Description("One table of the tools and their versions (ok / warning / missing); with --account, also the AWS identity and the region; warns about an EKS endpoint or a backend load balancer open to 0.0.0.0/0, or an endpoint this run cannot reach.")
    .Does<BuildContext>((ctx, b) => Doctor.Run(b));

Task(TaskNames.Bootstrap)
    .Description("Bootstraps the account and region for CDK when they are not yet (idempotent).")
    .IsDependentOn(TaskNames.Doctor)
    .IsDependentOn(TaskNames.Synth)
    .WithCriteria<BuildContext>((ctx, b) => !b.Settings.SkipBootstrap, "--skip-bootstrap")
    .Does<BuildContext>((ctx, b) => DeployInfra.Bootstrap(b));

Task(TaskNames.DeployInfra)
    .Description("Deploys every registered stack (cdk deploy), saves their outputs to artifacts/<env>/cdk-outputs.json and attaches the node group to the backend load balancer's target group.")
    .IsDependentOn(TaskNames.Bootstrap)
    .WithCriteria<BuildContext>((ctx, b) => !b.Settings.SkipInfra, "--skip-infra")
    .Does<BuildContext>((ctx, b) => DeployInfra.Deploy(b));

Task(TaskNames.BuildImages)
    .Description("Builds the engine (Dockerfile.shard) and backend images in parallel, tagged from their sources.")
    .WithCriteria<BuildContext>((ctx, b) => !b.Settings.SkipImages, "--skip-images")
    .Does<BuildContext>((ctx, b) => Images.Build(b));

Task(TaskNames.PushImages)
    .Description("Logs in to ECR (token on stdin) and pushes the images the registry does not have yet.")
    .IsDependentOn(TaskNames.BuildImages)
    .IsDependentOn(TaskNames.DeployInfra)
    .WithCriteria<BuildContext>((ctx, b) => !b.Settings.SkipImages, "--skip-images")
    .Does<BuildContext>((ctx, b) => Images.Push(b));

Task(TaskNames.Kubeconfig)
    .Description("Points kubectl at the environment's EKS cluster (aws eks update-kubeconfig).")
    .IsDependentOn(TaskNames.DeployInfra)
    .Does<BuildContext>((ctx, b) => DeployInfra.Kubeconfig(b));

Task(TaskNames.Secrets)
    .Description("Applies the namespace and the db/kafka/redis secrets from the outputs and Secrets Manager, via stdin.")
    .IsDependentOn(TaskNames.Kubeconfig)
    .Does<BuildContext>((ctx, b) => Workloads.Secrets(b));

Task(TaskNames.ApplyK8s)
    .Description("Applies the aws-<env> overlay with the pushed image references, and the exchange-environment ConfigMap (AWS values that are not secret).")
    .IsDependentOn(TaskNames.PushImages)
    .IsDependentOn(TaskNames.Secrets)
    .Does<BuildContext>((ctx, b) => Workloads.ApplyK8s(b));

Task(TaskNames.Verify)
    .Description("Waits for every StatefulSet and Deployment to roll out and for the backend's load balancer targets to be healthy; shows pods, events and logs on failure.")
    .IsDependentOn(TaskNames.ApplyK8s)
    .WithCriteria<BuildContext>((ctx, b) => !b.Settings.SkipVerify, "--skip-verify")
    .Does<BuildContext>((ctx, b) => Workloads.Verify(b));

Task(TaskNames.DeployDev)
    .Description("Doctor through Verify in dependency order: from an empty account to running pods.")
    .IsDependentOn(TaskNames.Doctor)
    .IsDependentOn(TaskNames.BuildImages)
    .IsDependentOn(TaskNames.Verify);

// --- Day 2: operating the environment ------------------------------------------------------------
Task(TaskNames.Status)
    .Description("Shows stacks and outputs, the backend's URL, nodes, pods, Redpanda topics, and whether the environment runs or is paused.")
    .Does<BuildContext>((ctx, b) => Status.Run(b));

Task(TaskNames.Diff)
    .Description("Shows what a deploy would change: cdk diff of the stacks and kubectl diff of the overlay.")
    .Does<BuildContext>((ctx, b) => Status.Diff(b));

Task(TaskNames.Pause)
    .Description("Scales the nodes to 0 and stops Redpanda and RDS, then checks it took; --deep also removes the EKS stack.")
    .Does<BuildContext>((ctx, b) => PauseResume.Pause(b));

Task(TaskNames.Resume)
    .Description("Undoes Pause (recreating the EKS stack after --deep) and waits for nodes and workloads; --until=22:00 skips the sleep before then.")
    .Does<BuildContext>((ctx, b) => PauseResume.Resume(b));

Task(TaskNames.FollowSchedule)
    .Description("Does what the sleep schedule says now: in working hours builds/pushes (if changed), Resumes and re-applies; at night, with deep sleep, Pause --deep. CI runs it on the schedule.")
    .Does<BuildContext>((ctx, b) => FollowSchedule.Run(b));

Task(TaskNames.DestroyDev)
    .Description("Deletes the namespace, then every stack in reverse order, sweeps leftovers; needs --confirm (or CI).")
    .Does<BuildContext>((ctx, b) => DestroyDev.Destroy(b));

Task(TaskNames.Cost)
    .Description("Estimates the monthly cost (running / paused / deep-paused) from the synthesized stacks and build/prices/, with the options and the design document.")
    .Does<BuildContext>((ctx, b) => CostReport.Run(b));

Task(TaskNames.Permissions)
    .Description("Prints the least-privilege IAM policy the deploy role needs and writes artifacts/<env>/deploy-policy.json (no AWS call).")
    .Does<BuildContext>((ctx, b) => Permissions.Run(b));

Task(TaskNames.CostDiff)
    .Description("Compares Cost with the base branch's assembly (--base-assembly=DIR): per resource, running and effective, as markdown; --cost-threshold=USD fails on a larger increase.")
    .Does<BuildContext>((ctx, b) => CostReport.Diff(b));

Task(TaskNames.Default)
    .Description("The part that needs no AWS account: Synth, Render and Plan. Start here.")
    .IsDependentOn(TaskNames.Synth)
    .IsDependentOn(TaskNames.Render)
    .IsDependentOn(TaskNames.Plan);

if (!Tasks.Any(t => string.Equals(t.Name, target, StringComparison.OrdinalIgnoreCase)))
    throw new ArgumentException($"Unknown target '{target}'. Targets: {string.Join(", ", Tasks.Select(t => t.Name))}. " +
                                "`./build.sh --description` describes each.");

// An interrupted run exits 130 (SIGINT) or 143 (SIGTERM), as the shell would for a process the signal ended.
try { RunTarget(target); }
catch (Exception failure) { build?.EndRun(failure); throw; }
build?.EndRun(null);
