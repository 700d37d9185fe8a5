"""Flow: every current candidate against every active job, top K each, in gold/matches;
every active job's best candidates in gold/job_matches."""

from __future__ import annotations

from typing import Any

from prefect import flow

from tasks.run import commit_run, mark_failed, start_run
from tasks.scoring import (
    finish_score,
    plan_score,
    score_jobs_side,
    score_part,
    score_task_runner,
)


@flow(
    name="score",
    task_runner=score_task_runner(),
    on_failure=[mark_failed],
    on_crashed=[mark_failed],
)
def score(
    lake: str | None = None,
    run_id: str | None = None,
    config: str | None = None,
    parent_run_id: str | None = None,
) -> dict[str, Any]:
    """Score whatever the lake holds now, whichever runs brought it, and commit the matches.

    The candidate parts run on the Dask cluster of JOBLENS_SCORE__DASK_ADDRESS when set.
    """
    ctx = start_run("score", lake, run_id, config, parent_run_id)
    planned = plan_score(ctx, config)
    parts = planned["parts"]
    futures = [score_part.submit(ctx, config, part, parts) for part in range(parts)]
    job_side = score_jobs_side.submit(ctx, config)
    report = finish_score(ctx, planned, [f.result() for f in futures], job_side.result())
    return commit_run(ctx, [report])
