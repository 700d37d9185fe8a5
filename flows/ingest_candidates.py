"""Flow: a folder of CV files -> embedded candidate profiles, upserted in the lake."""

from __future__ import annotations

from typing import Any

from prefect import flow

from tasks.embed import embed_candidates
from tasks.profiles import ingest_cvs
from tasks.run import commit_run, mark_failed, start_run


@flow(name="ingest-candidates", on_failure=[mark_failed], on_crashed=[mark_failed])
def ingest_candidates(
    cvs: str,
    lake: str | None = None,
    run_id: str | None = None,
    config: str | None = None,
    parent_run_id: str | None = None,
) -> dict[str, Any]:
    """Parse every CV under `cvs` into a profile, embed the profiles, commit."""
    ctx = start_run("ingest-candidates", lake, run_id, config, parent_run_id)
    reports = [ingest_cvs(ctx, cvs, config), embed_candidates(ctx, config)]
    return commit_run(ctx, reports)
