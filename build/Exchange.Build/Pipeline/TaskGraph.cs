using Cake.Core;
using Cake.Core.Graph;

namespace Exchange.Build.Pipeline;

/// <summary>The order a target's tasks run in: the registry's dependencies, ordered by the graph code Cake's own runner uses.</summary>
public static class TaskGraph
{
    public static IReadOnlyList<string> Order(string target) => Order(Targets.All, target);

    public static IReadOnlyList<string> Order(IReadOnlyList<Target> targets, string target)
    {
        var tasks = targets.Select(t =>
        {
            var task = new CakeTask(t.Name);
            task.Dependencies.AddRange(t.DependsOn.Select(d => new CakeTaskDependency(d, required: true)));
            return (ICakeTaskInfo)task;
        }).ToArray();
        return CakeGraphBuilder.Build(tasks).Traverse(target).ToArray();
    }
}
