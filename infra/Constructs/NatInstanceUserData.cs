using Amazon.CDK;
using Amazon.CDK.AWS.EC2;

namespace Exchange.Infra.Constructs;

/// <summary>
/// User data of the NAT instance. CDK 2.160's default for <c>NatProvider.InstanceV2</c> finds the
/// interface with <c>route</c> (net-tools), runs one unretried <c>yum</c> that can race cloud-init's
/// own dnf run, and saves rules with <c>service</c>; this does the same job with iproute2, a retried
/// dnf and iptables-save, and can run twice without adding a second MASQUERADE rule. It is framed by
/// <see cref="BootScript"/>: CloudFormation only completes the instance (and the routes through it)
/// once it forwards.
/// </summary>
public static class NatInstanceUserData
{
    public const string BootLog = "/var/log/nat-setup.log";

    /// <summary>
    /// Empty until <see cref="Complete"/>: the provider creates the instance from it, and only then is
    /// there an instance to signal for. Instances render their user data at synth, so adding later works.
    /// </summary>
    public static UserData Create() => UserData.ForLinux();

    public static void Complete(UserData userData, CfnResource instance)
    {
        userData.AddCommands([
            .. BootScript.Prelude(BootLog, instance),
            "step 'installing iptables'",
            "retry 5 dnf install -y iptables-services",
            "systemctl enable --now iptables",
            "",
            "step 'forwarding'",
            "echo 'net.ipv4.ip_forward=1' > /etc/sysctl.d/90-nat-instance.conf",
            "sysctl -p /etc/sysctl.d/90-nat-instance.conf",
            "IFACE=$(ip route show default | awk '{print $5; exit}')",
            "[ -n \"$IFACE\" ] || fail 'no default route: cannot tell the outside interface'",
            "iptables -t nat -C POSTROUTING -o \"$IFACE\" -j MASQUERADE 2>/dev/null || iptables -t nat -A POSTROUTING -o \"$IFACE\" -j MASQUERADE",
            "iptables -F FORWARD",
            "iptables-save > /etc/sysconfig/iptables",
            "",
            BootScript.Success("NAT is forwarding"),
        ]);
    }
}
