using System.Text;
using Exchange.Build.Logging;

namespace Exchange.Build.Processes;

/// <summary>One argument: its value and whether it must be masked when the command is shown.</summary>
public readonly record struct CommandArgument(string Value, bool IsSecret);

/// <summary>
/// A program and its arguments as a list (never one string): the runner hands the list to the OS
/// unchanged, so nothing is split or re-quoted. <see cref="RenderSafe"/> is what people see.
/// </summary>
public sealed class CommandLine
{
    private readonly List<CommandArgument> _arguments = [];

    public CommandLine(string tool, string executable)
    {
        Tool = tool;
        Executable = executable;
    }

    /// <summary>Short name shown in logs: aws, cdk, docker, kubectl.</summary>
    public string Tool { get; }
    /// <summary>The resolved file that runs.</summary>
    public string Executable { get; }
    public IReadOnlyList<CommandArgument> Arguments => _arguments;
    public IEnumerable<string> Values => _arguments.Select(a => a.Value);

    public CommandLine Add(params string[] values)
    {
        foreach (var v in values) _arguments.Add(new CommandArgument(v, false));
        return this;
    }

    /// <summary>What IAM must allow for this command to work: null when undeclared, empty when it calls no AWS API.</summary>
    public IReadOnlyList<Aws.IamGrant>? Permissions { get; private set; }

    /// <summary>Declares the IAM grants this command needs (from <see cref="Aws.IamPermissions"/>).</summary>
    public CommandLine Needs(IReadOnlyList<Aws.IamGrant> grants)
    {
        Permissions = grants;
        return this;
    }

    public CommandLine AddIf(bool condition, params string[] values) => condition ? Add(values) : this;

    /// <summary>An argument shown as [REDACTED]. Prefer stdin for secrets; this is the escape hatch.</summary>
    public CommandLine AddSecret(string value)
    {
        _arguments.Add(new CommandArgument(value, true));
        return this;
    }

    /// <summary>The command as a shell would need it typed, with secrets masked and the redactor applied.</summary>
    public string RenderSafe(Redactor? redactor = null)
    {
        var text = new StringBuilder(Tool);
        foreach (var a in _arguments) text.Append(' ').Append(a.IsSecret ? Redactor.Mask : Quote(a.Value));
        return redactor?.Redact(text.ToString()) ?? text.ToString();
    }

    public override string ToString() => RenderSafe();

    /// <summary>POSIX-shell quoting for display: bare when safe, single quotes otherwise.</summary>
    public static string Quote(string value)
    {
        if (value.Length == 0) return "''";
        if (value.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,@%+".Contains(c))) return value;
        return "'" + value.Replace("'", "'\\''") + "'";
    }
}
