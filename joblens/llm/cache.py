"""The answer cache: every LLM answer paid for, kept in the lake's durable `llm_answers`
table by (model, prompt version, hash of the messages), so a rerun, a task retry or the run
after a crash asks nothing it already has.

Answers are written as they arrive, in small files of the running run (a kill loses at most
the last few seconds' answers); the table is durable, so they stay when that run fails.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import polars as pl

from joblens.lake import Lake
from joblens.llm.models import MatchAnalysis

__all__ = ["AnswerStore", "CachedAnswer", "LakeAnswers", "MemoryAnswers"]

TABLE = "llm_answers"


@dataclass(frozen=True)
class CachedAnswer:
    """An answer the cache holds: valid (`analysis`) or invalid twice (`error`)."""

    analysis: MatchAnalysis | None
    error: str | None = None


class AnswerStore(Protocol):
    """Where answers paid for are kept."""

    def get(self, keys: Sequence[str]) -> dict[str, CachedAnswer]:
        """The cached answers of `keys` (absent keys are not in the result)."""
        ...

    def put(self, rows: list[dict[str, Any]]) -> None:
        """Keep `rows` (LLM_ANSWERS columns without run_id) for good."""
        ...


def _decode(status: str, answer: str | None) -> CachedAnswer | None:
    if status == "invalid":
        return CachedAnswer(None, answer or "invalid answer")
    try:
        return CachedAnswer(MatchAnalysis.model_validate_json(answer or ""))
    except ValueError:
        return None  # written by an older model of the answer: ask again


class LakeAnswers:
    """`AnswerStore` over the lake's `llm_answers` table, written by run `run_id`."""

    def __init__(self, lake: Lake, run_id: str) -> None:
        self.lake = lake
        self.run_id = run_id

    def get(self, keys: Sequence[str]) -> dict[str, CachedAnswer]:
        rows = self.lake.lookup(TABLE, "cache_key", keys).sort("answered_at", nulls_last=False)
        found: dict[str, CachedAnswer] = {}
        for row in rows.iter_rows(named=True):  # the latest answer of a key wins
            decoded = _decode(row["status"], row["answer"])
            if decoded is not None:
                found[row["cache_key"]] = decoded
        return found

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

    def get(self, keys: Sequence[str]) -> dict[str, CachedAnswer]:
        found = {}
        for key in keys:
            row = self.rows.get(key)
            decoded = _decode(row["status"], row["answer"]) if row else None
            if decoded is not None:
                found[key] = decoded
        return found

    def put(self, rows: list[dict[str, Any]]) -> None:
        self.rows.update({r["cache_key"]: r for r in rows})
