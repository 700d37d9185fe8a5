"""Task: publish the run: refresh DuckDB views and show the run's figures in the UI."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from joblens import report, stages
from joblens import settings as joblens_settings
from joblens.settings import Settings


# Not cached: every call starts a new run (or re-runs the given id); nothing to retry.
@task(name="start-run", cache_policy=NO_CACHE, persist_result=False)
def start_run(lake: str | None, run_id: str | None) -> tuple[dict[str, str], Settings]:
    """Read the settings once and fix the run's id, date partition and lake root."""
    settings = joblens_settings.load()
    ctx = stages.RunContext.create(lake or settings.lake.root, run_id)
    return ctx.to_dict(), settings


# Retried: lake writes can hit a transient error on a shared filesystem.
@task(
    name="publish-run",
    retries=2,
    retry_delay_seconds=5,
    cache_policy=NO_CACHE,
    persist_result=False,
)
def publish(ctx: dict[str, str], stage_reports: list[dict[str, Any]]) -> dict[str, Any]:
    """Refresh the DuckDB views and attach the run's tables to the flow run; return a summary."""
    run = stages.RunContext.from_dict(ctx)
    run.lake.refresh_views()
    summary = report.summarize(run.lake, run.run_id)
    create_table_artifact(
        key="run-stages",
        table=[{k: v for k, v in r.items() if k != "detail"} for r in stage_reports],
        description=f"Stages of run {run.run_id}",
    )
    create_markdown_artifact(
        key="run-summary", markdown=report.to_markdown(summary), description="JobLens run summary"
    )
    return summary
