using Exchange.Build.Logging;
using Exchange.Build.Pipeline;
using Exchange.Build.Settings;

namespace Exchange.Build.Cli;

/// <summary>
/// The arguments of one ./build.sh run, parsed by us (build.sh hands them to the script verbatim, so Cake's own parser
/// never answers for them): <c>--name=value</c>, <c>--name value</c>, bare switches, and the short aliases -h, -e, -v.
/// Every mistake is collected with what to do, and a mistyped name gets "did you mean".
/// </summary>
public sealed class RunArguments : IBuildInputs
{
    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _errors = [];
    private readonly Func<string, string?> _environment;

    private RunArguments(Func<string, string?> environment) => _environment = environment;

    /// <summary>The problems with the arguments, each a sentence that says what to do.</summary>
    public IReadOnlyList<string> Errors => _errors;
    /// <summary>The options as given, by their full name.</summary>
    public IReadOnlyDictionary<string, string> Given => _values;

    public string Target => _values.GetValueOrDefault(ArgumentNames.Target) ?? TaskNames.Default;
    public bool TargetGiven => _values.ContainsKey(ArgumentNames.Target);
    public bool Exclusive => Switch(ArgumentNames.Exclusive);
    public bool DryRun => Switch(ArgumentNames.DryRun);
    public bool Tree => Switch(ArgumentNames.Tree);
    public bool Description => Switch(ArgumentNames.Description);
    public bool Help => Switch(ArgumentNames.Help);
    public bool Version => Switch(ArgumentNames.Version);
    public bool Json => Switch(ArgumentNames.Json);
    public Verbosity Verbosity { get; private set; } = Verbosity.Normal;

    public string? Argument(string name) => _values.TryGetValue(name, out var value) ? value : null;
    public string? Environment(string name) => _environment(name);

    private bool Switch(string name) =>
        _values.TryGetValue(name, out var v) && (v.Length == 0 || v == "1" || v.Equals("true", StringComparison.OrdinalIgnoreCase));

    /// <summary>Parses <paramref name="raw"/>, the arguments exactly as ./build.sh got them.</summary>
    public static RunArguments Parse(IReadOnlyList<string> raw, Func<string, string?> environment)
    {
        var parsed = new RunArguments(environment);
        for (var i = 0; i < raw.Count; i++)
        {
            var token = raw[i];
            if (!token.StartsWith('-') || token == "-" || token == "--")
            {
                parsed._errors.Add($"Unexpected argument '{token}': options start with --." +
                    (Targets.Find(token) is { } target ? $" Did you mean --target={target.Name}?" : " ./build.sh --help lists them."));
                continue;
            }
            var isLong = token.StartsWith("--", StringComparison.Ordinal);
            var body = token[(isLong ? 2 : 1)..];
            var equals = body.IndexOf('=');
            var name = equals < 0 ? body : body[..equals];
            var value = equals < 0 ? null : body[(equals + 1)..];
            var option = isLong ? Options.All.FirstOrDefault(o => string.Equals(o.Name, name, StringComparison.OrdinalIgnoreCase))
                : Options.All.FirstOrDefault(o => o.Alias == name);
            if (option is null)
            {
                var guess = Suggestions.DidYouMean(name, Options.All.Select(o => o.Name), "--");
                parsed._errors.Add($"Unknown option '{(isLong ? "--" : "-")}{name}'." + (guess.Length > 0 ? guess : " ./build.sh --help lists the options."));
                continue;
            }
            if (!option.IsSwitch && value is null && i + 1 < raw.Count && !raw[i + 1].StartsWith("--", StringComparison.Ordinal))
                value = raw[++i];
            if (!option.IsSwitch && string.IsNullOrEmpty(value))
            {
                parsed._errors.Add($"--{option.Name} needs a value, as in --{option.Usage.Split("--")[^1]}: {option.Help}; default: {option.Default}.");
                continue;
            }
            parsed._values[option.Name] = value ?? "";
        }
        parsed.CheckRunSwitches();
        return parsed;
    }

    private void CheckRunSwitches()
    {
        foreach (var name in new[] { ArgumentNames.Exclusive, ArgumentNames.DryRun, ArgumentNames.Tree, ArgumentNames.Description,
                     ArgumentNames.Help, ArgumentNames.Version, ArgumentNames.Json })
            if (_values.TryGetValue(name, out var v) && !(v.Length == 0 || v is "1" or "0" || bool.TryParse(v, out _)))
                _errors.Add($"--{name} takes true or false, not '{v}' (or just --{name}).");
        if (_values.TryGetValue(ArgumentNames.Verbosity, out var level))
        {
            var levels = Enum.GetNames<Verbosity>().Select(n => n.ToLowerInvariant()).ToArray();
            if (Enum.TryParse<Verbosity>(level, ignoreCase: true, out var verbosity) && !int.TryParse(level, out _)) Verbosity = verbosity;
            else
                _errors.Add($"--verbosity '{level}' is not a level: {string.Join(", ", levels)}." +
                            Suggestions.DidYouMean(level, levels, "--verbosity="));
        }
    }
}
