"""Flow: analyses of each candidate's best matches in gold/analyses."""

from __future__ import annotations

from typing import Any

from prefect import flow

from joblens.settings import Settings
from tasks.analysis import analyze


@flow(name="analyze")
def analyze_matches(ctx: dict[str, str], settings: Settings) -> list[dict[str, Any]]:
    """Analyze the run's best matches (LLM when configured, rules otherwise)."""
    return [analyze(ctx, settings)]
