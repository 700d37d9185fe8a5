"""Flow: every current candidate against every active job, top K each, in gold/matches."""

from __future__ import annotations

from typing import Any

from prefect import flow

from tasks.run import commit_run, mark_failed, start_run
from tasks.scoring import score as score_task


@flow(name="score", on_failure=[mark_failed], on_crashed=[mark_failed])
def score(
    lake: str | None = None,
    run_id: str | None = None,
    config: str | None = None,
    parent_run_id: str | None = None,
) -> dict[str, Any]:
    """Score whatever the lake holds now, whichever runs brought it, and commit the matches."""
    ctx = start_run("score", lake, run_id, config, parent_run_id)
    return commit_run(ctx, [score_task(ctx, config)])
