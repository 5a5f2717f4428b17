using System.Text.Json.Nodes;

namespace Exchange.AwsStandIn.Tests;

/// <summary>
/// Every response is checked against botocore's own model before it is sent. These tests walk every
/// operation the stand-in implements through the real aws CLI, and show that a response bent out of
/// shape is caught.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ModelConformanceTests(RegistryFixture registry) : IClassFixture<RegistryFixture>
{
    private const string Template = """
        { "Resources": {
            "Bucket": { "Type": "AWS::S3::Bucket", "Properties": { "BucketName": "conformance-bucket" } },
            "Param": { "Type": "AWS::SSM::Parameter", "Properties": { "Name": "/conformance/version", "Type": "String", "Value": "7" } },
            "Repo": { "Type": "AWS::ECR::Repository", "Properties": { "RepositoryName": "conformance/app" } },
            "Cluster": { "Type": "AWS::EKS::Cluster", "Properties": { "Name": "conformance", "Version": "1.35", "RoleArn": "arn:aws:iam::111122223333:role/eks",
              "ResourcesVpcConfig": { "SubnetIds": ["subnet-1", "subnet-2"] }, "Logging": { "ClusterLogging": { "EnabledTypes": [{ "Type": "api" }] } } } },
            "Nodes": { "Type": "AWS::EKS::Nodegroup", "Properties": { "ClusterName": { "Ref": "Cluster" }, "NodegroupName": "spot", "CapacityType": "SPOT",
              "InstanceTypes": ["t3.medium"], "ScalingConfig": { "MinSize": 1, "MaxSize": 4, "DesiredSize": 2 }, "Subnets": ["subnet-1"],
              "NodeRole": "arn:aws:iam::111122223333:role/node" } },
            "Proxy": { "Type": "AWS::EKS::Addon", "Properties": { "ClusterName": { "Ref": "Cluster" }, "AddonName": "kube-proxy" } },
            "Host": { "Type": "AWS::EC2::Instance", "Properties": { "InstanceType": "t3.small", "IamInstanceProfile": { "Ref": "HostProfile" } } },
            "HostRole": { "Type": "AWS::IAM::Role", "Properties": { "AssumeRolePolicyDocument": {},
              "ManagedPolicyArns": [{ "Fn::Join": ["", ["arn:", { "Ref": "AWS::Partition" }, ":iam::aws:policy/AmazonSSMManagedInstanceCore"]] }] } },
            "HostProfile": { "Type": "AWS::IAM::InstanceProfile", "Properties": { "Roles": [{ "Ref": "HostRole" }] } },
            "Admin": { "Type": "AWS::EKS::AccessEntry", "Properties": { "ClusterName": { "Ref": "Cluster" },
              "PrincipalArn":
                "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/ap-northeast-2/AWSReservedSSO_AdministratorAccess_0123456789abcdef",
              "Type": "STANDARD", "AccessPolicies": [{ "PolicyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                                                       "AccessScope": { "Type": "cluster" } }] } },
            "Lb": { "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": { "Type": "application", "Scheme": "internet-facing",
              "Subnets": ["subnet-1", "subnet-2"], "Tags": [{ "Key": "Environment", "Value": "conformance" }] } },
            "Tg": { "Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": { "Port": 30080, "Protocol": "HTTP", "TargetType": "instance",
              "VpcId": "vpc-1" } },
            "Http": { "Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": { "LoadBalancerArn": { "Ref": "Lb" }, "Port": 80, "Protocol": "HTTP",
              "DefaultActions": [{ "Type": "forward", "TargetGroupArn": { "Ref": "Tg" } }] } },
            "Db": { "Type": "AWS::RDS::DBInstance", "Properties": { "DBInstanceIdentifier": "conformance-db", "Engine": "mysql", "AllocatedStorage": "20" } },
            "Secret": { "Type": "AWS::SecretsManager::Secret", "Properties": { "Name": "conformance-secret", "GenerateSecretString": {} } },
            "DeadLetters": { "Type": "AWS::SQS::Queue", "Properties": { "QueueName": "conformance-sleep-dlq", "SqsManagedSseEnabled": true } },
            "Sleep": { "Type": "AWS::Scheduler::Schedule", "Properties": { "Name": "conformance-sleep", "ScheduleExpression": "cron(0 20 * * ? *)",
              "ScheduleExpressionTimezone": "Asia/Seoul", "FlexibleTimeWindow": { "Mode": "OFF" }, "State": "ENABLED",
              "Target": { "Arn": "arn:aws:scheduler:::aws-sdk:rds:stopDBInstance", "RoleArn": "arn:aws:iam::111122223333:role/sleep",
                          "Input": "{\"DbInstanceIdentifier\":\"conformance-db\"}", "RetryPolicy": { "MaximumRetryAttempts": 2 },
                          "DeadLetterConfig": { "Arn": { "Fn::GetAtt": ["DeadLetters", "Arn"] } } } } }
          },
          "Outputs": { "Repo": { "Value": { "Fn::GetAtt": ["Repo", "RepositoryUri"] }, "Export": { "Name": "conformance-repo" } },
                       "Url": { "Value": { "Fn::Join": ["", ["http://", { "Fn::GetAtt": ["Lb", "DNSName"] }]] } } } }
        """;

    [Fact]
    public void Every_operation_the_stand_in_implements_answers_in_the_shape_botocore_defines()
    {
        using var world = new World(registry.Endpoint);
        var aws = (string[] args) =>
        {
            var result = world.Aws(args);
            Assert.True(result.ExitCode == 0, $"aws {string.Join(' ', args)}: {result}");
            return result.Stdout;
        };
        world.Cloud.TaggedResources.Add(JsonNode.Parse("""
            { "ResourceARN": "arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:loadbalancer/net/k8s-x/0123",
              "Tags": [{ "Key": "kubernetes.io/cluster/conformance", "Value": "owned" }] }
            """)!.AsObject());

        aws(["sts", "get-caller-identity"]);
        var role = JsonNode.Parse(aws(["iam", "get-role", "--role-name", Cloud.SsoRole]))!["Role"]!["Arn"]!.GetValue<string>();
        aws(["sts", "assume-role", "--role-arn", role, "--role-session-name", "conformance"]);
        aws(["cloudformation", "deploy", "--template-file", world.Write("t.json", Template), "--stack-name", "Conformance"]);
        aws(["cloudformation", "describe-stack-events", "--stack-name", "Conformance"]);
        aws(["cloudformation", "get-template", "--stack-name", "Conformance"]);
        aws(["cloudformation", "list-stack-resources", "--stack-name", "Conformance"]);
        aws(["cloudformation", "list-exports"]);
        aws(["cloudformation", "create-change-set", "--stack-name", "Conformance", "--change-set-name", "again", "--use-previous-template"]);
        aws(["cloudformation", "delete-change-set", "--stack-name", "Conformance", "--change-set-name", "again"]);
        aws(["cloudformation", "create-change-set", "--stack-name", "Conformance", "--change-set-name", "run", "--use-previous-template",
             "--tags", "Key=purpose,Value=conformance"]);
        aws(["cloudformation", "execute-change-set", "--stack-name", "Conformance", "--change-set-name", "run"]);

        var file = world.Write("object.txt", "hello");
        aws(["s3api", "put-object", "--bucket", "conformance-bucket", "--key", "a/object.txt", "--body", file]);
        aws(["s3api", "list-objects-v2", "--bucket", "conformance-bucket", "--prefix", "a/"]);
        aws(["s3api", "head-object", "--bucket", "conformance-bucket", "--key", "a/object.txt"]);
        aws(["s3api", "get-object", "--bucket", "conformance-bucket", "--key", "a/object.txt", Path.Combine(world.Root, "copy.txt")]);
        Assert.Equal("hello", File.ReadAllText(Path.Combine(world.Root, "copy.txt")));
        aws(["s3api", "get-bucket-location", "--bucket", "conformance-bucket"]);

        aws(["ssm", "get-parameter", "--name", "/conformance/version"]);
        var host = world.Cloud.Instances.Keys.Single();
        world.Cloud.RunShell = (_, shell) => shell == "uptime" ? "up 3 days" : "";
        var command = JsonNode.Parse(aws(
            ["ssm", "send-command", "--instance-ids", host, "--document-name", "AWS-RunShellScript", "--parameters", """{"commands":["uptime"]}"""]))!;
        var invocation = aws(["ssm", "get-command-invocation", "--command-id", command["Command"]!["CommandId"]!.GetValue<string>(), "--instance-id", host]);
        Assert.Contains("up 3 days", invocation);

        var password = aws(["ecr", "get-login-password"]).Trim();
        Assert.Equal(registry.Registry.Password, password);
        PushImage(world, "conformance/app", "v1", password);
        aws(["ecr", "describe-repositories", "--repository-names", "conformance/app"]);
        Assert.Contains("sha256:", aws(["ecr", "describe-images", "--repository-name", "conformance/app", "--image-ids", "imageTag=v1"]));

        aws(["eks", "update-kubeconfig", "--name", "conformance", "--kubeconfig", Path.Combine(world.Root, "kubeconfig")]);
        var nodegroup = JsonNode.Parse(aws(["eks", "describe-nodegroup", "--cluster-name", "conformance", "--nodegroup-name", "spot"]))!;
        // The backend's load balancer: EKS's Auto Scaling group of the node group joins the target group; its two nodes become targets.
        var group = nodegroup["nodegroup"]!["resources"]!["autoScalingGroups"]![0]!["name"]!.GetValue<string>();
        var targetGroup = world.Cloud.TargetGroups.Keys.Single();
        Assert.Contains("\"TargetGroupARNs\": []", aws(["autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", group]));
        aws(["autoscaling", "attach-load-balancer-target-groups", "--auto-scaling-group-name", group, "--target-group-arns", targetGroup]);
        Assert.Contains(targetGroup, aws(["autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", group]));
        var health = JsonNode.Parse(aws(["elbv2", "describe-target-health", "--target-group-arn", targetGroup]))!["TargetHealthDescriptions"]!.AsArray();
        Assert.Equal(["healthy", "healthy"], health.Select(t => t!["TargetHealth"]!["State"]!.GetValue<string>()));
        // A preview's route: a path rule on the listener, forwarding to a target group, the path's prefix cut off.
        var listener = world.Cloud.Listeners.Keys.Single();
        var rule = JsonNode.Parse(aws(["elbv2", "create-rule", "--listener-arn", listener, "--priority", "101",
            "--conditions", """[{"Field":"path-pattern","PathPatternConfig":{"Values":["/pr-1/*"]}}]""",
            "--actions", $"Type=forward,TargetGroupArn={targetGroup}",
            "--transforms", """[{"Type":"url-rewrite","UrlRewriteConfig":{"Rewrites":[{"Regex":"^/pr-1/(.*)$","Replace":"/$1"}]}}]"""]))!["Rules"]![0]!;
        var rules = JsonNode.Parse(aws(["elbv2", "describe-rules", "--listener-arn", listener]))!["Rules"]!.AsArray();
        Assert.Equal(["101", "default"], rules.Select(x => x!["Priority"]!.GetValue<string>()));
        Assert.Equal("/$1", rules[0]!["Transforms"]![0]!["UrlRewriteConfig"]!["Rewrites"]![0]!["Replace"]!.GetValue<string>());
        aws(["elbv2", "delete-rule", "--rule-arn", rule["RuleArn"]!.GetValue<string>()]);
        Assert.Single(JsonNode.Parse(aws(["elbv2", "describe-rules", "--listener-arn", listener]))!["Rules"]!.AsArray());
        Assert.Contains("loadbalancer/app/", aws(["resourcegroupstaggingapi", "get-resources", "--tag-filters", "Key=Environment,Values=conformance",
            "--resource-type-filters", "elasticloadbalancing:loadbalancer"]));
        Assert.DoesNotContain("loadbalancer/app/", aws(["resourcegroupstaggingapi", "get-resources", "--tag-filters", "Key=Environment,Values=prod",
            "--resource-type-filters", "elasticloadbalancing:loadbalancer"]));
        aws(["eks", "update-nodegroup-config", "--cluster-name", "conformance", "--nodegroup-name", "spot",
             "--scaling-config", "minSize=0,maxSize=4,desiredSize=0"]);
        aws(["eks", "describe-cluster", "--name", "conformance"]);
        aws(["eks", "describe-addon", "--cluster-name", "conformance", "--addon-name", "kube-proxy"]);
        Assert.Contains("v1.36.0-eksbuild.1", aws(["eks", "describe-addon-versions", "--addon-name", "kube-proxy", "--kubernetes-version", "1.36"]));
        var addonUpdate = JsonNode.Parse(aws(["eks", "update-addon", "--cluster-name", "conformance", "--addon-name", "kube-proxy",
            "--addon-version", "v1.35.0-eksbuild.2", "--resolve-conflicts", "OVERWRITE"]))!["update"]!["id"]!.GetValue<string>();
        Assert.Contains("Successful", aws(["eks", "describe-update", "--name", "conformance", "--update-id", addonUpdate, "--addon-name", "kube-proxy"]));
        Assert.Contains("1.36.", aws(["ssm", "get-parameter", "--name",
            "/aws/service/eks/optimized-ami/1.36/amazon-linux-2023/x86_64/standard/recommended/release_version"]));

        aws(["ec2", "create-tags", "--resources", host, "--tags", "Key=exchange:kafka-topics,Value=0123456789abcdef"]);
        Assert.Contains("exchange:kafka-topics", aws(["ec2", "describe-instances", "--instance-ids", host]));
        // Port forwarding: the aws CLI hands the session to session-manager-plugin (here a stub that ends at once).
        world.Write("plugin/session-manager-plugin", "#!/bin/sh\n[ \"$1\" = --version ] && echo 1.2.707.0\nexit 0\n");
        File.SetUnixFileMode(Path.Combine(world.Root, "plugin", "session-manager-plugin"), UnixFileMode.UserRead | UnixFileMode.UserExecute);
        world.Env["PATH"] = Path.Combine(world.Root, "plugin") + ":" + Environment.GetEnvironmentVariable("PATH");
        Assert.Contains("Online", aws(["ssm", "describe-instance-information", "--filters", $"Key=InstanceIds,Values={host}"]));
        aws(["ssm", "start-session", "--target", host, "--document-name", "AWS-StartPortForwardingSessionToRemoteHost",
             "--parameters", "host=example.internal,portNumber=443,localPortNumber=54321"]);
        aws(["ssm", "terminate-session", "--session-id", world.Cloud.Sessions.Keys.Single()]);
        var admin = JsonNode.Parse(aws(["eks", "list-access-entries", "--cluster-name", "conformance"]))!["accessEntries"]![0]!.GetValue<string>();
        Assert.Contains("AmazonEKSClusterAdminPolicy",
            aws(["eks", "list-associated-access-policies", "--cluster-name", "conformance", "--principal-arn", admin]));

        aws(["ec2", "stop-instances", "--instance-ids", host]);
        aws(["ec2", "describe-instances", "--instance-ids", host]);
        aws(["ec2", "start-instances", "--instance-ids", host]);
        aws(["rds", "stop-db-instance", "--db-instance-identifier", "conformance-db"]);
        aws(["rds", "describe-db-instances", "--db-instance-identifier", "conformance-db"]);
        aws(["rds", "start-db-instance", "--db-instance-identifier", "conformance-db"]);

        aws(["secretsmanager", "get-secret-value", "--secret-id", "conformance-secret"]);
        aws(["secretsmanager", "describe-secret", "--secret-id", "conformance-secret"]);
        aws(["secretsmanager", "delete-secret", "--secret-id", "conformance-secret", "--force-delete-without-recovery"]);
        aws(["logs", "describe-log-groups", "--log-group-name-prefix", "/aws/eks/conformance/"]);
        aws(["logs", "delete-log-group", "--log-group-name", "/aws/eks/conformance/cluster"]);
        Assert.Contains("k8s-x", aws(["resourcegroupstaggingapi", "get-resources", "--tag-filters", "Key=kubernetes.io/cluster/conformance",
            "--resource-type-filters", "elasticloadbalancing:loadbalancer"]));
        // The sleep finds the database still starting (started above): its dead-letter event, read twice without consuming it.
        Assert.False(SchedulerRuns.Run(world.Cloud, "conformance-sleep").Succeeded);
        const string url = "https://sqs.ap-northeast-2.amazonaws.com/111122223333/conformance-sleep-dlq";
        Assert.Contains("\"ApproximateNumberOfMessages\": \"1\"", aws(["sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "All"]));
        for (var read = 0; read < 2; read++)
            Assert.Contains("InvalidDBInstanceState", aws(["sqs", "receive-message", "--queue-url", url, "--max-number-of-messages", "10",
                "--visibility-timeout", "0", "--message-system-attribute-names", "SentTimestamp", "--message-attribute-names", "All"]));
        var schedule = JsonNode.Parse(aws(["scheduler", "get-schedule", "--name", "conformance-sleep"]))!.AsObject();
        Assert.Contains("conformance-sleep", aws(["scheduler", "list-schedules", "--name-prefix", "conformance-"]));
        foreach (var field in new[] { "Arn", "CreationDate", "LastModificationDate" }) schedule.Remove(field);
        aws(["scheduler", "update-schedule", "--cli-input-json", schedule.ToJsonString()]);
        schedule["Name"] = "conformance-sleep-once";
        schedule["ScheduleExpression"] = "at(2026-12-02T22:00:00)";
        aws(["scheduler", "create-schedule", "--cli-input-json", schedule.ToJsonString()]);
        aws(["scheduler", "delete-schedule", "--name", "conformance-sleep-once"]);
        // CloudFormation deletes only an empty bucket (BucketNotEmpty, DELETE_FAILED); emptied, the delete goes through.
        aws(["cloudformation", "delete-stack", "--stack-name", "Conformance"]);
        var failed = JsonNode.Parse(aws(["cloudformation", "describe-stacks", "--stack-name", "Conformance"]))!["Stacks"]![0]!;
        Assert.Equal("DELETE_FAILED", failed["StackStatus"]!.GetValue<string>());
        Assert.Contains("BucketNotEmpty", aws(["cloudformation", "describe-stack-events", "--stack-name", "Conformance"]));
        Assert.Contains("a/object.txt",
            aws(["s3api", "delete-objects", "--bucket", "conformance-bucket", "--delete", """{"Objects":[{"Key":"a/object.txt"}]}"""]));
        Assert.DoesNotContain("a/object.txt", aws(["s3api", "list-objects-v2", "--bucket", "conformance-bucket"]));
        aws(["cloudformation", "delete-stack", "--stack-name", "Conformance"]);
        Assert.False(world.Cloud.Buckets.ContainsKey("conformance-bucket"));

        Assert.Empty(world.Cloud.Violations);
        var answered = world.StandIn.Requests.Where(r => r.Status == 200).Select(r => (r.Service, r.Operation)).ToHashSet();
        Assert.All(Services.All, o => Assert.True(answered.Contains(o), $"{o.Service}:{o.Operation} was not walked"));
    }

    private static void PushImage(World world, string repository, string tag, string password)
    {
        var reference = $"{RegistryHost(world)}/{repository}:{tag}";
        world.Write("image/Dockerfile", "FROM scratch\nCOPY hello.txt /hello.txt\n");
        world.Write("image/hello.txt", Guid.NewGuid().ToString());
        foreach (var (args, stdin) in new (string[], string?)[]
                 {
                     (["build", "--quiet", "--tag", reference, Path.Combine(world.Root, "image")], null),
                     (["login", "--username", "AWS", "--password-stdin", RegistryHost(world)], password),
                     (["push", "--quiet", reference], null),
                 })
        {
            var result = world.Run("docker", args, stdin);
            Assert.True(result.ExitCode == 0, $"docker {string.Join(' ', args)}: {result}");
        }
    }

    private static string RegistryHost(World world) => world.Cloud.Registry!.Host;

    [Fact]
    public void The_checker_reports_unknown_members_wrong_types_enums_and_missing_required_members()
    {
        var model = ServiceModel.Load("cloudformation");

        var errors = model.Check("DescribeStacks", JsonNode.Parse("""
            { "Stacks": [ { "StackName": "X", "StackStatus": "RUNNING", "CreationTime": 5, "Outputz": [] },
                          { "StackStatus": "CREATE_COMPLETE", "CreationTime": "2026-12-01T00:00:00Z", "Outputs": { "Key": "a" } } ] }
            """)!.AsObject());

        Assert.Contains(errors,
            e => e.StartsWith("DescribeStacks.Stacks[0].StackStatus: 'RUNNING' is not one of CREATE_IN_PROGRESS, ", StringComparison.Ordinal));
        Assert.Contains("DescribeStacks.Stacks[0].CreationTime: expected a timestamp (ISO 8601)", errors);
        Assert.Contains("DescribeStacks.Stacks[0].Outputz: no such member", errors);
        Assert.Contains("DescribeStacks.Stacks[1].StackName: required member missing", errors);
        Assert.Contains("DescribeStacks.Stacks[1].Outputs: expected a list", errors);
        Assert.Equal(5, errors.Count);
        Assert.Empty(model.Check("DescribeStacks", JsonNode.Parse(
            """{ "Stacks": [ { "StackName": "X", "StackStatus": "CREATE_COMPLETE", "CreationTime": "2026-12-01T00:00:00Z" } ] }""")!.AsObject()));
    }

    [Fact]
    public void A_response_bent_out_of_shape_never_reaches_the_client()
    {
        using var world = new World();
        world.StandIn.BendResponse = (operation, output) =>
        {
            if (operation == "GetCallerIdentity") output["Acount"] = output["Account"]!.GetValue<string>(); // a misspelt member
            return output;
        };
        world.Env["AWS_MAX_ATTEMPTS"] = "1";

        var result = world.Aws("sts", "get-caller-identity");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("GetCallerIdentity.Acount: no such member", result.Stderr);
        Assert.Contains("sts:GetCallerIdentity response does not match botocore's model: GetCallerIdentity.Acount: no such member",
            Assert.Single(world.Cloud.Violations));
    }
}
