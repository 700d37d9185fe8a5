"""Task: prefilter the run's postings and resolve them into job entities."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from joblens import stages
from joblens.settings import Settings


# A pure transform over the lake: never retried (it would fail the same way again).
@task(name="dedupe-postings", cache_policy=NO_CACHE, persist_result=False)
def dedupe_postings(ctx: dict[str, str], settings: Settings) -> dict[str, Any]:
    """Prefilter this run's postings and write silver/jobs; return the stage report."""
    return stages.dedupe_postings(stages.RunContext.from_dict(ctx), settings).to_dict()
