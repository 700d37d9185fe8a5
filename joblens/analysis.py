"""The match-analysis stage: each candidate's best matches explained by an `LLMClient`.

The chosen matches (rank <= top_n) are taken rank first (every candidate's best match
before anyone's second), so a budget that runs out leaves the least useful ones. Answers
the cache holds cost nothing; the rest run on one event loop with at most `concurrency`
requests at the model (an asyncio.Semaphore: simpler and faster than orchestrator-level
limits), and each answer paid for goes to the cache within seconds. Every chosen match ends
in exactly one of: an analysis, a quarantine row with the reason, or a deferred row (the
run's budget was reached). Only a ConfigError (no request can succeed) stops the stage.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from pydantic import ValidationError

from joblens.errors import ConfigError, ParseError
from joblens.llm.budget import Budget
from joblens.llm.cache import AnswerStore
from joblens.llm.client import AnswerFailed, LLMClient, Reply, Request, Usage
from joblens.llm.models import MatchAnalysis
from joblens.schemas import ANALYSES, DEFERRED_ANALYSES, QUARANTINE

__all__ = ["STAGE", "AnalysisOutcome", "analyze", "analyze_async"]

STAGE = "analyze"
_ANALYSIS_COLUMNS = [f.name for f in ANALYSES if f.name not in ("run_id", "matches_run_id")]
_DEFERRED_COLUMNS = [
    f.name for f in DEFERRED_ANALYSES if f.name not in ("run_id", "matches_run_id")
]
Progress = Callable[[int, int], None]


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


def _as_reply(answer: Any) -> Reply:
    """A client's answer as a Reply; a bare dict is truth only once it validates."""
    if isinstance(answer, Reply):
        return answer
    if isinstance(answer, MatchAnalysis):
        return Reply(answer)
    return Reply(MatchAnalysis.model_validate(answer))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return f"invalid analysis: {exc.error_count()} field errors: {exc.errors()[0]['msg']}"
    if isinstance(exc, AnswerFailed):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


