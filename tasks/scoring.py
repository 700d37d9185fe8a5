"""Task: score all candidates against all jobs."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from joblens import stages
from joblens.settings import Settings
from tasks.progress import StageProgress


# Not retried: deterministic matrix math over the lake; a failure would repeat.
@task(name="score", cache_policy=NO_CACHE, persist_result=False)
def score(ctx: dict[str, str], settings: Settings) -> dict[str, Any]:
    """Write each candidate's top K matches with their factor breakdown; return the report."""
    progress = StageProgress("score", "Scoring candidate chunks")
    return stages.score(stages.RunContext.from_dict(ctx), settings, progress=progress).to_dict()
