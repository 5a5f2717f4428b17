using System.Globalization;
using Exchange.AwsStandIn;

// dotnet Exchange.AwsStandIn.dll [--port N] [--account ID] [--region R] [--registry HOST:PORT] [--time-scale S] [--broker-dir DIR]
// With --registry, the first line of stdin is the registry's password (ECR's get-login-password hands it out).
// --time-scale S: the timed world, S real seconds per AWS minute (see Timing.cs); without it, stacks deploy at once.
// Prints the environment a client needs (export lines), then serves until stopped.
// dotnet Exchange.AwsStandIn.dll critical-path --assembly DIR [--time-scale S] [--first NAME=TEMPLATE] [--timeline FILE --since T]:
// the fastest first deploy of that cloud assembly in the timed world, and what a deploy did against it (CriticalPath.cs).
var critical = args.FirstOrDefault() == "critical-path";
var options = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(p => p.a[2..], p => p.i + 1 < args.Length ? args[p.i + 1] : "");
string[] known = critical
    ? ["assembly", "time-scale", "first", "first-parameters", "timeline", "since"]
    : ["port", "account", "region", "registry", "time-scale", "broker-dir"];
foreach (var key in options.Keys.Except(known))
{
    Console.Error.WriteLine($"Unknown option --{key}. " +
                            "Usage: Exchange.AwsStandIn [--port N] [--account ID] [--region R] [--registry HOST:PORT] (registry password on stdin) " +
                            "[--time-scale SECONDS_PER_AWS_MINUTE] [--broker-dir DIR]; or Exchange.AwsStandIn critical-path --assembly DIR [--time-scale S] " +
                            "[--first NAME=TEMPLATE [--first-parameters K=V,...]] [--timeline FILE --since EPOCH_SECONDS]");
    return 2;
}
ResourceTiming? timing = null;
if (options.TryGetValue("time-scale", out var scaleText))
{
    if (!double.TryParse(scaleText, NumberStyles.Float, CultureInfo.InvariantCulture, out var scale) || !(scale > 0) || !double.IsFinite(scale))
    {
        Console.Error.WriteLine($"--time-scale '{scaleText}' must be a positive number: real seconds per AWS minute (1: an EKS cluster takes 10 s).");
        return 2;
    }
    timing = new ResourceTiming(scale);
}
if (critical) return CriticalPath.Run(options);
RegistryEndpoint? registry = null;
if (options.TryGetValue("registry", out var host))
{
    var password = Console.In.ReadLine();
    if (string.IsNullOrEmpty(password))
    {
        Console.Error.WriteLine("--registry needs the registry's password as the first line of stdin.");
        return 2;
    }
    registry = new RegistryEndpoint(host, password);
}
var cloud = new Cloud(options.GetValueOrDefault("account", "111122223333"), options.GetValueOrDefault("region", "ap-northeast-2"), registry)
{
    Timing = timing,
};
// --broker-dir DIR: what SSM Run Command runs on a Redpanda host goes to the fake broker (real bash, a docker/rpk stand-in),
// each host's topics under DIR, as in the pipeline tests; without it a command prints nothing.
if (options.TryGetValue("broker-dir", out var brokerDir))
{
    var broker = new Exchange.Fakes.Redpanda.FakeBroker(brokerDir);
    cloud.RunShell = (instance, shell) => broker.Run(instance, shell) is var (code, stdout, stderr) ? new ShellResult(code, stdout, stderr) : "";
}
await using var standIn = await StandIn.StartAsync(cloud, int.Parse(options.GetValueOrDefault("port", "0"), CultureInfo.InvariantCulture));
foreach (var (key, value) in standIn.ClientEnvironment) Console.WriteLine($"export {key}={value}");
Console.Out.Flush();
await standIn.WaitForShutdownAsync(); // SIGTERM or Ctrl+C
return 0;
