using Exchange.Build.Logging;

namespace Exchange.Build.Processes;

/// <summary>
/// A value that must never be printed. Its ToString is the mask; only <see cref="Reveal"/> gives the
/// value, for the one place that sends it to a child's stdin. Creating one registers it with the
/// run's redactor, so even a leaked copy is masked in every log line and exception.
/// </summary>
public sealed class Secret
{
    private readonly string _value;

    public Secret(string value, Redactor redactor)
    {
        _value = value ?? throw new ArgumentNullException(nameof(value));
        redactor.Add(value);
    }

    public string Reveal() => _value;
    public override string ToString() => Redactor.Mask;
}
