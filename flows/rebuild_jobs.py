"""Flow: every current posting re-resolved into job entities from scratch, after a change of
embedding model, thresholds or rules; the run's report says what moved."""

from __future__ import annotations

from typing import Any

from prefect import flow

from tasks.embed import rebuild_jobs as rebuild_task
from tasks.run import commit_run, mark_failed, start_run


@flow(name="rebuild-jobs", on_failure=[mark_failed], on_crashed=[mark_failed])
def rebuild_jobs(
    lake: str | None = None,
    run_id: str | None = None,
    config: str | None = None,
    parent_run_id: str | None = None,
) -> dict[str, Any]:
    """Re-resolve every current posting (keys, then the vector pass over every job), rebuild
    the job index, commit the whole job state as this run's."""
    ctx = start_run("rebuild-jobs", lake, run_id, config, parent_run_id)
    return commit_run(ctx, [rebuild_task(ctx, config)])
