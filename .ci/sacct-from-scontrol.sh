#!/usr/bin/env bash
# A `sacct` for a cluster without accounting storage (.ci/slurm-up.sh installs it as
# /usr/local/bin/sacct). submitit polls job states with
#   sacct -o JobID,State,NodeList --parsable2 -j ID [-j ID ...]
# and the real sacct fails there, so submitit would wait forever on a job that was cancelled or
# killed without writing its result. This answers the same question from `scontrol show job`
# (which knows a job until MinJobAge after it ended). Options it does not know go to the real
# sacct. Fields: JobID, State, NodeList, JobName, ExitCode.
set -uo pipefail
real=/usr/bin/sacct
fields=JobID,State,NodeList
header=1
jobs=()
while [ $# -gt 0 ]; do
  case "$1" in
    -o | --format) fields="$2"; shift 2 ;;
    --format=*) fields="${1#*=}"; shift ;;
    -P | -p | --parsable2 | --parsable) shift ;;
    -n | --noheader) header=0; shift ;;
    -j | --jobs) IFS=, read -ra ids <<<"$2"; jobs+=("${ids[@]}"); shift 2 ;;
    --jobs=*) IFS=, read -ra ids <<<"${1#*=}"; jobs+=("${ids[@]}"); shift ;;
    *) exec "$real" "$@" ;;
  esac
done
[ ${#jobs[@]} -gt 0 ] || exec "$real"

IFS=, read -ra want <<<"$fields"
[ "$header" = 1 ] && (IFS='|'; echo "${want[*]}")
for job in "${jobs[@]}"; do
  # one line per job (an array job: one per task), KEY=VALUE tokens
  scontrol show job -o "${job%%_*}" 2>/dev/null | while read -r line; do
    declare -A f=()
    for tok in $line; do [[ "$tok" == *=* ]] && f["${tok%%=*}"]="${tok#*=}"; done
    id="${f[JobId]:-}"
    if [ -n "${f[ArrayJobId]:-}" ] && [ -n "${f[ArrayTaskId]:-}" ]; then
      task="${f[ArrayTaskId]}"
      [[ "$task" =~ ^[0-9]+$ ]] && id="${f[ArrayJobId]}_$task" || id="${f[ArrayJobId]}_[$task]"
    fi
    row=()
    for w in "${want[@]}"; do
      case "${w,,}" in
        jobid) row+=("$id") ;;
        state) row+=("${f[JobState]:-UNKNOWN}") ;;
        nodelist) nodes="${f[NodeList]:-}"; row+=("${nodes:-None assigned}") ;;
        jobname) row+=("${f[JobName]:-}") ;;
        exitcode) row+=("${f[ExitCode]:-}") ;;
        *) row+=("") ;;
      esac
    done
    (IFS='|'; echo "${row[*]}")
  done
done
exit 0
