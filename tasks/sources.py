"""Task: one source kind from bronze to silver/postings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from joblens import sources, stages
from joblens.errors import SourceError
from joblens.stages import RunContext


@task(name="list-sources", cache_policy=NO_CACHE, persist_result=False)
def list_sources(root: str) -> list[str]:
    """Return the source kinds that have files under `root` (greenhouse, lever, ...)."""
    if not Path(root).is_dir():
        raise SourceError(f"sources folder {root} does not exist (expected <folder>/<kind>/*)")
    return sources.sources_in(Path(root))


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
def ingest_source(ctx: RunContext, root: str, kind: str) -> dict[str, Any]:
    """Land one source kind in bronze and parse it to silver/postings; return its report."""
    return stages.ingest_source(ctx, Path(root), kind).to_dict()
