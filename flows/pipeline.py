"""Flow: the four flows in a row over one world directory (sources/ and cvs/)."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.analyze import analyze
from flows.ingest_candidates import ingest_candidates
from flows.ingest_jobs import ingest_jobs
from flows.score import score
from tasks.run import mark_failed, publish_pipeline, start_run
from tasks.world import demo_world


@flow(name="pipeline", on_failure=[mark_failed], on_crashed=[mark_failed])
def pipeline(
    world: str | None = None,
    lake: str | None = None,
    run_id: str | None = None,
    config: str | None = None,
) -> dict[str, Any]:
    """Ingest jobs and CVs from `world` (default: the demo world, generated once), score,
    analyze; each step is its own run in the registry, named `<run_id>-<flow>`."""
    ctx = start_run("pipeline", lake, run_id, config)
    folder = world or demo_world(ctx.lake_root)
    common = {"lake": ctx.lake_root, "config": config, "parent_run_id": ctx.run_id}
    results = [
        ingest_jobs(f"{folder}/sources", run_id=f"{ctx.run_id}-ingest-jobs", **common),
        ingest_candidates(f"{folder}/cvs", run_id=f"{ctx.run_id}-ingest-candidates", **common),
        score(run_id=f"{ctx.run_id}-score", **common),
        analyze(run_id=f"{ctx.run_id}-analyze", **common),
    ]
    return publish_pipeline(ctx, results, config)
