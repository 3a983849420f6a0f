#!/usr/bin/env bash
# Start a one-node SLURM cluster on this machine for the `slurm`-marked tests (Debian 12:
# slurm-wlm 22.05, munge 0.5). Installs the packages when missing, writes /etc/slurm/slurm.conf
# (no cgroups, no accounting storage), starts munged, slurmctld and slurmd by hand (there is no
# systemd in a container), puts a `sacct` stand-in on PATH, and waits until the node is idle.
# Run as root. Running it again while the cluster is up is quick and changes nothing.
#   .ci/slurm-up.sh      start (or confirm) the cluster
#   .ci/slurm-down.sh    stop it
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
say() { echo "[slurm-up] $*"; }
fail() { echo "[slurm-up] $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (apt-get, /etc/slurm, the daemons)"
export PATH="/usr/sbin:/usr/bin:/usr/local/bin:$PATH"

node="$(hostname -s)"
cpus="${SLURM_CPUS:-$(nproc)}"
mem_mb="$(awk '/^MemTotal:/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)"
run=/run/slurm

# 1. packages
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null \
  || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
  say "installing munge and slurm-wlm (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  pkgs=(munge slurmctld slurmd slurm-client)
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/tmp/slurm-up-apt.log 2>&1 || {
    apt-get update -qq >>/tmp/slurm-up-apt.log 2>&1
    apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >>/tmp/slurm-up-apt.log 2>&1 \
      || fail "apt-get install failed: see /tmp/slurm-up-apt.log"
  }
fi

# 2. config: one node, one partition; no cgroup.conf (22.05's slurmd dies on CgroupPlugin=disabled)
mkdir -p /etc/slurm /var/log/slurm "$run" /var/spool/slurmctld /var/spool/slurmd
conf="ClusterName=ci
SlurmctldHost=${node}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobContainerType=job_container/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=$run/slurmctld.pid
SlurmdPidFile=$run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
InactiveLimit=0
MinJobAge=300
KillWait=5
NodeName=${node} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${mem_mb} State=UNKNOWN
PartitionName=debug Nodes=${node} Default=YES MaxTime=INFINITE State=UP"
same_conf=0
if [ -f /etc/slurm/slurm.conf ] && [ "$(cat /etc/slurm/slurm.conf)" = "$conf" ]; then
  same_conf=1
else
  printf '%s\n' "$conf" >/etc/slurm/slurm.conf
fi

# 3. sacct: submitit asks it for job states, and without accounting storage the real one fails,
# so a cancelled job would never be noticed; the stand-in answers from scontrol
install -m 755 "$here/sacct-from-scontrol.sh" /usr/local/bin/sacct

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
state() { sinfo -h -N -n "$node" -o '%t' 2>/dev/null | head -n 1; }

if [ "$same_conf" = 1 ] && alive /run/munge/munged.pid && alive "$run/slurmctld.pid" \
  && alive "$run/slurmd.pid"; then
  case "$(state)" in idle | mix | alloc) say "already up: node $node is $(state)"; exit 0 ;; esac
fi
bash "$here/slurm-down.sh" --keep-munge >/dev/null

# 4. munge
mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
[ -s /etc/munge/munge.key ] || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge
chmod 700 /etc/munge /var/lib/munge /var/log/munge
chmod 400 /etc/munge/munge.key
if ! alive /run/munge/munged.pid; then
  rm -f /run/munge/munge.socket.2*
  runuser -u munge -- munged || fail "munged did not start: see /var/log/munge/munged.log"
fi
for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.2; done
munge -n | unmunge >/dev/null 2>&1 || fail "munge does not answer: see /var/log/munge/munged.log"

# 5. the two slurm daemons (each forks into the background)
slurmctld -i >/dev/null 2>&1 || fail "slurmctld did not start: see /var/log/slurm/slurmctld.log"
for _ in $(seq 50); do scontrol ping 2>/dev/null | grep -q 'is UP' && break; sleep 0.2; done
slurmd -N "$node" >/dev/null 2>&1 || fail "slurmd did not start: see /var/log/slurm/slurmd.log"

# 6. wait for the node
deadline=$(($(date +%s) + ${SLURM_WAIT_S:-60}))
resumed=0
while [ "$(date +%s)" -lt "$deadline" ]; do
  st="$(state || true)"
  case "$st" in
    idle | mix | alloc) say "up: node $node is $st ($cpus CPUs, ${mem_mb} MB, partition debug)"; exit 0 ;;
    down* | drain* | fail*)
      [ "$resumed" = 1 ] || scontrol update NodeName="$node" State=RESUME >/dev/null 2>&1 || true
      resumed=1 ;;
  esac
  sleep 0.5
done
sinfo -N -l >&2 || true
tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
fail "node $node not idle after ${SLURM_WAIT_S:-60} s"
