"""Answering many LLM requests well: the answer cache first, then the rest in the caller's
order with at most `concurrency` at the model, within the run's budget, each answer paid
for written to the cache within seconds. Every request ends in exactly one `Outcome`: an
answer (fresh or cached), a reason it has none (quarantine), or the budget that deferred
it. Only a ConfigError (no request can succeed) stops the batch: no new request starts,
those in flight finish and their answers are kept, then it is raised.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError

from joblens.errors import ConfigError
from joblens.llm.budget import Budget
from joblens.llm.cache import AnswerStore
from joblens.llm.client import AnswerFailed, Reply, Request, Usage

__all__ = ["Answerer", "Batch", "Outcome", "Progress", "answer_all"]

Progress = Callable[[int, int], None]


class Answerer(Protocol):
    """What the runner needs of a client: its name (for the cache) and `answer`."""

    @property
    def name(self) -> str: ...

    async def answer(self, request: Request, slot: asyncio.Semaphore) -> Reply: ...


@dataclass
class Outcome:
    """How one request ended."""

    request: Request
    answer: BaseModel | None = None
    reason: str | None = None  # no answer: why (a quarantine row's reason)
    deferred: str | None = None  # not asked: the budget that was reached
    cached: bool = False


@dataclass
class Batch:
    """Every request's outcome, in the order given, and what asking took."""

    outcomes: list[Outcome]
    usage: Usage
    cached: int

    def counts(self) -> dict[str, int]:
        """Answers from the cache, calls, retries and tokens, for a stage's report."""
        return {
            "cached": self.cached,
            "calls": self.usage.calls,
            "retries": self.usage.retries,
            "prompt_tokens": self.usage.prompt_tokens,
            "completion_tokens": self.usage.completion_tokens,
        }


def _as_reply(answer: Any, schema: type[BaseModel]) -> Reply:
    """A client's answer as a Reply; a bare dict is truth only once it validates."""
    if isinstance(answer, Reply):
        return answer
    if isinstance(answer, schema):
        return Reply(answer)
    return Reply(schema.model_validate(answer))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return f"invalid answer: {exc.error_count()} field errors: {exc.errors()[0]['msg']}"
    if isinstance(exc, AnswerFailed):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


class _Asking:
    """The state of one batch: counters, the cache buffer, progress."""

    def __init__(
        self,
        client: Answerer,
        store: AnswerStore | None,
        budget: Budget | None,
        progress: Progress | None,
        total: int,
        done: int,
    ) -> None:
        self.client = client
        self.store = store
        self.budget = budget
        self.progress = progress
        self.total = total
        self.done = done
        self.usage = Usage()
        self.flush_every = 100
        self.flush_seconds = 5.0
        self._buffer: list[dict[str, Any]] = []
        self._flushed_at = time.monotonic()

    def step(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)

    def keep(self, request: Request, status: str, answer: str, usage: Usage) -> None:
        if self.store is None or request.key is None:
            return
        self._buffer.append(
            {
                "cache_key": request.key,
                "analyzer": self.client.name,
                "candidate_id": request.match.get("candidate_id"),
                "job_id": request.match.get("job_id"),
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

    async def ask(self, outcome: Outcome, slot: asyncio.Semaphore) -> None:
        """Answer one request into `outcome`; ConfigError propagates."""
        request = outcome.request
        if self.budget is not None and not self.budget.reserve(request.tokens):
            outcome.deferred = self.budget.closed_by or "budget reached"
            return
        used = Usage()
        try:
            reply = _as_reply(await self.client.answer(request, slot), request.schema)
            used = reply.usage
            outcome.answer = reply.analysis
            self.keep(request, "ok", reply.analysis.model_dump_json(), used)
        except ConfigError:
            raise
        except AnswerFailed as exc:
            used = exc.usage
            outcome.reason = _reason(exc)
            if exc.cacheable:
                self.keep(request, "invalid", str(exc), used)
        except Exception as exc:  # one request's failure never sinks the batch
            outcome.reason = _reason(exc)
        finally:
            self.usage += used
            if self.budget is not None:
                self.budget.settle(request.tokens, used)


def _from_cache(outcome: Outcome, status: str, answer: str | None) -> bool:
    """Fill `outcome` from a cached answer; False when that answer no longer validates."""
    if status == "invalid":
        outcome.reason = f"cached: {answer or 'invalid answer'}"
    else:
        try:
            outcome.answer = outcome.request.schema.model_validate_json(answer or "")
        except ValueError:
            return False  # written for an older shape of the answer: ask again
    outcome.cached = True
    return True


async def answer_all(
    requests: Sequence[Request],
    *,
    client: Answerer,
    store: AnswerStore | None = None,
    budget: Budget | None = None,
    concurrency: int = 10,
    progress: Progress | None = None,
    total: int | None = None,
    done: int = 0,
) -> Batch:
    """Answer `requests` (see the module docstring). `progress(done, total)` is called
    after each one, counting from `done` of `total` (default: these requests)."""
    outcomes = [Outcome(r) for r in requests]
    asking = _Asking(client, store, budget, progress, total or len(requests), done)
    known = store.get([r.key for r in requests if r.key]) if store is not None else {}
    todo: deque[Outcome] = deque()
    cached = 0
    for outcome in outcomes:
        hit = known.get(outcome.request.key) if outcome.request.key else None
        if hit is not None and _from_cache(outcome, *hit):
            cached += 1
            asking.step()
        else:
            todo.append(outcome)

    slot = asyncio.Semaphore(concurrency)
    stopped: list[ConfigError] = []

    async def worker() -> None:
        while todo and not stopped:
            try:
                await asking.ask(todo.popleft(), slot)
            except ConfigError as exc:
                stopped.append(exc)
                return
            asking.step()
            if asking.flush_due:
                await asking.flush()

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
        await asking.flush()
        closer = getattr(client, "aclose", None)  # connections cannot outlive this loop
        if closer is not None:
            await closer()
    if stopped:
        raise stopped[0]
    return Batch(outcomes, asking.usage, cached)
