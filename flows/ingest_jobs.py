"""Flow: a drop folder of board files -> job entities merged into the lake's state."""

from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.task_runners import ThreadPoolTaskRunner

from tasks.embed import embed_jobs, near_duplicates
from tasks.jobs import resolve_jobs
from tasks.run import commit_run, mark_failed, start_run
from tasks.sources import fetch_sources, ingest_files, plan_sources, report_unrecognised


# Prefect 3.8's stubs type ThreadPoolTaskRunner() as TaskRunner[Never]; it is the documented use.
@flow(
    name="ingest-jobs",
    task_runner=ThreadPoolTaskRunner(max_workers=4),  # type: ignore[arg-type]
    on_failure=[mark_failed],
    on_crashed=[mark_failed],
)
def ingest_jobs(
    sources: str | None = None,
    kind: str | None = None,
    lake: str | None = None,
    run_id: str | None = None,
    config: str | None = None,
    parent_run_id: str | None = None,
) -> dict[str, Any]:
    """Ingest job postings, resolve them into jobs, embed, commit.

    With `sources` (a drop folder, or one saved answer; `kind` forces the format) every file
    is read, by source kind in parallel. Without it, the `[[sources]]` of the config are
    fetched live, concurrently.
    """
    ctx = start_run("ingest-jobs", lake, run_id, config, parent_run_id)
    if sources is None:
        reports = fetch_sources(ctx, config)
    else:
        plan = plan_sources(sources, kind)
        # Each source lands and normalizes on its own as soon as it is read: no waiting on
        # the slowest board before the others reach silver.
        futures = [ingest_files.submit(ctx, k, paths) for k, paths in plan["files"].items()]
        reports = [report_unrecognised(ctx, plan["unrecognised"])]
        reports += [f.result() for f in futures]
    reports.append(resolve_jobs(ctx, config))
    reports.append(embed_jobs(ctx, config))
    reports.append(near_duplicates(ctx, config))
    return commit_run(ctx, reports)
