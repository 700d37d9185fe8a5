"""Tasks: start and commit a run in the lake's registry, mark it failed when its flow fails,
and show a finished pipeline run in the UI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_table_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.logging.loggers import flow_run_logger
from prefect.runtime import flow_run as current_flow_run

from joblens import report, report_page, stages
from joblens import settings as joblens_settings
from joblens.lake import Lake
from joblens.stages import RunContext
from joblens.stages.run import shown
from tasks.retry import worth_retrying


# Not cached: every call starts a new run (or re-runs the given id). Not retried: a bad
# run id, lake root or setting fails the same way every time.
@task(name="start-run", cache_policy=NO_CACHE, persist_result=False)
def start_run(
    flow: str,
    lake: str | None,
    run_id: str | None,
    config: str | None,
    parent_run_id: str | None = None,
) -> RunContext:
    """Read the settings once, fix the run's id and date partition, register it as running."""
    settings = joblens_settings.load(config)
    ctx = RunContext.create(
        lake or settings.lake.root,
        run_id,
        flow=flow,
        parent_run_id=parent_run_id,
        active_days=settings.lake.active_days,
    )
    ctx = stages.begin(ctx, prefect_flow_run_id=current_flow_run.get_id())
    get_run_logger().info("run %s (%s) started in lake %s", ctx.run_id, flow, ctx.lake.location)
    return ctx


# Retried: the commit is a lake write that can hit a transient error on a shared filesystem,
# and committing twice writes the same registry row.
@task(
    name="commit-run",
    retries=2,
    retry_delay_seconds=5,
    retry_condition_fn=worth_retrying,
    cache_policy=NO_CACHE,
)
def commit_run(ctx: RunContext, stage_reports: list[dict[str, Any]]) -> dict[str, Any]:
    """Mark the run completed (its rows become visible) and republish the DuckDB views."""
    stage_reports = shown(stage_reports)
    for warning in stages.commit(ctx, stage_reports):
        get_run_logger().warning(warning)
    create_table_artifact(
        key=f"{ctx.flow}-stages",
        table=[{k: v for k, v in r.items() if k != "detail"} for r in stage_reports],
        description=f"Stages of {ctx.flow} run {ctx.run_id}",
    )
    create_markdown_artifact(
        key=f"{ctx.flow}-summary",
        markdown=report.to_markdown(report.summarize(_committed(ctx), ctx.run_id)),
        description=f"{ctx.flow} run {ctx.run_id}",
    )
    return {"run_id": ctx.run_id, "flow": ctx.flow, "stages": stage_reports}


@task(
    name="publish-pipeline",
    retries=2,
    retry_delay_seconds=5,
    retry_condition_fn=worth_retrying,
    cache_policy=NO_CACHE,
)
def publish_pipeline(
    ctx: RunContext, flow_results: list[dict[str, Any]], config: str | None
) -> dict[str, Any]:
    """Commit the pipeline run with its flows' stages; attach its summary to the flow run."""
    reports = [s for result in flow_results for s in result["stages"]]
    for warning in stages.commit(ctx, reports):
        get_run_logger().warning(warning)
    summary = report.summarize(_committed(ctx), ctx.run_id)
    create_table_artifact(
        key="run-stages",
        table=[{k: v for k, v in r.items() if k != "detail"} for r in reports],
        description=f"Stages of pipeline run {ctx.run_id}",
    )
    create_markdown_artifact(
        key="run-summary", markdown=report.to_markdown(summary), description="JobLens run summary"
    )
    settings = joblens_settings.load(config)
    page = report_page.write(ctx.lake, ctx.run_id, scoring=settings.scoring)
    link = page if "://" in page else Path(page).as_uri()
    create_link_artifact(key="run-report", link=link, description="The run's HTML report")
    summary["report"] = page
    return summary


def mark_failed(flow: Any, flow_run: Any, state: Any) -> None:
    """Flow hook (on_failure, on_crashed): mark the flow run's lake run failed, drop its rows."""
    params = flow_run.parameters or {}
    # A hook of a crash runs outside the run's context: get_run_logger() would raise there.
    logger = flow_run_logger(flow_run=flow_run, flow=flow)
    try:
        root = params.get("lake") or joblens_settings.load(params.get("config")).lake.root
        failed = stages.fail_orchestrated(
            root, str(flow_run.id), f"{state.type.value}: {state.message or ''}".strip()
        )
    except Exception as exc:  # a hook must not hide the flow's own error
        logger.warning("could not mark the lake run failed: %s", exc)
        return
    for run_id in failed:
        logger.info("run %s marked failed in the lake registry", run_id)


def _committed(ctx: RunContext) -> Lake:
    """The lake as it is now: a run's own view reads it as of its begin, so a pipeline run
    would not see the jobs and matches its child flows committed after that."""
    return Lake(ctx.lake.location, active_days=ctx.lake.active_days)
