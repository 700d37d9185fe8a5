"""The answer cache: every LLM answer paid for, kept in the lake's durable `llm_answers`
table by (model, prompt version, hash of the messages), so a rerun, a task retry or the run
after a crash asks nothing it already has.

Answers are written as they arrive, in small files of the running run (a kill loses at most
the last few seconds' answers); the table is durable, so they stay when that run fails.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import polars as pl

from joblens.lake import Lake

__all__ = ["AnswerStore", "Cached", "LakeAnswers", "MemoryAnswers"]

TABLE = "llm_answers"

Cached = tuple[str, str | None]
"""A cached answer: (status, JSON text): "ok" and the answer, or "invalid" and the error."""


class AnswerStore(Protocol):
    """Where answers paid for are kept."""

    def get(self, keys: Sequence[str]) -> dict[str, Cached]:
        """The cached answers of `keys` (absent keys are not in the result)."""
        ...

    def put(self, rows: list[dict[str, Any]]) -> None:
        """Keep `rows` (LLM_ANSWERS columns without run_id) for good."""
        ...


class LakeAnswers:
    """`AnswerStore` over the lake's `llm_answers` table, written by run `run_id`."""

    def __init__(self, lake: Lake, run_id: str) -> None:
        self.lake = lake
        self.run_id = run_id

    def get(self, keys: Sequence[str]) -> dict[str, Cached]:
        rows = self.lake.lookup(TABLE, "cache_key", keys).sort("answered_at", nulls_last=False)
        # The latest answer of a key wins.
        return {r["cache_key"]: (r["status"], r["answer"]) for r in rows.iter_rows(named=True)}

    def put(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        frame = pl.DataFrame(rows).with_columns(
            pl.lit(datetime.now(UTC)).dt.cast_time_unit("us").alias("answered_at")
        )
        self.lake.write(
            TABLE, frame, run_id=self.run_id, partition={}, part=f"part-{uuid.uuid4().hex}"
        )


class MemoryAnswers:
    """`AnswerStore` in a dict, for callers without a lake."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}

    def get(self, keys: Sequence[str]) -> dict[str, Cached]:
        hits = (self.rows.get(key) for key in keys)
        return {r["cache_key"]: (r["status"], r["answer"]) for r in hits if r is not None}

    def put(self, rows: list[dict[str, Any]]) -> None:
        self.rows.update({r["cache_key"]: r for r in rows})
