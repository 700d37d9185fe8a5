"""The LLM client the tasks use: settings, the key from a Prefect Secret block if named,
one log line saying which analyzer runs where (never the key, never the URL's path)."""

from __future__ import annotations

from typing import Any, cast

from prefect import get_run_logger

from joblens import llm
from joblens.errors import ConfigError
from joblens.llm.openai_client import endpoint_label
from joblens.settings import Settings


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


def llm_client(settings: Settings, purpose: str) -> llm.LLMClient:
    """The client `settings` ask for; logs which (`purpose`: what it is used for)."""
    client = llm.make_client(settings.llm, api_key=_api_key(settings))
    logger = get_run_logger()
    if settings.llm.configured:
        # Only scheme, host and port: users put tokens in URLs.
        where = endpoint_label(settings.llm.base_url)
        logger.info("%s: analyzer %s at %s", purpose, client.name, where)
    else:
        logger.info(
            "%s: no LLM configured (JOBLENS_LLM__BASE_URL / API_KEY): analyzer %s",
            purpose,
            client.name,
        )
    return client
