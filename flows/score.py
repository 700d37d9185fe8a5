"""Flow: every candidate against every job, top K per candidate, in gold/matches."""

from __future__ import annotations

from typing import Any

from prefect import flow

from joblens.settings import Settings
from tasks.scoring import score


@flow(name="score")
def score_matches(ctx: dict[str, str], settings: Settings) -> list[dict[str, Any]]:
    """Score the run's candidates against the run's jobs."""
    return [score(ctx, settings)]
