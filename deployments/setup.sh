#!/usr/bin/env bash
# Serve JobLens on this machine: a Prefect server, a process work pool, the deployments of
# prefect.yaml, and one worker. Run from the repository root after `make venv`.
#   bash deployments/setup.sh            # start everything (logs in .prefect-logs/)
#   prefect deployment run 'pipeline/on-demand' --watch
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export PREFECT_SERVER_ANALYTICS_ENABLED=false HF_HUB_OFFLINE=1 JOBLENS_HOME="$PWD"
export PREFECT_API_URL="${PREFECT_API_URL:-http://127.0.0.1:4200/api}"
mkdir -p .prefect-logs

if ! curl -fsS "$PREFECT_API_URL/health" >/dev/null 2>&1; then
  nohup prefect server start --host 127.0.0.1 --port 4200 > .prefect-logs/server.log 2>&1 &
  for _ in $(seq 60); do curl -fsS "$PREFECT_API_URL/health" >/dev/null 2>&1 && break; sleep 1; done
fi
prefect work-pool inspect joblens-process >/dev/null 2>&1 \
  || prefect work-pool create joblens-process --type process
prefect --no-prompt deploy --all
nohup prefect worker start --pool joblens-process > .prefect-logs/worker.log 2>&1 &
echo "UI: ${PREFECT_API_URL%/api}   worker log: .prefect-logs/worker.log"
echo "Drop a world into data_lake/_landing/world (joblens synth --out data_lake/_landing/world),"
echo "then: prefect deployment run 'pipeline/on-demand' --watch"
