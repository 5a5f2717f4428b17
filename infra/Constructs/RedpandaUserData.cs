namespace Exchange.Infra.Constructs;

/// <summary>
/// The Redpanda host's first-boot script. Every step is safe to run again (e.g. over SSM after
/// changing something by hand): it formats the data volume only when it has no filesystem, starts the
/// container only when it does not exist, and creates only the topics that are missing.
/// </summary>
public static class RedpandaUserData
{
    public const string DataMount = "/var/lib/redpanda-data";
    public const int ReadinessTimeoutSeconds = 300;

    public static string[] Script(RedpandaInstanceProps props, string volumeId)
    {
        var topics = string.Join(' ', props.Topics);
        return
        [
            "set -euo pipefail",
            "exec > >(tee -a /var/log/redpanda-setup.log) 2>&1",
            "",
            "# Instance metadata through IMDSv2 (session token); IMDSv1 is disabled on this instance.",
            "IMDS_TOKEN=$(curl -sSf -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')",
            "PRIVATE_IP=$(curl -sSf -H \"X-aws-ec2-metadata-token: ${IMDS_TOKEN}\" http://169.254.169.254/latest/meta-data/local-ipv4)",
            "",
            "dnf install -y docker",
            "systemctl enable --now docker",
            "",
            "# Data volume: attached after launch, so wait for it; format only a blank volume.",
            $"VOLUME_ID='{volumeId}'",
            "DEVICE=/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${VOLUME_ID/-/}",
            "for _ in $(seq 1 60); do",
            "  [ -e \"$DEVICE\" ] && break",
            $"  [ -e {RedpandaInstance.DataDeviceName} ] && DEVICE={RedpandaInstance.DataDeviceName} && break",
            "  sleep 5",
            "done",
            "[ -e \"$DEVICE\" ] || { echo \"data volume ${VOLUME_ID} is not attached after 300 s\" >&2; exit 1; }",
            "DEVICE=$(readlink -f \"$DEVICE\")",
            "blkid \"$DEVICE\" >/dev/null || mkfs.xfs \"$DEVICE\"",
            "UUID=$(blkid -s UUID -o value \"$DEVICE\")",
            $"mkdir -p {DataMount}",
            $"grep -q \"UUID=${{UUID}}\" /etc/fstab || echo \"UUID=${{UUID}} {DataMount} xfs defaults,nofail 0 2\" >> /etc/fstab",
            $"mountpoint -q {DataMount} || mount {DataMount}",
            "# The redpanda image runs as uid/gid 101.",
            $"chown 101:101 {DataMount}",
            "",
            "# Redpanda, pinned image; docker restarts it after a reboot.",
            "if ! docker container inspect redpanda >/dev/null 2>&1; then",
            "  docker run -d --name redpanda --restart unless-stopped \\",
            "    --log-opt max-size=10m --log-opt max-file=3 \\",
            $"    -p {RedpandaInstance.KafkaPort}:{RedpandaInstance.KafkaPort} -p {RedpandaInstance.AdminPort}:{RedpandaInstance.AdminPort} \\",
            $"    -v {DataMount}:/var/lib/redpanda/data \\",
            $"    '{props.Image}' \\",
            "    redpanda start \\",
            $"    --kafka-addr PLAINTEXT://0.0.0.0:{RedpandaInstance.KafkaPort} \\",
            $"    --advertise-kafka-addr \"PLAINTEXT://${{PRIVATE_IP}}:{RedpandaInstance.KafkaPort}\" \\",
            "    --smp 1 --memory 1G --overprovisioned",
            "fi",
            "",
            "# Readiness: poll the cluster health with a deadline instead of sleeping a fixed time.",
            $"DEADLINE=$((SECONDS + {ReadinessTimeoutSeconds}))",
            "until docker exec redpanda rpk cluster health 2>/dev/null | grep -Eq '^Healthy:[[:space:]]+true'; do",
            "  if [ \"$SECONDS\" -ge \"$DEADLINE\" ]; then",
            $"    echo 'Redpanda is not healthy after {ReadinessTimeoutSeconds} s' >&2",
            "    docker logs --tail 50 redpanda >&2 || true",
            "    exit 1",
            "  fi",
            "  sleep 5",
            "done",
            "",
            "# Topics: create the missing ones only.",
            "EXISTING=$(docker exec redpanda rpk topic list | awk 'NR > 1 { print $1 }')",
            $"for topic in {topics}; do",
            "  grep -qxF \"$topic\" <<<\"$EXISTING\" ||",
            $"    docker exec redpanda rpk topic create \"$topic\" -p {props.Partitions} -r {props.Replicas}",
            "done",
            "docker exec redpanda rpk topic list",
        ];
    }
}
