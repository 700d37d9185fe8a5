"""Task: prefilter the run's postings and resolve them into job entities."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from joblens import settings as joblens_settings
from joblens import stages
from joblens.stages import RunContext


# A pure transform over the lake: never retried (it would fail the same way again).
@task(name="resolve-jobs", cache_policy=NO_CACHE, persist_result=False)
def resolve_jobs(ctx: RunContext, config: str | None) -> dict[str, Any]:
    """Prefilter this run's postings and write their job entities; return the stage report."""
    return stages.resolve_jobs(ctx, joblens_settings.load(config)).to_dict()
