namespace Exchange.Infra.Constructs;

/// <summary>
/// The Redpanda host's first-boot script, framed by <see cref="BootScript"/> (boot log, retries,
/// resource signal). Every step is safe to run again (e.g. over SSM after changing something by hand):
/// it formats the data volume only when it has no filesystem and starts the container only when it does
/// not exist. It creates no topics: DeployInfra applies the declared topics on the running broker, so the
/// topic list is not in the user data (a change to it would stop and start the host, and cloud-init would
/// not run this script again anyway).
/// </summary>
public static class RedpandaUserData
{
    public const string DataMount = "/var/lib/redpanda-data";
    public const int ReadinessTimeoutSeconds = 300;
    public const int DataVolumeTimeoutSeconds = 300;

    public const string BootLog = "/var/log/redpanda-setup.log";

    /// <summary>How udev names an EBS volume on a Nitro instance: by its volume id, the same on every boot.</summary>
    public const string EbsById = "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol";

    public static string[] Script(RedpandaInstanceProps props, Amazon.CDK.CfnResource instance) =>
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
        $"# The data volume is the instance's second block device mapping ({RedpandaInstance.DataDeviceName}). On Nitro instances EBS volumes",
        "# are NVMe devices whose kernel names (nvme0n1, nvme1n1) follow the order they were found, and the mapping's name",
        $"# ({RedpandaInstance.DataDeviceName}) is not a device at all: the volume is found by its NVMe id, the EBS volume that does not",
        "# hold the root filesystem.",
        "ROOT_DISK=$(lsblk -no PKNAME \"$(findmnt -no SOURCE /)\")",
        "data_volumes() {",
        "  local link",
        $"  for link in {EbsById}*; do",
        "    [[ \"$link\" =~ _vol[0-9a-f]+$ ]] || continue # not a partition (-part1) or namespace (_1) alias",
        "    [ \"$(basename \"$(readlink -f \"$link\")\")\" = \"$ROOT_DISK\" ] || echo \"$link\"",
        "  done",
        "}",
        $"for _ in $(seq 1 {DataVolumeTimeoutSeconds / 5}); do",
        "  [ -n \"$(data_volumes)\" ] && break",
        "  sleep 5",
        "done",
        $"[ -n \"$(data_volumes)\" ] || fail \"no EBS data volume besides the root disk ($ROOT_DISK) after {DataVolumeTimeoutSeconds} s\"",
        "mapfile -t FOUND < <(data_volumes)",
        "[ \"${#FOUND[@]}\" -eq 1 ] || fail \"expected one EBS data volume besides the root disk, found ${#FOUND[@]}: ${FOUND[*]}\"",
        "DEVICE=$(readlink -f \"${FOUND[0]}\")",
        "echo \"data volume ${FOUND[0]##*_} is $DEVICE\"",
        "",
        "step 'mounting the data volume'",
        "# Format only a blank volume: a stop and start keeps the data.",
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
        BootScript.Success("Redpanda is healthy (DeployInfra applies the topics)"),
    ];
}
