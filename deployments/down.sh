#!/usr/bin/env bash
# `make down`: stop exactly what `make up` started (the worker, then the server), by the
# process ids it recorded in deployments/.run/<port>/, and wait until they are gone.
set -uo pipefail
cd "$(dirname "$0")/.."
RUN="$PWD/deployments/.run/${PREFECT_SERVER_API_PORT:-4200}"

stop() {
  local name=$1 pid
  [[ -f "$RUN/$name.pid" ]] || { echo "$name: not started by make up"; return; }
  pid=$(cat "$RUN/$name.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
    for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL -- "-$pid" 2>/dev/null; fi
    # Whatever is left of its process group (a flow run's child, uvicorn workers).
    pkill -KILL -g "$pid" 2>/dev/null || true
    echo "$name: stopped (pid $pid)"
  else
    echo "$name: was not running (stale pid $pid)"
  fi
  rm -f "$RUN/$name.pid"
}
stop worker
stop server
