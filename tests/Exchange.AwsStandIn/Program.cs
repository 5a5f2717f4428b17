using Exchange.AwsStandIn;

// dotnet Exchange.AwsStandIn.dll [--port N] [--account ID] [--region R] [--registry HOST:PORT]
// With --registry, the first line of stdin is the registry's password (ECR's get-login-password hands it out).
// Prints the environment a client needs (export lines), then serves until stopped.
var options = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(p => p.a[2..], p => p.i + 1 < args.Length ? args[p.i + 1] : "");
foreach (var key in options.Keys.Except(["port", "account", "region", "registry"]))
{
    Console.Error.WriteLine($"Unknown option --{key}. " +
                            "Usage: Exchange.AwsStandIn [--port N] [--account ID] [--region R] [--registry HOST:PORT] (registry password on stdin)");
    return 2;
}
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
var cloud = new Cloud(options.GetValueOrDefault("account", "111122223333"), options.GetValueOrDefault("region", "ap-northeast-2"), registry);
await using var standIn = await StandIn.StartAsync(cloud, int.Parse(options.GetValueOrDefault("port", "0"), System.Globalization.CultureInfo.InvariantCulture));
foreach (var (key, value) in standIn.ClientEnvironment) Console.WriteLine($"export {key}={value}");
Console.Out.Flush();
await standIn.WaitForShutdownAsync(); // SIGTERM or Ctrl+C
return 0;
