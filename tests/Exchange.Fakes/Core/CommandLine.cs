namespace Exchange.Fakes.Core;

/// <summary>
/// GNU-style arguments: positionals plus options (`--name value`, `--name=value`, `-n value`).
/// An option takes the next argument as its value unless the tool declares it a flag or the next
/// argument is itself an option.
/// </summary>
public sealed class CommandLine
{
    private readonly List<KeyValuePair<string, string?>> options;

    private CommandLine(List<string> positionals, List<KeyValuePair<string, string?>> options)
    {
        Positionals = positionals;
        this.options = options;
    }

    public IReadOnlyList<string> Positionals { get; }

    public IEnumerable<string> OptionNames => options.Select(o => o.Key).Distinct();

    public string Positional(int index) => index < Positionals.Count ? Positionals[index] : "";

    /// <param name="isFlag">options that never take a value</param>
    /// <param name="isList">options that take every following non-option argument (aws `--instance-ids a b`)</param>
    public static CommandLine Parse(IReadOnlyList<string> args, Func<string, bool> isFlag, Func<string, bool>? isList = null)
    {
        var positionals = new List<string>();
        var options = new List<KeyValuePair<string, string?>>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                positionals.AddRange(args.Skip(i + 1));
                break;
            }
            if (!IsOption(arg))
            {
                positionals.Add(arg);
                continue;
            }
            var eq = arg.IndexOf('=');
            if (eq > 0)
                options.Add(new(arg[..eq], arg[(eq + 1)..]));
            else if (isList?.Invoke(arg) == true)
                while (i + 1 < args.Count && !IsOption(args[i + 1]))
                    options.Add(new(arg, args[++i]));
            else if (!isFlag(arg) && i + 1 < args.Count && !IsOption(args[i + 1]))
                options.Add(new(arg, args[++i]));
            else
                options.Add(new(arg, null));
        }
        return new CommandLine(positionals, options);
    }

    private static bool IsOption(string arg) =>
        arg.Length > 1 && arg[0] == '-' && !char.IsDigit(arg[1]);

    public bool Has(params string[] names) => options.Any(o => names.Contains(o.Key));

    /// <summary>The last value given for any of the names (null when absent or given as a bare flag).</summary>
    public string? Get(params string[] names) =>
        options.LastOrDefault(o => names.Contains(o.Key) && o.Value is not null).Value;

    public IReadOnlyList<string> GetAll(params string[] names) =>
        options.Where(o => names.Contains(o.Key) && o.Value is not null).Select(o => o.Value!).ToList();

    /// <summary>A boolean flag: present bare or with a true value (`--watch`, `--watch=true`).</summary>
    public bool Flag(params string[] names)
    {
        var hit = options.LastOrDefault(o => names.Contains(o.Key));
        return hit.Key is not null && hit.Value is null or "true" or "1";
    }

    /// <summary>"tool positional1 positional2": what FAKE_FAIL prefixes are matched against.</summary>
    public string CommandKey(string tool) => string.Join(' ', new[] { tool }.Concat(Positionals));
}
