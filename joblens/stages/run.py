"""A run of one flow over the lake: its typed context, its start, commit and failure, and what
every stage shares (the stage report, timing into run_stats, quarantine rows).

A run begins (`begin`): its id is checked, dead local runs are marked failed, whatever an
earlier attempt of the same id wrote is removed, and the registry says ``running``. Its stages
write into the run's own directories. `commit` flips the registry row to ``completed`` (one
atomic rename: from then on the views show the run) and republishes the DuckDB views; `fail`
marks it ``failed`` and removes its data.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, PrivateAttr

from joblens.errors import LakeError
from joblens.lake import Lake, check_name, host_id

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
    "shown",
    "timed",
]

Progress = Callable[[int, int], None]

FLOWS: tuple[str, ...] = (
    "ingest-jobs",
    "ingest-candidates",
    "score",
    "analyze",
    "pipeline",
    "rebuild-jobs",
)


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
    that shape the lake's state (active window). `begin` adds the attempt token and the
    moment the run reads the lake as of."""

    model_config = ConfigDict(frozen=True)

    lake_root: str
    run_id: str
    flow: str
    dt: str
    started_at: datetime
    parent_run_id: str | None = None
    active_days: int = 30
    attempt: str | None = None
    as_of: datetime | None = None
    _lake: Lake | None = PrivateAttr(default=None)

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
        if flow == "pipeline":  # its flows' runs are <run_id>-<flow>: they must be valid too
            check_name(f"{run_id}-ingest-candidates", "run id (with its flows' suffixes)")
        # Resolved once: a worker in another directory writes into the same lake.
        location = Lake(lake_root).location
        return cls(
            lake_root=location,
            run_id=run_id,
            flow=flow,
            dt=_run_date(run_id) or f"{now:%Y-%m-%d}",
            started_at=now,
            parent_run_id=parent_run_id,
            active_days=active_days,
        )

    @property
    def lake(self) -> Lake:
        """The lake as this run reads it: as of its begin, one DuckDB connection reused."""
        if self._lake is None:
            self._lake = Lake(self.lake_root, active_days=self.active_days, as_of=self.as_of)
        return self._lake

    def __getstate__(self) -> dict[Any, Any]:
        # Sent to other processes (Dask) without the open lake: each opens its own.
        state = super().__getstate__()
        state["__pydantic_private__"] = {"_lake": None}
        return state


def _registry_row(ctx: RunContext, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "run_id": ctx.run_id,
        "flow": ctx.flow,
        "parent_run_id": ctx.parent_run_id,
        "status": status,
        "started": ctx.started_at,
        "host": host_id(),
        "pid": os.getpid(),
        "attempt": ctx.attempt,
        **extra,
    }


# Flows that write entity state (versions merged from the current state) take the lake's
# lock for that state from begin to commit: two of them at once would lose each other's
# updates. Held per process, by run id.
_ENTITY_LOCKS = {"ingest-jobs": "jobs", "rebuild-jobs": "jobs", "ingest-candidates": "candidates"}
_HELD: dict[str, contextlib.ExitStack] = {}


def _acquire(ctx: RunContext) -> None:
    name = _ENTITY_LOCKS.get(ctx.flow)
    if name is None:
        return
    lake = Lake(ctx.lake_root)
    key = f"{lake.location}#{name}"
    for run_id, stack in list(_HELD.items()):
        if getattr(stack, "lock_key", None) == key and run_id != ctx.run_id:
            raise LakeError(
                f"run {run_id} of this process still holds the lake's {name} lock: "
                "commit or fail it before beginning another"
            )
    _release(ctx.run_id)
    stack = contextlib.ExitStack()
    stack.enter_context(lake.lock(name, holder=ctx.run_id))
    stack.lock_key = key  # type: ignore[attr-defined]
    _HELD[ctx.run_id] = stack


def _release(run_id: str) -> None:
    stack = _HELD.pop(run_id, None)
    if stack is not None:
        stack.close()


