// The build of the exchange dev environment, as Cake's task graph. Every target is declared once, in the target registry
// (build/Exchange.Build/Pipeline/Targets.cs): what it does, what runs before it, when it is skipped, what it reaches, the
// options it reads and the tools it runs. This script makes each declaration a Cake task and has Cake's engine run the
// target. `./build.sh --tree` draws the graph Cake holds, `./build.sh --help` lists the targets.
#r "./.lib/Exchange.Contracts.dll"
#r "./.lib/YamlDotNet.dll"
#r "./.lib/Exchange.Build.dll"
using Exchange.Build.Cli;
using Exchange.Build.Pipeline;

// The arguments go to our front end first (build.sh hands them over verbatim, one --arg=... each, so Cake's parser
// answers none of them): --help, --version and mistakes are answered there, before any task is declared.
var build = Entry.Start(Context.Arguments.GetArguments("arg").ToArray(), Context.Environment.WorkingDirectory.FullPath);
if (build.Answered) System.Environment.Exit(build.ExitCode);

// One task per target, depending on the targets its declaration runs After. A task with work is skipped by its
// --skip-* switch, and once a step has failed or the run was interrupted; its action is the step, under a heading.
foreach (var target in Targets.All)
{
    var task = Task(target.Name).Description(target.Summary);
    foreach (var dependency in target.DependsOn) task.IsDependentOn(dependency);
    if (target.Action is not null) task.WithCriteria(_ => build.ShouldRun(target)).Does(() => build.Step(target));
}

Setup(_ => build.Setup());  // interruption handling; the settings this run reads
// The summary, how to resume an interrupted run, the error; then the process ends with the run's exit code, so Cake's
// own summary table (it would follow Teardown) is never printed.
Teardown(_ => System.Environment.Exit(build.Teardown()));

// --tree and --dryrun read the graph Cake now holds; bad settings stop the run here, before any task.
if (build.Prepare(Tasks, Context, Settings).Answered) System.Environment.Exit(build.ExitCode);
RunTarget(build.Target.Name); // Cake runs the target and its dependencies in graph order (the target alone under --exclusive)
