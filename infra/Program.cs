using Amazon.CDK;
using Exchange.Contracts;
using Exchange.Infra;

// The only place that reads CDK context (-c KEY=VALUE, cdk.json) and environment variables.
//
// Dev trade-offs, made on purpose (the README carries the same table):
// - RDS single AZ, no deletion protection, DESTROY, 1-day backups, no Performance Insights / enhanced
//   monitoring / log exports: dev data is disposable; Multi-AZ doubles the instance price, and log
//   exports would need a Lambda-backed retention custom resource.
// - Redis single node, no snapshots, no in-transit TLS / AUTH: a cache, reachable only from the
//   cluster security group; TLS would oblige every client to be configured for it.
// - EKS nodes on SPOT (t3.medium, t3a.medium fallback): ~70% cheaper; workloads must tolerate a
//   two-minute interruption. The API endpoint is private, and public only for the environment's listed
//   CIDRs (EksConfig.PublicAccessCidrs; none by default).
// Every cdk-nag exception is on its resource with its reason (NagSuppressions; README table).
// - One NAT instance (t4g.nano, ~$4 + $3.65 IPv4 a month) instead of a NAT gateway (~$43 + $0.059/GB):
//   no managed availability, one AZ; `-c nat=gateway` switches.
// - Redpanda as one broker on one instance, replication factor 1: no HA, data on one EBS volume.
// - ECR repositories and all data are deleted with the stacks (emptyOnDelete / DESTROY).
// - No secret rotation (it needs a rotation Lambda), no default-SG lock-down (custom resource Lambda),
//   no EC2 detailed monitoring, no termination protection.
try
{
    var app = new App();
    var settings = InfraSettings.From(
        key => app.Node.TryGetContext(key)?.ToString(),
        System.Environment.GetEnvironmentVariable);

    ExchangeApp.Build(app, settings);
    app.Synth();
    return 0;
}
catch (Exception e) when (e is UnknownEnvironmentException or InvalidSettingException or InvalidSleepScheduleException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