class _Run:
    """The state of one stage run: results, counters, the cache buffer."""

    def __init__(
        self,
        client: LLMClient,
        store: AnswerStore | None,
        budget: Budget | None,
        progress: Progress | None,
        flush_every: int,
        flush_seconds: float,
    ) -> None:
        self.client = client
        self.store = store
        self.budget = budget
        self.progress = progress
        self.flush_every = flush_every
        self.flush_seconds = flush_seconds
        self.rows: list[dict[str, Any]] = []
        self.rejected: list[dict[str, Any]] = []
        self.deferred: list[dict[str, Any]] = []
        self.usage = Usage()
        self.cached = 0
        self.done = 0
        self.total = 0
        self._buffer: list[dict[str, Any]] = []
        self._flushed_at = time.monotonic()

    # -- outcomes of one match -----------------------------------------------------------
    def analysed(self, match: Mapping[str, Any], analysis: MatchAnalysis, *, cached: bool) -> None:
        self.rows.append(
            {
                "candidate_id": match["candidate_id"],
                "job_id": match["job_id"],
                "rank": match["rank"],
                "analyzer": self.client.name,
                **analysis.model_dump(),
                "cached": cached,
            }
        )

    def reject(self, match: Mapping[str, Any], reason: str) -> None:
        self.rejected.append(_quarantine(match, self.client, reason))

    def defer(self, match: Mapping[str, Any], reason: str) -> None:
        self.deferred.append(
            {k: match[k] for k in ("candidate_id", "job_id", "rank")} | {"reason": reason}
        )

    def step(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)

    # -- the cache -------------------------------------------------------------------------
    def keep(self, request: Request, status: str, answer: str, usage: Usage) -> None:
        if self.store is None or request.key is None:
            return
        self._buffer.append(
            {
                "cache_key": request.key,
                "analyzer": self.client.name,
                "candidate_id": request.match["candidate_id"],
                "job_id": request.match["job_id"],
                "status": status,
                "answer": answer,
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
            }
        )

    @property
    def flush_due(self) -> bool:
        waited = time.monotonic() - self._flushed_at >= self.flush_seconds
        return bool(self._buffer) and (len(self._buffer) >= self.flush_every or waited)

    async def flush(self) -> None:
        """Write the buffered answers to the store, off the event loop (a Parquet write
        takes milliseconds that the requests in flight should not wait for)."""
        self._flushed_at = time.monotonic()
        if self.store is not None and self._buffer:
            rows, self._buffer = self._buffer, []
            await asyncio.to_thread(self.store.put, rows)

    # -- asking --------------------------------------------------------------------------
    async def ask(self, request: Request, slot: asyncio.Semaphore) -> None:
        """Answer one request, record its outcome; ConfigError propagates."""
        match = request.match
        if self.budget is not None and not self.budget.reserve(request.tokens):
            self.defer(match, self.budget.closed_by or "budget reached")
            return
        used = Usage()
        try:
            reply = _as_reply(await self.client.answer(request, slot))
            used = reply.usage
            self.analysed(match, reply.analysis, cached=False)
            self.keep(request, "ok", reply.analysis.model_dump_json(), used)
        except ConfigError:
            raise
        except AnswerFailed as exc:
            used = exc.usage
            self.reject(match, _reason(exc))
            if exc.cacheable:
                self.keep(request, "invalid", str(exc), used)
        except Exception as exc:  # one pair's failure never sinks the batch
            self.reject(match, _reason(exc))
        finally:
            self.usage += used
            if self.budget is not None:
                self.budget.settle(request.tokens, used)

    def stats(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "analyzer": self.client.name,
            "chosen": self.total,
            "completed": len(self.rows),
            "cached": self.cached,
            "quarantined": len(self.rejected),
            "deferred": len(self.deferred),
            "calls": self.usage.calls,
            "retries": self.usage.retries,
            "prompt_tokens": self.usage.prompt_tokens,
            "completion_tokens": self.usage.completion_tokens,
        }
        if self.budget is not None:
            out["cost_usd"] = round(self.budget.cost, 6)
        return out


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
    flush_every: int = 100,
    flush_seconds: float = 5.0,
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
    run = _Run(client, store, budget, progress, flush_every, flush_seconds)
    run.total = chosen.height

    requests: list[Request] = []
    for match in chosen.iter_rows(named=True):
        candidate = people.get(match["candidate_id"])
        job = roles.get(match["job_id"])
        if candidate is None or job is None:
            side = "candidate" if candidate is None else "job"
            run.reject(match, f"{side} {match[side + '_id']!r} not found")
            run.step()
            continue
        requests.append(client.request(candidate, job, match))

    known = store.get([r.key for r in requests if r.key]) if store is not None else {}
    todo: deque[Request] = deque()
    for request in requests:
        hit = known.get(request.key) if request.key else None
        if hit is None:
            todo.append(request)
            continue
        run.cached += 1
        if hit.analysis is not None:
            run.analysed(request.match, hit.analysis, cached=True)
        else:
            run.reject(request.match, f"cached: {hit.error}")
        run.step()

    slot = asyncio.Semaphore(concurrency)

    stopped: list[ConfigError] = []

    async def worker() -> None:
        # After a ConfigError no new request starts; those in flight finish and are kept.
        while todo and not stopped:
            try:
                await run.ask(todo.popleft(), slot)
            except ConfigError as exc:
                stopped.append(exc)
                return
            run.step()
            if run.flush_due:
                await run.flush()

    # Twice as many workers as slots: while one waits out a backoff, another uses its slot.
    workers = [asyncio.create_task(worker()) for _ in range(min(2 * concurrency, len(todo)))]
    try:
        await asyncio.gather(*workers)
    except BaseException:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        raise
    finally:
        await run.flush()
        await _close(client)
    if stopped:
        raise stopped[0]
    return AnalysisOutcome(
        _analyses_frame(run.rows),
        _quarantine_frame(run.rejected),
        _deferred_frame(run.deferred),
        run.stats(),
    )


async def _close(client: LLMClient) -> None:
    """Close a client's connections on this event loop (they cannot outlive it)."""
    closer = getattr(client, "aclose", None)
    if closer is not None:
        await closer()


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
