using Amazon.CDK.AWS.EC2;

namespace Exchange.Infra.Constructs;

/// <summary>
/// User data of the NAT instance. CDK 2.160's default for <c>NatProvider.InstanceV2</c> finds the
/// interface with <c>route</c> (net-tools), runs one unretried <c>yum</c> that can race cloud-init's
/// own dnf run, and saves rules with <c>service</c>; this does the same job with iproute2, a retried
/// dnf and iptables-save, and can run twice without adding a second MASQUERADE rule.
/// </summary>
public static class NatInstanceUserData
{
    public static UserData Create()
    {
        var userData = UserData.ForLinux();
        userData.AddCommands(
            "set -euo pipefail",
            "for attempt in 1 2 3 4 5; do dnf install -y iptables-services && break; [ \"$attempt\" = 5 ] && exit 1; sleep 10; done",
            "systemctl enable --now iptables",
            "echo 'net.ipv4.ip_forward=1' > /etc/sysctl.d/90-nat-instance.conf",
            "sysctl -p /etc/sysctl.d/90-nat-instance.conf",
            "IFACE=$(ip route show default | awk '{print $5; exit}')",
            "iptables -t nat -C POSTROUTING -o \"$IFACE\" -j MASQUERADE 2>/dev/null || iptables -t nat -A POSTROUTING -o \"$IFACE\" -j MASQUERADE",
            "iptables -F FORWARD",
            "iptables-save > /etc/sysconfig/iptables");
        return userData;
    }
}
