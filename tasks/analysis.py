"""Task: analyze each candidate's best matches."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from joblens import settings as joblens_settings
from joblens import stages
from joblens.stages import RunContext
from tasks.llm import llm_client
from tasks.progress import StageProgress
from tasks.retry import worth_retrying


# Retried: with a configured LLM this is network work. A retry asks nothing the first
# attempt was answered: answers reach the lake's cache as they arrive.
@task(
    name="analyze-matches",
    retries=2,
    retry_delay_seconds=[10, 60],
    retry_condition_fn=worth_retrying,
    cache_policy=NO_CACHE,
    persist_result=False,
)
def analyze(ctx: RunContext, config: str | None) -> dict[str, Any]:
    """Analyze the top matches of every candidate; return the stage report."""
    settings = joblens_settings.load(config)
    client = llm_client(settings, "match analysis")
    progress = StageProgress("analyze-progress", "analyzing matches")
    return stages.analyze(ctx, settings, client, progress).to_dict()
