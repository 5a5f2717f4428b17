using Exchange.Checker;

// The connectivity check Verify runs in the cluster: MySQL, Redis and Kafka reached the way the workloads reach them.
// Prints one line per check and a result line (Exchange.Contracts ConnectivityCheck), never a secret value.
return await Checker.RunAsync(args, Environment.GetEnvironmentVariable, Console.Out);
