using Amazon.CDK.AWS.EC2;

namespace Exchange.Infra.Stacks;

/// <summary>Amazon Linux 2023 images that EC2 resolves when it launches an instance.</summary>
public static class AmazonLinux
{
    /// <summary>
    /// The AL2023 AMI for the instance type's architecture, as a <c>resolve:ssm:</c> image id. The template
    /// value never changes, so a newly published AMI does not replace the instance on the next deploy
    /// (<c>MachineImage.LatestAmazonLinux2023</c> resolves at deploy time and would). The image is
    /// refreshed whenever the instance is replaced for another reason.
    /// </summary>
    public static IMachineImage Al2023(InstanceType instanceType) =>
        MachineImage.ResolveSsmParameterAtLaunch(ParameterName(instanceType), new SsmParameterImageOptions { Os = OperatingSystemType.LINUX });

    public static string ParameterName(InstanceType instanceType) =>
        instanceType.Architecture == InstanceArchitecture.ARM_64
            ? "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
            : "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
}
