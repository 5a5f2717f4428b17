using System.Text.Json.Nodes;

namespace Exchange.AwsStandIn;

/// <summary>
/// Which property changes CloudFormation cannot make in place and so makes by replacement: it creates the new physical
/// resource first and deletes the old one in the stack's cleanup, after everything else succeeded. Only the types the
/// pipeline's stacks replace are listed; for the rest every change is an update in place.
/// </summary>
public static class Replacement
{
    /// <summary>
    /// AWS::EC2::Instance: the <c>createOnlyProperties</c> of its CloudFormation resource schema (as cfn-lint 1.51 ships it),
    /// and BlockDeviceMappings, which the user guide documents as "Modifying any other parameter [than DeleteOnTermination]
    /// results in instance replacement".
    /// </summary>
    public static readonly IReadOnlyList<string> InstanceCreateOnly =
    [
        "AvailabilityZone", "CpuOptions", "ElasticGpuSpecifications", "ElasticInferenceAccelerators", "EnclaveOptions", "HibernationOptions",
        "HostResourceGroupArn", "ImageId", "Ipv6AddressCount", "Ipv6Addresses", "KeyName", "LaunchTemplate", "LicenseSpecifications",
        "NetworkInterfaces", "PlacementGroupName", "PrivateIpAddress", "SecurityGroups", "SubnetId",
    ];

    /// <summary>True when going from <paramref name="before"/> to <paramref name="after"/> (resolved properties) replaces the resource.</summary>
    public static bool Requires(string type, JsonObject before, JsonObject after) => type switch
    {
        "AWS::EC2::Instance" => InstanceCreateOnly.Any(p => !JsonNode.DeepEquals(before[p], after[p]))
                                || !JsonNode.DeepEquals(WithoutDeleteOnTermination(before["BlockDeviceMappings"]),
                                    WithoutDeleteOnTermination(after["BlockDeviceMappings"])),
        _ => false,
    };

    private static JsonNode? WithoutDeleteOnTermination(JsonNode? mappings)
    {
        if (mappings is not JsonArray array) return mappings?.DeepClone();
        var copy = (JsonArray)array.DeepClone();
        foreach (var mapping in copy.OfType<JsonObject>()) (mapping["Ebs"] as JsonObject)?.Remove("DeleteOnTermination");
        return copy;
    }
}
