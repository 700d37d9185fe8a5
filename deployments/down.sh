#!/usr/bin/env bash
# `make down`: stop exactly what `make up` started in this checkout (the worker, then the
# server), by the process ids it recorded in deployments/.run/<port>/, and wait until they
# are gone. With PREFECT_SERVER_API_PORT set, only that port's stack; else every one.
set -uo pipefail
cd "$(dirname "$0")/.."
BASE="$PWD/deployments/.run"

stop() {
  local run=$1 name=$2 mark=$3 pid
  [[ -f "$run/$name.pid" ]] || return 0
  pid=$(cat "$run/$name.pid")
  # Only a process that is still ours: after a reboot the pid may belong to anything.
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$mark"; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
    for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL -- "-$pid" 2>/dev/null; fi
    # Whatever is left of its process group (a flow run's child, uvicorn workers).
    pkill -KILL -g "$pid" 2>/dev/null || true
    echo "$name (port $(basename "$run")): stopped (pid $pid)"
  else
    echo "$name (port $(basename "$run")): was not running (pid $pid is gone or not ours)"
  fi
  rm -f "$run/$name.pid"
}

if [[ -n "${PREFECT_SERVER_API_PORT:-}" ]]; then
  runs=("$BASE/$PREFECT_SERVER_API_PORT")
else
  shopt -s nullglob
  runs=("$BASE"/*/)
fi
found=0
for run in "${runs[@]}"; do
  run=${run%/}
  [[ -f "$run/worker.pid" || -f "$run/server.pid" ]] || continue
  found=1
  stop "$run" worker "deployments/worker.sh"
  stop "$run" server "prefect server start"
done
[[ $found == 1 ]] || echo "nothing to stop: make up has not started anything here"
