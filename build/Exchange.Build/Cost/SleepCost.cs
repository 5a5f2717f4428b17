using Exchange.Contracts;

namespace Exchange.Build.Cost;

/// <summary>One line's effective monthly cost: running while up, paused (shallow) or deep-paused (deep) while asleep.</summary>
public sealed record EffectiveLine(string Stack, string LogicalId, string Billed, decimal Shallow, decimal Deep);

/// <summary>
/// The effective monthly cost under a sleep schedule: each line weighs its running cost by the hours the environment
/// is up and its paused (shallow sleep) or deep-paused (deep sleep) cost by the hours it is asleep. Deep sleep is up
/// a little longer: the wake-up starts <see cref="SleepSchedule.DeepWakeLead"/> early to recreate the EKS stack.
/// Holidays are not subtracted (a month's count varies): the figures are slightly high, never flattering.
/// </summary>
public sealed record SleepCost(SleepSchedule? Schedule, decimal HoursPerMonth, decimal ShallowUpHours, decimal DeepUpHours,
    IReadOnlyList<EffectiveLine> Lines)
{
    public decimal Shallow => Lines.Sum(l => l.Shallow);
    public decimal Deep => Lines.Sum(l => l.Deep);

    /// <summary>What the schedule is configured to do: deep when it says so, shallow otherwise (running when there is no schedule).</summary>
    public decimal Configured => Schedule?.Deep == true ? Deep : Shallow;

    public decimal ShallowAsleepHours => HoursPerMonth - ShallowUpHours;
    public decimal DeepAsleepHours => HoursPerMonth - DeepUpHours;

    public static SleepCost Of(CostEstimate estimate, SleepSchedule? schedule, decimal hoursPerMonth)
    {
        var shallowUp = schedule?.UpFraction(deep: false) ?? 1;
        var deepUp = schedule?.UpFraction(deep: true) ?? 1;
        var lines = estimate.Lines.Select(l => new EffectiveLine(l.Stack, l.LogicalId, l.Billed,
            Shallow: l.Running * shallowUp + l.Paused * (1 - shallowUp),
            Deep: l.Running * deepUp + l.DeepPaused * (1 - deepUp))).ToArray();
        return new SleepCost(schedule, hoursPerMonth, hoursPerMonth * shallowUp, hoursPerMonth * deepUp, lines);
    }
}
