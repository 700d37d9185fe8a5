"""Match analysis by a language model or by rules: the client protocol, prompts, outputs,
the answer cache and the run's budget. `make_client(settings)` picks the analyzer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from joblens.llm.budget import Budget, ModelPrice
from joblens.llm.client import AnswerFailed, LLMClient, Reply, Request, RulesAnalyzer, Usage
from joblens.llm.models import MatchAnalysis, Recommendation, Verdict
from joblens.llm.prompts import PROMPT_VERSION

if TYPE_CHECKING:
    from joblens.settings import LLMSettings, Settings

__all__ = [
    "PROMPT_VERSION",
    "AnswerFailed",
    "Budget",
    "LLMClient",
    "MatchAnalysis",
    "ModelPrice",
    "Recommendation",
    "Reply",
    "Request",
    "RulesAnalyzer",
    "Usage",
    "Verdict",
    "make_budget",
    "make_client",
]


def make_client(settings: Settings | LLMSettings, *, api_key: str | None = None) -> LLMClient:
    """The analyzer `settings` (all of them, or their `llm` section) ask for: an
    OpenAI-compatible client when an LLM is configured, else the rules analyzer. `api_key`
    (read from a Prefect Secret block by the flow) wins over `settings.api_key`."""
    from joblens.settings import Settings

    if isinstance(settings, Settings):
        settings = settings.llm
    if not settings.configured:
        return RulesAnalyzer()
    from joblens.llm.openai_client import OpenAIAnalyzer

    key = api_key or (settings.api_key.get_secret_value() if settings.api_key else None)
    return OpenAIAnalyzer(
        model=settings.model,
        base_url=settings.base_url,
        api_key=key,
        timeout_s=settings.timeout_s,
        max_attempts=settings.max_attempts,
        backoff_s=settings.backoff_s,
        backoff_max_s=settings.backoff_max_s,
        max_output_tokens=settings.max_output_tokens,
        rate_limit_wait_s=settings.rate_limit_wait_s,
    )


def make_budget(settings: LLMSettings) -> Budget:
    """The run's budget from `settings` (unbounded when no limit is set)."""
    known = settings.prices.get(settings.model)
    price = ModelPrice(known.input_per_mtok, known.output_per_mtok) if known else None
    return Budget(
        max_tokens=settings.max_tokens_per_run,
        max_cost=settings.max_cost_per_run,
        price=price,
    )