def begin(ctx: RunContext, *, prefect_flow_run_id: str | None = None) -> RunContext:
    """Register `ctx` as running, after clearing what an earlier attempt of its id wrote;
    return it with its attempt token and the moment it reads the lake as of.

    A flow that writes entity state first waits for the lake's lock on that state.
    """
    lake = Lake(ctx.lake_root, active_days=ctx.active_days)
    registry = lake.runs()  # marks runs whose process died as failed
    previous = lake.run(ctx.run_id)
    if previous and previous["status"] == "running" and previous["pid"] != os.getpid():
        raise LakeError(
            f"run {ctx.run_id} is already running (pid {previous['pid']} on "
            f"{previous['host']}); wait for it or give another --run-id"
        )
    _acquire(ctx)
    try:
        ctx = ctx.model_copy(update={"attempt": uuid.uuid4().hex, "as_of": datetime.now(UTC)})
        ctx._lake = None  # the copy must not keep a lake read as of another moment
        lake.record_run(_registry_row(ctx, "running", prefect_flow_run_id=prefect_flow_run_id))
        lake.clear_run(ctx.run_id)
        lake.remove_failed_runs(registry)
    except Exception:
        _release(ctx.run_id)
        raise
    return ctx


def shown(reports: Sequence[StageReport | dict[str, Any]]) -> list[dict[str, Any]]:
    """The reports of the stages that did something, as dicts (a step with nothing to do,
    such as no unrecognised files, reports itself skipped and is left out)."""
    rows = [r.to_dict() if isinstance(r, StageReport) else r for r in reports]
    return [r for r in rows if not (r.get("detail") or {}).get("skipped")]


def _stage_counts(reports: Sequence[StageReport | dict[str, Any]]) -> list[dict[str, Any]]:
    keys = ("stage", "rows_in", "rows_out", "rows_quarantined", "seconds")
    rows = shown(reports)
    return [
        {**{k: r.get(k) for k in keys}, "detail": json.dumps(r.get("detail") or {}, default=str)}
        for r in rows
    ]


def _current_row(ctx: RunContext) -> dict[str, Any]:
    row = ctx.lake.run(ctx.run_id)
    if row is None or row.get("attempt") != ctx.attempt:
        raise LakeError(
            f"run {ctx.run_id} was begun again elsewhere (attempt {(row or {}).get('attempt')}, "
            f"this one {ctx.attempt}): this attempt can no longer commit"
        )
    return row


def commit(ctx: RunContext, reports: Sequence[StageReport | dict[str, Any]]) -> list[str]:
    """Mark the run completed with its stage counts (the commit) and republish the views;
    return warnings (views that could not be published do not undo a commit).

    Only a run still running under this attempt commits; committing it again is a no-op.
    """
    try:
        row = _current_row(ctx)
        if row["status"] == "running":
            changes = {"stages": _stage_counts(reports)}
            if not Lake(ctx.lake_root).transition(row, status="completed", **changes):
                raise LakeError(f"run {ctx.run_id} changed while committing: not committed")
        elif row["status"] != "completed":
            raise LakeError(
                f"run {ctx.run_id} is {row['status']} ({row.get('error')}): it cannot commit"
            )
    finally:
        _release(ctx.run_id)
    try:
        Lake(ctx.lake_root, active_days=ctx.active_days).publish_views()
    except LakeError as exc:
        return [f"the run committed, but the DuckDB views were not republished: {exc}"]
    return []


def fail(ctx: RunContext, error: str) -> None:
    """Mark the run failed with `error` and remove its data files (no reader saw them);
    a run this attempt no longer owns is left alone."""
    try:
        row = ctx.lake.run(ctx.run_id)
        if row is not None and row.get("attempt") == ctx.attempt and row["status"] == "running":
            Lake(ctx.lake_root).transition(row, status="failed", error=error[:2000])
    finally:
        _release(ctx.run_id)


def fail_orchestrated(lake_root: str, orchestrator_run_id: str, error: str) -> list[str]:
    """Mark failed every running run that orchestrator run `orchestrator_run_id` started
    (the Prefect flow run id in the registry); return their run ids."""
    lake = Lake(lake_root)
    runs = lake.runs().filter(
        (pl.col("status") == "running") & (pl.col("prefect_flow_run_id") == orchestrator_run_id)
    )
    failed = []
    for row in runs.iter_rows(named=True):
        if lake.transition(row, status="failed", error=error[:2000]):
            failed.append(row["run_id"])
        _release(row["run_id"])
    return failed


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
