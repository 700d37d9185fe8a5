"""Flow: job postings from every source to de-duplicated, embedded silver/jobs."""

from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.task_runners import ThreadPoolTaskRunner

from joblens.settings import Settings
from tasks.dedupe import dedupe_postings
from tasks.embed import embed_jobs
from tasks.sources import ingest_source, list_sources


# Prefect 3.8's stubs type ThreadPoolTaskRunner() as TaskRunner[Never]; it is the documented use.
@flow(name="ingest-jobs", task_runner=ThreadPoolTaskRunner(max_workers=4))  # type: ignore[arg-type]
def ingest_jobs(ctx: dict[str, str], sources_dir: str, settings: Settings) -> list[dict[str, Any]]:
    """Ingest every source kind under `sources_dir` in parallel, then dedupe and embed."""
    kinds = list_sources(sources_dir)
    # Each source lands and normalizes on its own as soon as it is read: no waiting on the
    # slowest board before the others reach silver.
    futures = [ingest_source.submit(ctx, sources_dir, kind) for kind in kinds]
    reports = [f.result() for f in futures]
    reports.append(dedupe_postings(ctx, settings))
    reports.append(embed_jobs(ctx, settings))
    return reports
