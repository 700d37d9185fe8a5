"""Task: one source kind from bronze to silver/postings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from joblens import sources, stages
from joblens.errors import SourceError
from joblens.stages import RunContext


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
