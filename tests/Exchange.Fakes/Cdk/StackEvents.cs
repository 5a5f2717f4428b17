using System.Globalization;
using Exchange.Fakes.State;

namespace Exchange.Fakes.Cdk;

/// <summary>CloudFormation stack events: printed the way `cdk deploy --progress events` prints them, and kept for describe-stack-events.</summary>
internal sealed class StackEvents(CdkConsole console, StackContext stack, int total)
{
    private const int StatusWidth = 20;
    private readonly List<StackEventState> events = [];
    private int done;

    public IReadOnlyList<StackEventState> Recorded => events;

    public void Stack(string status, string? reason = null) =>
        Add(stack.StackName, stack.StackId, "AWS::CloudFormation::Stack", status, reason, countsAsDone: status.EndsWith("_COMPLETE"));

    public void Resource(string logicalId, string physicalId, string type, string status, string? reason = null) =>
        Add(logicalId, physicalId, type, status, reason, countsAsDone: status.EndsWith("_COMPLETE"));

    private void Add(string logicalId, string physicalId, string type, string status, string? reason, bool countsAsDone)
    {
        var now = DateTimeOffset.UtcNow;
        events.Add(new StackEventState($"{logicalId}-{status}-{now:yyyy-MM-ddTHH:mm:ss.fffZ}", now, logicalId, physicalId, type, status, reason));
        if (countsAsDone)
            done++;
        var time = now.ToLocalTime().ToString("h:mm:ss tt", CultureInfo.InvariantCulture);
        var progress = $"{done,2}/{total}";
        console.Info($"{stack.StackName} | {progress} | {time} | {status.PadRight(StatusWidth)} | {type} | {logicalId} {reason}".TrimEnd());
    }
}
