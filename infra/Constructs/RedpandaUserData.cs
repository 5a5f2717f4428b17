namespace Exchange.Infra.Constructs;

/// <summary>
/// The Redpanda host's first-boot script, framed by <see cref="BootScript"/> (boot log, retries,
/// resource signal). Every step is safe to run again (e.g. over SSM after changing something by hand):
/// it formats the data volume only when it has no filesystem, starts the container only when it does
/// not exist, and creates only the topics that are missing.
/// </summary>
public static class RedpandaUserData
{
    public const string DataMount = "/var/lib/redpanda-data";
    public const int ReadinessTimeoutSeconds = 300;

    public const string BootLog = "/var/log/redpanda-setup.log";

    public static string[] Script(RedpandaInstanceProps props, string volumeId, Amazon.CDK.CfnResource instance)
    {
        var topics = string.Join(' ', props.Topics);
        return
        [
            .. BootScript.Prelude(BootLog, instance),
            "step 'reading instance metadata'",
            "# IMDSv2 (session token); IMDSv1 is disabled on this instance.",
            "IMDS_TOKEN=$(curl -sSf -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')",
            "PRIVATE_IP=$(curl -sSf -H \"X-aws-ec2-metadata-token: ${IMDS_TOKEN}\" http://169.254.169.254/latest/meta-data/local-ipv4)",
            "",
            "step 'installing docker'",
            "retry 5 dnf install -y docker",
            "systemctl enable --now docker",
            "",
            "step 'waiting for the data volume'",
            "# Attached by CloudFormation right after launch; NVMe instances name it by its volume id.",
            $"VOLUME_ID='{volumeId}'",
            "DEVICE=/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${VOLUME_ID/-/}",
            "for _ in $(seq 1 60); do",
            "  [ -e \"$DEVICE\" ] && break",
            $"  [ -e {RedpandaInstance.DataDeviceName} ] && DEVICE={RedpandaInstance.DataDeviceName} && break",
            "  sleep 5",
            "done",
            "[ -e \"$DEVICE\" ] || fail \"data volume ${VOLUME_ID} is not attached after 300 s\"",
            "",
            "step 'mounting the data volume'",
            "# Format only a blank volume: the data outlives the instance.",
            "DEVICE=$(readlink -f \"$DEVICE\")",
            "blkid \"$DEVICE\" >/dev/null || mkfs.xfs \"$DEVICE\"",
            "UUID=$(blkid -s UUID -o value \"$DEVICE\")",
            $"mkdir -p {DataMount}",
            $"grep -q \"UUID=${{UUID}}\" /etc/fstab || echo \"UUID=${{UUID}} {DataMount} xfs defaults,nofail 0 2\" >> /etc/fstab",
            $"mountpoint -q {DataMount} || mount {DataMount}",
            "# The redpanda image runs as uid/gid 101.",
            $"chown 101:101 {DataMount}",
            "",
            $"step 'pulling {props.Image}'",
            $"docker image inspect '{props.Image}' >/dev/null 2>&1 || retry 5 docker pull '{props.Image}'",
            "",
            "step 'starting redpanda'",
            "# One dev broker: dev-container mode (no fsync per batch, no memory reservation, no tuning checks).",
            "# Pinned image; docker restarts it after a reboot.",
            "if ! docker container inspect redpanda >/dev/null 2>&1; then",
            "  docker run -d --name redpanda --restart unless-stopped \\",
            "    --log-opt max-size=10m --log-opt max-file=3 \\",
            $"    -p {RedpandaInstance.KafkaPort}:{RedpandaInstance.KafkaPort} -p {RedpandaInstance.AdminPort}:{RedpandaInstance.AdminPort} \\",
            $"    -v {DataMount}:/var/lib/redpanda/data \\",
            $"    '{props.Image}' \\",
            "    redpanda start --mode dev-container \\",
            $"    --kafka-addr PLAINTEXT://0.0.0.0:{RedpandaInstance.KafkaPort} \\",
            $"    --advertise-kafka-addr \"PLAINTEXT://${{PRIVATE_IP}}:{RedpandaInstance.KafkaPort}\" \\",
            "    --smp 1 --memory 1G",
            "fi",
            "",
            "step 'waiting for a healthy cluster'",
            "# The whole report is read before it is matched. Piped into a grep that quits at the first match,",
            "# rpk could die of SIGPIPE and, under pipefail, a healthy broker would look unhealthy.",
            "healthy() {",
            "  local report",
            "  report=$(docker exec redpanda rpk cluster health 2>&1) || return 1",
            "  grep -Eq '^Healthy:[[:space:]]+true' <<<\"$report\" || return 1",
            "  echo \"$report\"",
            "}",
            $"DEADLINE=$((SECONDS + {ReadinessTimeoutSeconds}))",
            "until healthy; do",
            "  if [ \"$SECONDS\" -ge \"$DEADLINE\" ]; then",
            "    docker logs --tail 50 redpanda >&2 || true",
            $"    fail 'Redpanda is not healthy after {ReadinessTimeoutSeconds} s'",
            "  fi",
            "  sleep 5",
            "done",
            "",
            "step 'creating the topics'",
            "# Only the missing ones.",
            "EXISTING=$(docker exec redpanda rpk topic list | awk 'NR > 1 { print $1 }')",
            $"for topic in {topics}; do",
            "  grep -qxF \"$topic\" <<<\"$EXISTING\" ||",
            $"    docker exec redpanda rpk topic create \"$topic\" -p {props.Partitions} -r {props.Replicas}",
            "done",
            "docker exec redpanda rpk topic list",
            "",
            BootScript.Success("Redpanda is healthy and has its topics"),
        ];
    }
}
