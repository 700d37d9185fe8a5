"""Task: CV files to candidate profiles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from joblens import settings as joblens_settings
from joblens import stages
from joblens.llm.profiles import Profiler
from joblens.stages import RunContext
from tasks.llm import llm_client
from tasks.progress import StageProgress
from tasks.retry import worth_retrying


# Retried like a source: the CV drop may sit on a shared mount; a retry rewrites the same
# files, and asks the LLM nothing it answered (its answers are in the lake's cache).
@task(
    name="ingest-cvs",
    retries=2,
    retry_delay_seconds=[5, 30],
    retry_condition_fn=worth_retrying,
    cache_policy=NO_CACHE,
    persist_result=False,
)
def ingest_cvs(ctx: RunContext, cv_dir: str, config: str | None = None) -> dict[str, Any]:
    """Land CVs in bronze and parse them to silver/candidates; return the stage report."""
    settings = joblens_settings.load(config)
    profiler: Profiler | None = None
    if settings.llm.configured:
        client = llm_client(settings, "CV profiles")
        profiler = client if isinstance(client, Profiler) else None
    progress = StageProgress("profile-progress", "reading CVs")
    report = stages.ingest_cvs(ctx, Path(cv_dir), profiler, settings.llm, progress)
    return report.to_dict()
