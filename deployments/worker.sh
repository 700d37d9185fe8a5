#!/usr/bin/env bash
# One process worker on the "joblens" pool that stops on the first SIGTERM. A Prefect 3.8
# worker ignores SIGTERM and the first SIGINT for over a minute; this wrapper turns one TERM
# into what stops it now: two SIGINTs, then SIGKILL of its process group after 20 s.
set -uo pipefail
prefect worker start --pool joblens --type process --name "joblens-$(hostname)" &
pid=$!
stop() {
  kill -INT "$pid" 2>/dev/null; sleep 1; kill -INT "$pid" 2>/dev/null
  for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 1; done
  # Its process group when make up started it (setsid), else the worker alone.
  if [[ "$(ps -o pgid= $$ | tr -d ' ')" == "$$" ]]; then kill -KILL -- "-$$"; else kill -KILL "$pid"; fi
  exit 0
}
trap stop TERM INT
wait "$pid"
