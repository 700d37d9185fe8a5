"""The match-analysis stage: each candidate's best matches explained by an `LLMClient`.

The chosen matches (rank <= top_n) are taken rank first (every candidate's best match
before anyone's second), so a budget that runs out leaves the least useful ones, and are
answered by joblens.llm.runner: the cache first, then at most `concurrency` requests at the
model on one event loop (an asyncio.Semaphore: simpler and faster than orchestrator-level
limits). Every chosen match ends in exactly one of: an analysis, a quarantine row with the
reason, or a deferred row (the run's budget was reached). Only a ConfigError (no request
can succeed) stops the stage.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from pydantic import BaseModel

from joblens.errors import ParseError
from joblens.llm.budget import Budget
from joblens.llm.cache import AnswerStore
from joblens.llm.client import LLMClient, Request
from joblens.llm.runner import Progress, answer_all
from joblens.schemas import ANALYSES, DEFERRED_ANALYSES, QUARANTINE

__all__ = ["STAGE", "AnalysisOutcome", "analyze", "analyze_async"]

STAGE = "analyze"
_ANALYSIS_COLUMNS = [f.name for f in ANALYSES if f.name not in ("run_id", "matches_run_id")]
_DEFERRED_COLUMNS = [
    f.name for f in DEFERRED_ANALYSES if f.name not in ("run_id", "matches_run_id")
]


@dataclass
class AnalysisOutcome:
    """What the stage produced: analyses, quarantine and deferred rows, and the counts."""

    analyses: pl.DataFrame
    quarantine: pl.DataFrame
    deferred: pl.DataFrame
    stats: dict[str, Any] = field(default_factory=dict)


def _require(frame: pl.DataFrame, name: str, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ParseError(
            f"analysis.analyze: {name} lacks columns {missing} (got {frame.columns})",
            field=name,
        )


def _by_id(frame: pl.DataFrame, key: str) -> dict[str, dict[str, Any]]:
    return {row[key]: row for row in frame.iter_rows(named=True)}


async def analyze_async(
    matches: pl.DataFrame,
    candidates: pl.DataFrame,
    jobs: pl.DataFrame,
    *,
    client: LLMClient,
    top_n: int,
    concurrency: int = 10,
    store: AnswerStore | None = None,
    budget: Budget | None = None,
    progress: Progress | None = None,
) -> AnalysisOutcome:
    """`analyze` for callers already inside an event loop."""
    if top_n < 1 or concurrency < 1:
        raise ParseError(f"top_n and concurrency must be >= 1, got {top_n} and {concurrency}")
    _require(matches, "matches", ("candidate_id", "job_id", "rank", "score"))
    _require(candidates, "candidates", ("candidate_id",))
    _require(jobs, "jobs", ("job_id",))
    chosen = matches.filter(pl.col("rank") <= top_n).sort(["rank", "candidate_id"])
    # Only the rows the chosen matches name: at design scale that is a few of 100,000 jobs.
    wanted_jobs = chosen["job_id"].unique().implode()
    people = _by_id(candidates.drop("embedding", strict=False), "candidate_id")
    roles = _by_id(
        jobs.filter(pl.col("job_id").is_in(wanted_jobs)).drop("embedding", strict=False), "job_id"
    )
    rows: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    deferred: list[dict[str, Any]] = []
    requests: list[Request] = []
    for match in chosen.iter_rows(named=True):
        candidate = people.get(match["candidate_id"])
        job = roles.get(match["job_id"])
        if candidate is None or job is None:
            side = "candidate" if candidate is None else "job"
            rejected.append(_quarantine(match, client, f"{side} {match[side + '_id']!r} not found"))
            continue
        requests.append(client.request(candidate, job, match))

    batch = await answer_all(
        requests,
        client=client,
        store=store,
        budget=budget,
        concurrency=concurrency,
        progress=progress,
        total=chosen.height,
        done=len(rejected),
    )
    for outcome in batch.outcomes:
        pair = outcome.request.match
        if outcome.answer is not None:
            rows.append(_analysis_row(pair, client, outcome.answer, cached=outcome.cached))
        elif outcome.deferred is not None:
            deferred.append({k: pair[k] for k in ("candidate_id", "job_id", "rank")})
            deferred[-1]["reason"] = outcome.deferred
        else:
            rejected.append(_quarantine(pair, client, outcome.reason or "no answer"))
    stats: dict[str, Any] = {
        "analyzer": client.name,
        "chosen": chosen.height,
        "completed": len(rows),
        "quarantined": len(rejected),
        "deferred": len(deferred),
        **batch.counts(),
    }
    if budget is not None and budget.priced:
        stats["cost_usd"] = round(budget.cost, 6)
    return AnalysisOutcome(
        _analyses_frame(rows), _quarantine_frame(rejected), _deferred_frame(deferred), stats
    )


def _analysis_row(
    match: Mapping[str, Any], client: LLMClient, answer: BaseModel, *, cached: bool
) -> dict[str, Any]:
    return {
        "candidate_id": match["candidate_id"],
        "job_id": match["job_id"],
        "rank": match["rank"],
        "analyzer": client.name,
        **answer.model_dump(),
        "cached": cached,
    }


def analyze(
    matches: pl.DataFrame,
    candidates: pl.DataFrame,
    jobs: pl.DataFrame,
    *,
    client: LLMClient,
    top_n: int,
    concurrency: int = 10,
    store: AnswerStore | None = None,
    budget: Budget | None = None,
    progress: Progress | None = None,
) -> AnalysisOutcome:
    """Analyze each candidate's matches ranked 1..top_n; see the module docstring.

    analyses has joblens.schemas.ANALYSES' columns without run_id and matches_run_id;
    quarantine has QUARANTINE's columns, stage "analyze", record_key
    "<candidate_id>:<job_id>" and the reason; deferred has DEFERRED_ANALYSES' columns.
    Their heights add up to the number of matches ranked <= top_n. Runs its own event
    loop; from async code, await `analyze_async`.
    """
    return asyncio.run(
        analyze_async(
            matches,
            candidates,
            jobs,
            client=client,
            top_n=top_n,
            concurrency=concurrency,
            store=store,
            budget=budget,
            progress=progress,
        )
    )


def _quarantine(match: Mapping[str, Any], client: LLMClient, reason: str) -> dict[str, Any]:
    return {
        "run_id": match.get("run_id"),
        "stage": STAGE,
        "source": client.name,
        "record_key": f"{match['candidate_id']}:{match['job_id']}",
        "reason": reason,
        "raw": json.dumps(
            {k: match.get(k) for k in ("candidate_id", "job_id", "rank", "score")}, default=str
        ),
    }


_TYPES: dict[str, pl.DataType] = {
    "rank": pl.Int32(),
    "fit": pl.Int32(),
    "cached": pl.Boolean(),
    "strengths": pl.List(pl.String()),
    "gaps": pl.List(pl.String()),
    "cv_changes": pl.List(pl.String()),
}


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={name: _TYPES.get(name, pl.String()) for name in columns})


def _analyses_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return _frame(rows, _ANALYSIS_COLUMNS).sort(["candidate_id", "rank"])


def _deferred_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return _frame(rows, _DEFERRED_COLUMNS).sort(["candidate_id", "rank"])


def _quarantine_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={name: pl.String for name in QUARANTINE.names})
