#!/usr/bin/env bash
# Stop the one-node SLURM cluster of .ci/slurm-up.sh: slurmd, slurmctld and munged, each by its
# pid file (never by name, so nothing else is touched). Does nothing for a daemon not running.
# Packages, config and the munge key stay, so the next start is quick.
#   --keep-munge   leave munged running (slurm-up.sh restarting the slurm daemons)
set -uo pipefail

stop() {  # stop <pid file> <name>
  local pid
  if [ -s "$1" ] && pid="$(cat "$1")" && kill -0 "$pid" 2>/dev/null; then
    echo "[slurm-down] stopping $2 (pid $pid)"
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
  fi
  rm -f "$1"
}

stop /run/slurm/slurmd.pid slurmd
stop /run/slurm/slurmctld.pid slurmctld
[ "${1:-}" = --keep-munge ] || stop /run/munge/munged.pid munged
exit 0
