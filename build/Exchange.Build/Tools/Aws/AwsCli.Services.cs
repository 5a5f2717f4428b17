using System.Text.Json;
using Exchange.Build.Processes;

namespace Exchange.Build.Aws;

/// <summary>The calls DeployDev makes beyond identity: CloudFormation, ECR, Secrets Manager, EKS.</summary>
public sealed partial class AwsCli
{
    private static readonly string[] StackMissing = ["does not exist"];
    private static readonly string[] SecretMissing = ["ResourceNotFoundException", "can't find the specified secret"];

    public CommandLine DescribeStackCommand(string stack) => JsonCommand("cloudformation", "describe-stacks", "--stack-name", stack);

    /// <summary>The stack's description (Stacks[0]), or null when it does not exist.</summary>
    public JsonElement? DescribeStack(string stack)
    {
        using var json = RunJsonOrNull(DescribeStackCommand(stack), StackMissing);
        return json?.RootElement.GetProperty("Stacks")[0].Clone();
    }

    public CommandLine EcrLoginPasswordCommand() => Command("ecr", "get-login-password");

    /// <summary>The ECR registry password, kept as a secret from the moment it exists.</summary>
    public Secret GetEcrLoginPassword() =>
        new(Run(EcrLoginPasswordCommand(), new ProcessOptions { OutputIsSecret = true }).StandardOutput.Trim(), redactor);

    public CommandLine DescribeImageCommand(string repositoryName, string tag) =>
        JsonCommand("ecr", "describe-images", "--repository-name", repositoryName, "--image-ids", $"imageTag={tag}");

    /// <summary>True when the ECR repository already holds <paramref name="tag"/>.</summary>
    public bool ImageTagExists(string repositoryName, string tag)
    {
        using var json = RunJsonOrNull(DescribeImageCommand(repositoryName, tag), "ImageNotFoundException");
        return json is not null && json.RootElement.GetProperty("imageDetails").GetArrayLength() > 0;
    }

    /// <summary>The digest ECR holds for <paramref name="tag"/> (sha256:...), or null when the repository does not hold the tag.</summary>
    public string? ImageDigest(string repositoryName, string tag)
    {
        using var json = RunJsonOrNull(DescribeImageCommand(repositoryName, tag), "ImageNotFoundException");
        return json?.RootElement.GetProperty("imageDetails").EnumerateArray()
            .Select(d => d.TryGetProperty("imageDigest", out var digest) ? digest.GetString() : null).FirstOrDefault(d => d is not null);
    }

    public CommandLine GetSecretValueCommand(string secretId) =>
        JsonCommand("secretsmanager", "get-secret-value", "--secret-id", secretId);

    /// <summary>The JSON SecretString of a Secrets Manager secret, as a secret; every field of it is registered with the redactor.</summary>
    public Secret GetSecretString(string secretId)
    {
        var output = Run(GetSecretValueCommand(secretId), new ProcessOptions
        {
            OutputIsSecret = true,
            FailureHint = $"check that the secret '{secretId}' exists (deploy the Rds stack: --target=DeployInfra) and that your role may read it",
        }).StandardOutput;
        using var response = JsonDocument.Parse(output);
        var secretJson = response.RootElement.GetProperty("SecretString").GetString() ?? "{}";
        var secret = new Secret(secretJson, redactor);
        using var fields = JsonDocument.Parse(secretJson);
        foreach (var field in fields.RootElement.EnumerateObject())
            if (field.Name is "password" && field.Value.ValueKind == JsonValueKind.String) redactor.Add(field.Value.GetString());
        return secret;
    }

    public CommandLine DescribeSecretCommand(string secretId) => JsonCommand("secretsmanager", "describe-secret", "--secret-id", secretId);

    /// <summary>True when the secret exists but is scheduled for deletion (the recovery window after a destroy).</summary>
    public bool IsSecretPendingDeletion(string secretId)
    {
        using var json = RunJsonOrNull(DescribeSecretCommand(secretId), SecretMissing);
        return json is not null && json.RootElement.TryGetProperty("DeletedDate", out _);
    }

    public CommandLine ForceDeleteSecretCommand(string secretId) =>
        JsonCommand("secretsmanager", "delete-secret", "--secret-id", secretId, "--force-delete-without-recovery");

    public CommandLine UpdateKubeconfigCommand(string cluster) => Command("eks", "update-kubeconfig", "--name", cluster);

    public string UpdateKubeconfig(string cluster) => Run(UpdateKubeconfigCommand(cluster), new ProcessOptions
    {
        FailureHint = $"check that the cluster '{cluster}' exists (--target=DeployInfra) and that your role may describe it",
    }).StandardOutput.Trim();
}
