namespace Exchange.Pipeline.Tests;

public static class CallOrder
{
    /// <summary>Each step is the start of a call that comes after the previous step's call.</summary>
    public static void Assert(List<string> calls, params string[] steps)
    {
        var position = -1;
        foreach (var step in steps)
        {
            var next = calls.FindIndex(position + 1, c => c.StartsWith(step, StringComparison.Ordinal));
            Xunit.Assert.True(next > position, $"'{step}' did not follow in order:\n{string.Join("\n", calls)}");
            position = next;
        }
    }
}
