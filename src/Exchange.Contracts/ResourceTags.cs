namespace Exchange.Contracts;

/// <summary>The tags the CDK app puts on every resource (at the app root), for cost reports and clean-up filters.</summary>
public static class ResourceTags
{
    public const string EnvironmentKey = "Environment";
    public const string ProjectKey = "Project";
    public const string ProjectValue = "exchange";
}
