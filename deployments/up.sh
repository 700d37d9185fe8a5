#!/usr/bin/env bash
# `make up`: serve JobLens on this machine. Starts `prefect server start` (log in
# deployments/.run/<port>/server.log), points a Prefect profile named "joblens" at it and makes it
# the active one (so a fresh shell's `prefect deployment run 'pipeline/demo' --watch` talks to
# it with nothing exported), creates the process work pool "joblens", deploys prefect.yaml and
# starts one worker. Run again: whatever is already up is reused; never a second worker.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PORT="${PREFECT_SERVER_API_PORT:-4200}"
RUN="$ROOT/deployments/.run/$PORT"  # per port: two stacks on one checkout never mix pids
HOST="${PREFECT_SERVER_API_HOST:-127.0.0.1}"
URL="http://$HOST:$PORT/api"
export PATH="$ROOT/.venv/bin:$PATH"
export PREFECT_SERVER_ANALYTICS_ENABLED=false HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 DO_NOT_TRACK=1
export JOBLENS_HOME="$ROOT" PREFECT_API_URL="$URL"
mkdir -p "$RUN" data_lake/_landing/drop data_lake/_landing/cvs  # the deployments' folders

# Alive and still ours: after a reboot a recorded pid may belong to anything.
alive() {
  local pid
  [[ -f "$RUN/$1.pid" ]] || return 1
  pid=$(cat "$RUN/$1.pid")
  kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$2"
}
healthy() { curl -fsS "$URL/health" >/dev/null 2>&1; }

if alive server "prefect server start"; then
  echo "server: already running (pid $(cat "$RUN/server.pid")) at ${URL%/api}"
elif healthy; then
  echo "error: something else already answers at $URL; set PREFECT_SERVER_API_PORT" >&2
  exit 1
else
  # setsid: the server gets its own process group, so `make down` can stop all of it.
  setsid prefect server start --host "$HOST" --port "$PORT" >"$RUN/server.log" 2>&1 &
  echo $! >"$RUN/server.pid"
  for _ in $(seq 120); do healthy && break; sleep 1; done
  healthy || { echo "error: server did not answer in 120 s; see $RUN/server.log" >&2; exit 1; }
  echo "server: started (pid $(cat "$RUN/server.pid")) at ${URL%/api}, log $RUN/server.log"
fi

# The active profile points at this server: commands in a fresh shell need nothing exported.
prefect profile inspect joblens >/dev/null 2>&1 || prefect profile create joblens >/dev/null
prefect profile use joblens >/dev/null
prefect config set PREFECT_API_URL="$URL" PREFECT_SERVER_ANALYTICS_ENABLED=false >/dev/null
echo "profile: 'joblens' is active, PREFECT_API_URL=$URL"

prefect work-pool inspect joblens >/dev/null 2>&1 \
  || prefect work-pool create joblens --type process >/dev/null
prefect --no-prompt deploy --all >"$RUN/deploy.log" 2>&1 \
  || { cat "$RUN/deploy.log" >&2; exit 1; }
echo "deployments: $(grep -c "^  - name:" prefect.yaml) from prefect.yaml (log $RUN/deploy.log)"

if alive worker "deployments/worker.sh"; then
  echo "worker: already running (pid $(cat "$RUN/worker.pid"))"
else
  setsid bash deployments/worker.sh >"$RUN/worker.log" 2>&1 &
  echo $! >"$RUN/worker.pid"
  echo "worker: started (pid $(cat "$RUN/worker.pid")), log $RUN/worker.log"
fi
echo "UI: ${URL%/api}    try: .venv/bin/prefect deployment run 'pipeline/demo' --watch"
