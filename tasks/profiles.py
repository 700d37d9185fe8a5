"""Task: CV files to candidate profiles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from joblens import stages
from joblens.stages import RunContext


# Retried like a source: the CV drop may sit on a shared mount; a retry rewrites the same files.
@task(
    name="ingest-cvs",
    retries=2,
    retry_delay_seconds=[5, 30],
    cache_policy=NO_CACHE,
    persist_result=False,
)
def ingest_cvs(ctx: RunContext, cv_dir: str) -> dict[str, Any]:
    """Land CVs in bronze and parse them to silver/candidates; return the stage report."""
    return stages.ingest_cvs(ctx, Path(cv_dir)).to_dict()
