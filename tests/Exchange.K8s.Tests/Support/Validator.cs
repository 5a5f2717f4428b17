namespace Exchange.K8s.Tests.Support;

/// <summary>tests/k8s-validate: kubernetes-models' schema validation, run with node.</summary>
public static class Validator
{
    public static string Script => Path.Combine(Repository.Validator, "validate.mjs");

    public static ProcessResult Validate(string yaml)
    {
        if (!Directory.Exists(Path.Combine(Repository.Validator, "node_modules", "kubernetes-models")))
        {
            throw new InvalidOperationException(
                "The validator's packages are not installed: run `npm ci --prefix tests/k8s-validate`.");
        }
        var node = ProcessRunner.Resolve("node");
        return ProcessRunner.Run(node, [Script], standardInput: yaml);
    }
}
