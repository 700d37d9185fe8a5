"""Cheap rules that drop postings before embedding: every dropped row is quarantined with a reason.

Rules, first match wins: a missing title, neither a company nor a URL, a title containing a
reject term (whole words, case-insensitive: "intern" rejects "Intern, Summer 2026" but not
"Internal Tools"). A short or missing description is not a reason to drop a real posting:
a description shorter than `min_description_chars` only turns its description_status to
"short", and the scorer uses what there is.
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl

from joblens.errors import ParseError
from joblens.settings import PrefilterSettings

__all__ = ["STAGE", "apply"]

STAGE = "prefilter"
_RAW_CHARS = 500  # enough of a description to see why it was dropped


def _term_pattern(term: str) -> str:
    # Word edges that also work for terms ending in symbols ("c++", ".net").
    return rf"(?i)(?:^|\W){re.escape(term.strip())}(?:\W|$)"


def _rules(settings: PrefilterSettings) -> list[tuple[pl.Expr, pl.Expr, pl.Expr]]:
    """Return (condition, reason, raw value) per rule, in priority order."""
    title = pl.col("title")
    rules: list[tuple[pl.Expr, pl.Expr, pl.Expr]] = [
        (title.is_null() | (title.str.strip_chars() == ""), pl.lit("title is missing"), title),
        (
            _blank(pl.col("company")) & _blank(pl.col("url")),
            pl.lit("neither a company nor a URL"),
            pl.col("company"),
        ),
    ]
    for term in settings.reject_terms:
        if not term.strip():
            continue
        rules.append(
            (
                title.str.contains(_term_pattern(term)),
                pl.lit(f"title matches reject term {term.strip()!r}"),
                title,
            )
        )
    return rules


def _blank(col: pl.Expr) -> pl.Expr:
    return col.is_null() | (col.str.strip_chars() == "")


def _first_match(rules: list[tuple[pl.Expr, pl.Expr, pl.Expr]], pick: int) -> pl.Expr:
    chain: Any = pl.when(rules[0][0].fill_null(False)).then(rules[0][pick])
    for rule in rules[1:]:
        chain = chain.when(rule[0].fill_null(False)).then(rule[pick])
    return chain.otherwise(None)


def apply(postings: pl.DataFrame, settings: PrefilterSettings) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (kept postings, quarantine rows with stage "prefilter" and a reason each).

    len(kept) + len(quarantine) == len(postings); kept keeps the input's columns and order,
    with description_status "short" where a description is shorter than min_description_chars.
    """
    missing = [
        c for c in ("posting_id", "title", "company", "url", "description") if c not in postings
    ]
    if missing:
        raise ParseError(
            f"prefilter.apply expects silver/postings columns; missing {missing} "
            f"(got {postings.columns})",
            field="columns",
        )
    rules = _rules(settings)
    marked = postings.with_columns(
        _reason=_first_match(rules, 1).cast(pl.String),
        _raw=_first_match(rules, 2).cast(pl.String),
    )
    kept = _with_description_status(
        marked.filter(pl.col("_reason").is_null()).drop("_reason", "_raw"),
        settings.min_description_chars,
    )
    dropped = marked.filter(pl.col("_reason").is_not_null())
    # Columns in joblens.schemas.QUARANTINE order.
    quarantine = dropped.select(
        (pl.col("run_id") if "run_id" in postings else pl.lit(None))
        .cast(pl.String)
        .alias("run_id"),
        pl.lit(STAGE).alias("stage"),
        (pl.col("source") if "source" in postings else pl.lit(None))
        .cast(pl.String)
        .alias("source"),
        pl.col("posting_id").cast(pl.String).alias("record_key"),
        pl.col("_reason").alias("reason"),
        pl.col("_raw").alias("raw"),
    )
    return kept, quarantine


def _with_description_status(kept: pl.DataFrame, min_chars: int) -> pl.DataFrame:
    length = pl.col("description").fill_null("").str.strip_chars().str.len_chars()
    status = (
        pl.col("description_status")
        if "description_status" in kept.columns
        else pl.lit(None, pl.String)
    )
    return kept.with_columns(
        pl.when(length == 0)
        .then(pl.lit("missing"))
        .when(length < min_chars)
        .then(pl.lit("short"))
        .otherwise(pl.coalesce(status, pl.lit("present")))
        .alias("description_status")
    )
