"""A run of one flow over the lake: its typed context, its start, commit and failure, and what
every stage shares (the stage report, timing into run_stats, quarantine rows).

A run begins (`begin`): its id is checked, dead local runs are marked failed, whatever an
earlier attempt of the same id wrote is removed, and the registry says ``running``. Its stages
write into the run's own directories. `commit` flips the registry row to ``completed`` (one
atomic rename: from then on the views show the run) and republishes the DuckDB views; `fail`
marks it ``failed`` and removes its data.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict

from joblens.errors import LakeError
from joblens.lake import Lake, check_name

__all__ = [
    "FLOWS",
    "Progress",
    "RunContext",
    "StageReport",
    "begin",
    "commit",
    "fail",
    "fail_orchestrated",
    "new_run_id",
    "quarantine",
    "timed",
]

Progress = Callable[[int, int], None]

FLOWS: tuple[str, ...] = ("ingest-jobs", "ingest-candidates", "score", "analyze", "pipeline")


def new_run_id(now: datetime | None = None) -> str:
    """Return a sortable run id such as ``20261123T101500Z-3f9a1c``."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{np.random.default_rng().integers(16**6):06x}"


def _run_date(run_id: str) -> str | None:
    try:
        return f"{datetime.strptime(run_id[:16], '%Y%m%dT%H%M%SZ'):%Y-%m-%d}"
    except ValueError:
        return None


class RunContext(BaseModel):
    """Where and as what one run writes: lake, run id, flow, date partition, clock, settings
    that shape the lake's state (active window)."""

    model_config = ConfigDict(frozen=True)

    lake_root: str
    run_id: str
    flow: str
    dt: str
    started_at: datetime
    parent_run_id: str | None = None
    active_days: int = 30

    @classmethod
    def create(
        cls,
        lake_root: str,
        run_id: str | None = None,
        *,
        flow: str = "pipeline",
        parent_run_id: str | None = None,
        active_days: int = 30,
    ) -> RunContext:
        """Return the context of a new run, or of re-running `run_id` (not yet begun).

        A re-run keeps the date partition of the original run (read from the run id's
        timestamp) so its files land where the first attempt's were.
        """
        if flow not in FLOWS:
            raise LakeError(f"unknown flow {flow!r}; known: {', '.join(FLOWS)}")
        now = datetime.now(UTC)
        run_id = check_name(new_run_id(now) if run_id is None else run_id, "run id")
        Lake(lake_root)  # a bad lake root fails here, before any work
        return cls(
            lake_root=lake_root,
            run_id=run_id,
            flow=flow,
            dt=_run_date(run_id) or f"{now:%Y-%m-%d}",
            started_at=now,
            parent_run_id=parent_run_id,
            active_days=active_days,
        )

    @property
    def lake(self) -> Lake:
        return Lake(self.lake_root, active_days=self.active_days)


def _registry_row(ctx: RunContext, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "run_id": ctx.run_id,
        "flow": ctx.flow,
        "parent_run_id": ctx.parent_run_id,
        "status": status,
        "started": ctx.started_at,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        **extra,
    }


def begin(ctx: RunContext, *, prefect_flow_run_id: str | None = None) -> RunContext:
    """Register `ctx` as running, after clearing what an earlier attempt of its id wrote."""
    lake = ctx.lake
    lake.runs()  # marks runs whose process died as failed
    previous = lake.run(ctx.run_id)
    if previous and previous["status"] == "running" and previous["pid"] != os.getpid():
        raise LakeError(
            f"run {ctx.run_id} is already running (pid {previous['pid']} on "
            f"{previous['host']}); wait for it or give another --run-id"
        )
    lake.record_run(_registry_row(ctx, "running", prefect_flow_run_id=prefect_flow_run_id))
    lake.clear_run(ctx.run_id)
    lake.remove_failed_runs()
    return ctx


def _stage_counts(reports: Sequence[StageReport | dict[str, Any]]) -> list[dict[str, Any]]:
    keys = ("stage", "rows_in", "rows_out", "rows_quarantined", "seconds")
    rows = [r.to_dict() if isinstance(r, StageReport) else r for r in reports]
    return [
        {**{k: r.get(k) for k in keys}, "detail": json.dumps(r.get("detail") or {}, default=str)}
        for r in rows
    ]


def _finish(ctx: RunContext, status: str, **extra: Any) -> None:
    lake = ctx.lake
    previous = lake.run(ctx.run_id) or {}
    row = _registry_row(ctx, status, finished=datetime.now(UTC), **extra)
    row["prefect_flow_run_id"] = previous.get("prefect_flow_run_id")
    lake.record_run(row)


def commit(ctx: RunContext, reports: Sequence[StageReport | dict[str, Any]]) -> None:
    """Mark the run completed with its stage counts (the commit) and republish the views."""
    _finish(ctx, "completed", stages=_stage_counts(reports))
    ctx.lake.publish_views()


def fail(ctx: RunContext, error: str) -> None:
    """Mark the run failed with `error` and remove its data files (no reader saw them)."""
    _finish(ctx, "failed", error=error[:2000])
    ctx.lake.clear_run(ctx.run_id)


def fail_orchestrated(lake_root: str, orchestrator_run_id: str, error: str) -> list[str]:
    """Mark failed every running run that orchestrator run `orchestrator_run_id` started
    (the Prefect flow run id in the registry); return their run ids."""
    lake = Lake(lake_root)
    runs = lake.runs().filter(
        (pl.col("status") == "running") & (pl.col("prefect_flow_run_id") == orchestrator_run_id)
    )
    for row in runs.iter_rows(named=True):
        row.update(status="failed", finished=datetime.now(UTC), error=error[:2000])
        lake.record_run(row)
        lake.clear_run(row["run_id"])
    return list(runs["run_id"])


@dataclass
class StageReport:
    """What one stage did: counts in and out, quarantined rows, seconds, and details."""

    stage: str
    rows_in: int = 0
    rows_out: int = 0
    rows_quarantined: int = 0
    seconds: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@contextmanager
def timed(
    ctx: RunContext,
    report: StageReport,
    *,
    part: str | None = None,
    since: float | None = None,
) -> Iterator[None]:
    """Time the block into `report.seconds` and write the stage's run_stats row after it.

    `since` (epoch seconds) times from an earlier start: a stage whose parts ran elsewhere.
    """
    start = time.time() if since is None else since
    yield
    report.seconds = round(time.time() - start, 3)
    row = pl.DataFrame(
        {
            "stage": [report.stage],
            "rows_in": [report.rows_in],
            "rows_out": [report.rows_out],
            "rows_quarantined": [report.rows_quarantined],
            "seconds": [report.seconds],
            "finished_at": [datetime.now(UTC)],
        }
    )
    name = part or report.stage.replace(":", "-").replace("+", "-")
    ctx.lake.write("run_stats", row, run_id=ctx.run_id, partition={"dt": ctx.dt}, part=name)


def quarantine(ctx: RunContext, stage: str, rows: pl.DataFrame, *, part: str | None = None) -> int:
    """Write quarantine rows of `stage` and return how many (an empty file too: re-runs
    then have one file per stage and part, whatever they reject)."""
    rows = rows.with_columns(pl.lit(stage).alias("stage")) if rows.height else rows
    if not rows.height:
        rows = pl.DataFrame({"stage": []}, schema={"stage": pl.String})
    partition = {"stage": stage, "dt": ctx.dt}
    ctx.lake.write("quarantine", rows, run_id=ctx.run_id, partition=partition, part=part)
    return rows.height
