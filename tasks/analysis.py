"""Task: analyze each candidate's best matches."""

from __future__ import annotations

from typing import Any, cast

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from joblens import llm, stages
from joblens import settings as joblens_settings
from joblens.errors import ConfigError
from joblens.llm.openai_client import endpoint_label
from joblens.settings import Settings
from joblens.stages import RunContext
from tasks.progress import StageProgress


def _api_key(settings: Settings) -> str | None:
    """The API key from the Prefect Secret block `llm.api_key_block`, if one is named."""
    name = settings.llm.api_key_block
    if not name:
        return None
    from prefect.blocks.system import Secret

    try:
        secret = cast(Any, Secret.load(name))
    except ValueError as exc:
        raise ConfigError(
            f"no Prefect Secret block named {name!r} (JOBLENS_LLM__API_KEY_BLOCK)"
        ) from exc
    value = secret.get()
    return str(value) if value is not None else None


def _client(settings: Settings) -> llm.LLMClient:
    client = llm.make_client(settings.llm, api_key=_api_key(settings))
    logger = get_run_logger()
    if settings.llm.configured:
        # Only scheme, host and port: users put tokens in URLs.
        logger.info("analyzer %s at %s", client.name, endpoint_label(settings.llm.base_url))
    else:
        logger.info("no LLM configured (JOBLENS_LLM__BASE_URL / API_KEY): analyzer %s", client.name)
    return client


def _worth_retrying(task: Any, task_run: Any, state: Any) -> bool:
    """A ConfigError (a refused key, an unknown model) fails the same way every time."""
    return not isinstance(getattr(state, "data", None), ConfigError)


# Retried: with a configured LLM this is network work. A retry asks nothing the first
# attempt was answered: answers reach the lake's cache as they arrive.
@task(
    name="analyze-matches",
    retries=2,
    retry_delay_seconds=[10, 60],
    retry_condition_fn=_worth_retrying,
    cache_policy=NO_CACHE,
    persist_result=False,
)
def analyze(ctx: RunContext, config: str | None) -> dict[str, Any]:
    """Analyze the top matches of every candidate; return the stage report."""
    settings = joblens_settings.load(config)
    progress = StageProgress("analyze-progress", "analyzing matches")
    report = stages.analyze(ctx, settings, _client(settings), progress)
    return report.to_dict()
