"""Tasks: a drop folder's files, or the live sources of the config, to silver/postings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from joblens import settings as joblens_settings
from joblens import sources, stages
from joblens.errors import ConfigError, SourceError
from joblens.sources import live
from joblens.stages import RunContext
from tasks.progress import StageProgress
from tasks.retry import worth_retrying


@task(name="plan-sources", cache_policy=NO_CACHE, persist_result=False)
def plan_sources(root: str, kind: str | None) -> dict[str, Any]:
    """Return which files of the drop `root` (a folder, or one file) each parser reads, and
    the files none recognises, with why."""
    if not Path(root).exists():
        raise SourceError(f"sources {root} do not exist (a drop folder, or one saved answer)")
    if kind is not None:
        sources.parser(kind)  # an unknown --kind fails here, naming the known ones
    plan = sources.plan_drop(Path(root), kind=kind)
    get_run_logger().info(
        "drop %s: %s; %d unrecognised",
        root,
        ", ".join(f"{k} {len(v)}" for k, v in sorted(plan.files.items())) or "no board files",
        len(plan.unrecognised),
    )
    return {
        "files": {k: [str(p) for p in v] for k, v in sorted(plan.files.items())},
        "unrecognised": [(str(p), why) for p, why in plan.unrecognised],
    }


# Retried: reading a source is the one step here that meets the outside world (files on a
# shared mount today, HTTP boards in live mode); a retry rewrites the same run files. Not
# cached: a source must be re-read each run.
@task(
    name="ingest-source",
    task_run_name="ingest-{kind}",
    retries=2,
    retry_delay_seconds=[5, 30],
    retry_condition_fn=worth_retrying,
    cache_policy=NO_CACHE,
    persist_result=False,
)
def ingest_files(ctx: RunContext, kind: str, paths: list[str]) -> dict[str, Any]:
    """Land one source kind's files in bronze and parse them to silver; return its report."""
    return stages.ingest_files(ctx, kind, [Path(p) for p in paths]).to_dict()


@task(name="report-unrecognised", cache_policy=NO_CACHE, persist_result=False)
def report_unrecognised(ctx: RunContext, files: list[tuple[str, str]]) -> dict[str, Any]:
    """Quarantine and report the drop's files that no parser recognised."""
    return stages.report_unrecognised(ctx, files).to_dict()


# Not retried by Prefect: fetch.py retries each request itself (honouring Retry-After), and a
# task-level retry would fetch every board again. Not cached: live sources change.
@task(name="fetch-sources", cache_policy=NO_CACHE, persist_result=False)
def fetch_sources(ctx: RunContext, config: str | None) -> list[dict[str, Any]]:
    """Fetch every `[[sources]]` entry of the config concurrently and land what came;
    return the fetch report and one report per source kind."""
    settings = joblens_settings.load(config)
    if not settings.sources:
        raise ConfigError(
            "no live sources: list them as [[sources]] in joblens.toml (kind, board or "
            "query, ...), or give a drop folder or a saved answer"
        )
    for spec in settings.sources:
        live.first_url(
            spec, settings.fetch
        ) if spec.kind != "jobspy" else None  # bad specs fail now
    logger = get_run_logger()
    progress = StageProgress("fetch-sources", f"fetching {len(settings.sources)} sources")
    done: list[str] = []

    def finished(result: live.LiveResult) -> None:
        done.append(result.spec.label)
        why = f": {result.errors[0]}" if result.errors else ""
        logger.info(
            "%s: %s, %d postings in %.1f s%s",
            result.spec.label,
            result.status,
            len(result.records),
            result.seconds,
            why,
        )
        progress(len(done), len(settings.sources))

    reports = stages.ingest_live(ctx, settings.sources, settings.fetch, on_done=finished)
    if reports[0].detail.get("all_failed"):
        logger.error("every source failed: %s", ", ".join(reports[0].detail["failed"]))
    return [r.to_dict() for r in reports]
