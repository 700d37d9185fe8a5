"""Flow: the whole pipeline over a world directory (sources/ and cvs/) into the lake."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.analyze import analyze_matches
from flows.ingest_candidates import ingest_candidates
from flows.ingest_jobs import ingest_jobs
from flows.score import score_matches
from tasks.lake import publish, start_run


@flow(name="pipeline")
def pipeline(world: str, lake: str | None = None, run_id: str | None = None) -> dict[str, Any]:
    """Ingest jobs and CVs from `world`, score, analyze, and publish one run to the lake."""
    ctx, settings = start_run(lake, run_id)
    reports = ingest_jobs(ctx, f"{world}/sources", settings)
    reports += ingest_candidates(ctx, f"{world}/cvs", settings)
    reports += score_matches(ctx, settings)
    reports += analyze_matches(ctx, settings)
    return publish(ctx, reports)
