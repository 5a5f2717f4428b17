using System.Reflection;
using Cake.Core;
using Cake.Core.Diagnostics;
using Exchange.Build.Cli;
using Exchange.Build.Pipeline;

namespace Exchange.Build.Tests;

/// <summary>
/// A run of ./build.sh in this process: the front end, then Cake's own task engine (Cake.Core's CakeEngine) with the
/// tasks declared as build/build.cake declares them, without the script host around it. The pipeline test
/// The_task_graph_Cake_runs_is_the_registrys keeps the script itself equal to the registry.
/// </summary>
public static class InProcessCake
{
    public static int Run(IReadOnlyList<string> args, Func<string, string?> environment, TextWriter stdout, TextWriter stderr, Logging.OutputStyle style)
    {
        var build = Entry.Start(args, Contexts.RepoRoot, environment, stdout, stderr, style);
        if (build.Answered) return build.ExitCode;

        var log = new NullLog();
        var engine = new CakeEngine(new CakeDataService(), log);
        foreach (var target in Targets.All)
        {
            var task = engine.RegisterTask(target.Name).Description(target.Summary);
            foreach (var dependency in target.DependsOn) task.IsDependentOn(dependency);
            if (target.Action is not null) task.WithCriteria(_ => build.ShouldRun(target)).Does(() => build.Step(target));
        }
        engine.RegisterSetupAction(_ => build.Setup());
        engine.RegisterTeardownAction(_ => build.Teardown());

        var context = DispatchProxy.Create<ICakeContext, ContextWithLogOnly>();
        ((ContextWithLogOnly)(object)context).Log = log;
        var settings = new ExecutionSettings();
        if (build.Prepare(engine.Tasks, context, settings).Answered) return build.ExitCode;
        engine.RunTargetAsync(context, new DefaultExecutionStrategy(log, new NoReport()), settings).GetAwaiter().GetResult();
        return build.ExitCode;
    }

    /// <summary>The context Cake's engine passes around: the run reads only its log (the tasks use their BuildContext).</summary>
    public class ContextWithLogOnly : DispatchProxy
    {
        public ICakeLog? Log { get; set; }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name == "get_Log" ? Log : null;
    }

    private sealed class NoReport : ICakeReportPrinter
    {
        public void Write(CakeReport report) { }
        public void WriteLifeCycleStep(string name, Verbosity verbosity) { }
        public void WriteStep(string name, Verbosity verbosity) { }
        public void WriteSkippedStep(string name, Verbosity verbosity) { }
    }
}
