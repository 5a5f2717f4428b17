using System.Text;
using System.Text.Json.Nodes;
using Exchange.Fakes.Core;
using Exchange.Fakes.State;

namespace Exchange.Fakes.Aws;

/// <summary>`aws eks update-kubeconfig` and `aws eks get-token`: a real-shaped kubeconfig whose user runs `aws eks get-token`.</summary>
internal static class UpdateKubeconfig
{
    public static AwsResponse Run(AwsCall call, ClusterState cluster)
    {
        var path = Kubeconfig.Paths(call.Opt("--kubeconfig"))[0];
        var contextName = call.Opt("--alias") ?? cluster.Arn;
        var userName = call.Opt("--user-alias") ?? cluster.Arn;
        var config = Kubeconfig.Load(path);
        config["apiVersion"] ??= "v1";
        config["kind"] ??= "Config";
        Kubeconfig.Upsert(config, "clusters", cluster.Arn, "cluster", new JsonObject
        {
            ["certificate-authority-data"] = CertificateAuthority(cluster),
            ["server"] = cluster.Endpoint,
        });
        var existed = Kubeconfig.Upsert(config, "contexts", contextName, "context", new JsonObject
        {
            ["cluster"] = cluster.Arn,
            ["user"] = userName,
        });
        Kubeconfig.Upsert(config, "users", userName, "user", new JsonObject { ["exec"] = ExecPlugin(call, cluster) });
        config["current-context"] = contextName;
        if (call.Args.Flag("--dry-run"))
            return AwsResponse.Text(Yaml.Write(config));
        Kubeconfig.Save(path, config);
        return AwsResponse.Text(existed ? $"Updated context {contextName} in {path}\n" : $"Added new context {contextName} to {path}\n");
    }

    public static AwsResponse GetToken(AwsCall call) => AwsResponse.Ok(new JsonObject
    {
        ["kind"] = "ExecCredential",
        ["apiVersion"] = "client.authentication.k8s.io/v1beta1",
        ["spec"] = new JsonObject(),
        ["status"] = new JsonObject
        {
            ["expirationTimestamp"] = Json.KubeTime(DateTimeOffset.UtcNow.AddMinutes(14)),
            ["token"] = "k8s-aws-v1." + Convert.ToBase64String(Encoding.UTF8.GetBytes(
                $"https://sts.{call.Region}.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Cluster={call.Req("--cluster-name")}"))
                .TrimEnd('='),
        },
    });

    private static JsonObject ExecPlugin(AwsCall call, ClusterState cluster)
    {
        var args = new List<string> { "--region", call.Region, "eks", "get-token", "--cluster-name", cluster.Name, "--output", "json" };
        if (call.Opt("--role-arn") is { } role)
            args.AddRange(["--role-arn", role]);
        return new JsonObject
        {
            ["apiVersion"] = "client.authentication.k8s.io/v1beta1",
            ["args"] = Json.Strings(args),
            ["command"] = "aws",
        };
    }

    private static string CertificateAuthority(ClusterState cluster) => Convert.ToBase64String(Encoding.UTF8.GetBytes(
        "-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgII" + Json.StableHex(48, cluster.Arn) + "\n-----END CERTIFICATE-----\n"));
}
