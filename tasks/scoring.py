"""Tasks: score all current candidates against all active jobs, in parts that can run on a
Dask cluster (JOBLENS_SCORE__DASK_ADDRESS), and the task runner that decides where."""

from __future__ import annotations

import os
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from joblens import settings as joblens_settings
from joblens.errors import ConfigError
from joblens.stages import RunContext
from joblens.stages.score import finish, plan, score_jobs
from joblens.stages.score import score_part as score_one_part
from tasks.progress import StageProgress


def dask_address() -> str | None:
    """The configured Dask scheduler ('local' = a LocalCluster here), or None."""
    try:
        return joblens_settings.load().score.dask_address
    except ConfigError:  # reported with its name by start-run, before any work
        return None


def score_task_runner() -> TaskRunner[Any]:
    """The score flow's task runner: Dask when configured, else threads in the flow."""
    address = dask_address()
    if not address:
        return ThreadPoolTaskRunner(max_workers=1)  # type: ignore[return-value]
    from prefect_dask import DaskTaskRunner

    if address == "local":
        workers = max(1, os.cpu_count() or 1)
        return DaskTaskRunner(  # type: ignore[no-any-return]
            cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True}
        )
    return DaskTaskRunner(address=address)  # type: ignore[no-any-return]


# Not cached, not retried: a count over the lake.
@task(name="plan-score", cache_policy=NO_CACHE, persist_result=False)
def plan_score(ctx: RunContext, config: str | None) -> dict[str, Any]:
    """Split the current candidates into parts: one without Dask, else of
    score.candidates_per_task each."""
    settings = joblens_settings.load(config)
    if not settings.score.dask_address:
        planned = plan(ctx, per_part=1)
        return {**planned, "parts": 1}
    return plan(ctx, per_part=settings.score.candidates_per_task)


# Not retried: deterministic matrix math over the lake; a failure would repeat. Not cached:
# the lake's state, not the inputs, decides the answer.
@task(
    name="score-part",
    task_run_name="score-part-{part}",
    cache_policy=NO_CACHE,
    persist_result=False,
)
def score_part(ctx: RunContext, config: str | None, part: int, parts: int) -> dict[str, Any]:
    """Score one part of the candidates and write its matches; return what it did."""
    progress = StageProgress(f"score-part-{part}", f"Scoring candidates, part {part + 1}/{parts}")
    settings = joblens_settings.load(config)
    return score_one_part(ctx, settings, part, parts, progress=progress)


# Not retried, not cached: as score-part.
@task(name="score-jobs", cache_policy=NO_CACHE, persist_result=False)
def score_jobs_side(ctx: RunContext, config: str | None) -> dict[str, Any]:
    """Write every active job's best candidates (gold/job_matches); return what it did."""
    progress = StageProgress("score-jobs", "Ranking candidates for every job")
    return score_jobs(ctx, joblens_settings.load(config), progress=progress)


@task(name="finish-score", cache_policy=NO_CACHE, persist_result=False)
def finish_score(
    ctx: RunContext,
    planned: dict[str, Any],
    results: list[dict[str, Any]],
    job_side: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Account for every candidate and record the stage; return the stage report."""
    return finish(ctx, planned, results, job_side).to_dict()
