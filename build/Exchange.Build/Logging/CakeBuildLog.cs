using Cake.Core.Diagnostics;

namespace Exchange.Build.Logging;

/// <summary>Forwards to Cake's log. Messages go in as arguments, never as format strings ({ } are data).</summary>
public sealed class CakeBuildLog(ICakeLog log) : IBuildLog
{
    public void Information(string message) => log.Write(Verbosity.Normal, LogLevel.Information, "{0}", message);
    public void Verbose(string message) => log.Write(Verbosity.Verbose, LogLevel.Verbose, "{0}", message);
    public void Warning(string message) => log.Write(Verbosity.Minimal, LogLevel.Warning, "{0}", message);
    public void Error(string message) => log.Write(Verbosity.Quiet, LogLevel.Error, "{0}", message);
}
