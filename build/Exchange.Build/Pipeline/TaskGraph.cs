using Cake.Core;
using Cake.Core.Graph;

namespace Exchange.Build.Pipeline;

/// <summary>The order Cake runs a target's tasks in, from the same graph code Cake's own runner uses.</summary>
public static class TaskGraph
{
    public static IReadOnlyList<string> Order(IReadOnlyList<ICakeTaskInfo> tasks, string target) =>
        CakeGraphBuilder.Build(tasks).Traverse(target).ToArray();
}
