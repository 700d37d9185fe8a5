"""The match-analysis stage: each candidate's best matches explained by an `LLMClient`.

Calls run concurrently on one event loop, at most `concurrency` in flight (an
asyncio.Semaphore: simpler and faster than orchestrator-level limits). A pair whose call
fails or returns an invalid answer becomes a quarantine row with the reason; it is never
written as an analysis.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

import polars as pl
from pydantic import ValidationError

from joblens.errors import ParseError
from joblens.llm.client import LLMClient
from joblens.llm.models import MatchAnalysis
from joblens.schemas import ANALYSES, QUARANTINE

__all__ = ["STAGE", "analyze", "analyze_async"]

STAGE = "analyze"
_ANALYSIS_COLUMNS = [f.name for f in ANALYSES if f.name != "run_id"]


def _require(frame: pl.DataFrame, name: str, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ParseError(
            f"analysis.analyze: {name} lacks columns {missing} (got {frame.columns})",
            field=name,
        )


def _by_id(frame: pl.DataFrame, key: str) -> dict[str, dict[str, Any]]:
    return {row[key]: row for row in frame.iter_rows(named=True)}


async def _one(
    client: LLMClient,
    sem: asyncio.Semaphore,
    candidate: Mapping[str, Any],
    job: Mapping[str, Any],
    match: Mapping[str, Any],
) -> MatchAnalysis:
    async with sem:
        answer: Any = await client.analyze(candidate, job, match)
    # A client may hand back a dict; it is truth only once it validates.
    return answer if isinstance(answer, MatchAnalysis) else MatchAnalysis.model_validate(answer)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return f"invalid analysis: {exc.error_count()} field errors: {exc.errors()[0]['msg']}"
    return f"{type(exc).__name__}: {exc}"


async def analyze_async(
    matches: pl.DataFrame,
    candidates: pl.DataFrame,
    jobs: pl.DataFrame,
    *,
    client: LLMClient,
    top_n: int,
    concurrency: int = 10,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`analyze` for callers already inside an event loop."""
    if top_n < 1 or concurrency < 1:
        raise ParseError(f"top_n and concurrency must be >= 1, got {top_n} and {concurrency}")
    _require(matches, "matches", ("candidate_id", "job_id", "rank", "score"))
    _require(candidates, "candidates", ("candidate_id",))
    _require(jobs, "jobs", ("job_id",))
    chosen = matches.filter(pl.col("rank") <= top_n).sort(["candidate_id", "rank"])
    # Only the rows the chosen matches name: at design scale that is a few of 100,000 jobs.
    wanted_jobs = chosen["job_id"].unique().implode()
    people = _by_id(candidates.drop("embedding", strict=False), "candidate_id")
    roles = _by_id(
        jobs.filter(pl.col("job_id").is_in(wanted_jobs)).drop("embedding", strict=False), "job_id"
    )

    sem = asyncio.Semaphore(concurrency)
    pairs: list[dict[str, Any]] = []
    calls = []
    rejected: list[dict[str, Any]] = []
    for match in chosen.iter_rows(named=True):
        candidate = people.get(match["candidate_id"])
        job = roles.get(match["job_id"])
        if candidate is None or job is None:
            side = "candidate" if candidate is None else "job"
            rejected.append(_quarantine(match, client, f"{side} {match[side + '_id']!r} not found"))
            continue
        pairs.append(match)
        calls.append(_one(client, sem, candidate, job, match))
    results = await asyncio.gather(*calls, return_exceptions=True)

    rows: list[dict[str, Any]] = []
    for match, result in zip(pairs, results, strict=True):
        if isinstance(result, BaseException):
            if not isinstance(result, Exception):
                raise result  # KeyboardInterrupt, CancelledError: not a per-pair failure
            rejected.append(_quarantine(match, client, _reason(result)))
            continue
        rows.append(
            {
                "candidate_id": match["candidate_id"],
                "job_id": match["job_id"],
                "rank": match["rank"],
                "analyzer": client.name,
                **result.model_dump(),
            }
        )
    return _analyses_frame(rows), _quarantine_frame(rejected)


def analyze(
    matches: pl.DataFrame,
    candidates: pl.DataFrame,
    jobs: pl.DataFrame,
    *,
    client: LLMClient,
    top_n: int,
    concurrency: int = 10,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (analyses, quarantine) for each candidate's matches ranked 1..top_n.

    analyses has joblens.schemas.ANALYSES' columns without run_id; quarantine has
    QUARANTINE's columns, stage "analyze", record_key "<candidate_id>:<job_id>" and the
    reason. len(analyses) + len(quarantine) == number of matches ranked <= top_n.
    Runs its own event loop; from async code, await `analyze_async`.
    """
    return asyncio.run(
        analyze_async(
            matches, candidates, jobs, client=client, top_n=top_n, concurrency=concurrency
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


_ANALYSIS_TYPES: dict[str, pl.DataType] = {"rank": pl.Int32(), "strengths": pl.List(pl.String())}
_ANALYSIS_TYPES["gaps"] = _ANALYSIS_TYPES["strengths"]


def _analyses_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = {name: _ANALYSIS_TYPES.get(name, pl.String()) for name in _ANALYSIS_COLUMNS}
    return pl.DataFrame(rows, schema=schema)


def _quarantine_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={name: pl.String for name in QUARANTINE.names})
