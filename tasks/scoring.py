"""Task: score all current candidates against all active jobs."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from joblens import settings as joblens_settings
from joblens import stages
from joblens.stages import RunContext
from tasks.progress import StageProgress


# Not retried: deterministic matrix math over the lake; a failure would repeat.
@task(name="score", cache_policy=NO_CACHE, persist_result=False)
def score(ctx: RunContext, config: str | None) -> dict[str, Any]:
    """Write each candidate's top K matches with their factor breakdown; return the report."""
    progress = StageProgress("score", "Scoring candidate chunks")
    settings = joblens_settings.load(config)
    return stages.score(ctx, settings, progress=progress).to_dict()
