"""Flow: analyses of each candidate's best matches of the latest scoring run."""

from __future__ import annotations

from typing import Any

from prefect import flow

from tasks.analysis import analyze as analyze_task
from tasks.run import commit_run, mark_failed, start_run


@flow(name="analyze", on_failure=[mark_failed], on_crashed=[mark_failed])
def analyze(
    lake: str | None = None,
    run_id: str | None = None,
    config: str | None = None,
    parent_run_id: str | None = None,
) -> dict[str, Any]:
    """Analyze the latest matches (LLM when configured, rules otherwise) and commit."""
    ctx = start_run("analyze", lake, run_id, config, parent_run_id)
    return commit_run(ctx, [analyze_task(ctx, config)])
