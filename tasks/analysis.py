"""Task: analyze each candidate's best matches."""

from __future__ import annotations

from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from joblens import settings as joblens_settings
from joblens import stages
from joblens.llm.client import LLMClient, RulesAnalyzer
from joblens.settings import Settings
from joblens.stages import RunContext


def _client(settings: Settings) -> LLMClient:
    # The OpenAI-compatible client arrives with the LLM stage; until then every row says
    # "rules-v1" in its analyzer column, so nobody mistakes it for a model's judgement.
    if settings.llm.base_url:
        # The URL is not logged: users put tokens in it.
        get_run_logger().warning(
            "JOBLENS_LLM__BASE_URL is set but this version has no LLM client yet: "
            "analyses come from the rules analyzer (analyzer = rules-v1)"
        )
    return RulesAnalyzer()


# Retried: with a configured LLM this is network work (429s, timeouts).
@task(
    name="analyze-matches",
    retries=2,
    retry_delay_seconds=[10, 60],
    cache_policy=NO_CACHE,
    persist_result=False,
)
def analyze(ctx: RunContext, config: str | None) -> dict[str, Any]:
    """Analyze the top matches of every candidate; return the stage report."""
    settings = joblens_settings.load(config)
    return stages.analyze(ctx, settings, _client(settings)).to_dict()
