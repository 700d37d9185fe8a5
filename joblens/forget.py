"""The right to erasure: `forget_candidate` removes one candidate from the whole lake.

What it erases, in every run (history included, not only the current state): the raw CV
(bronze/raw_cvs, by file stem), the profile (silver/candidates), the matches of both
directions (gold/matches, gold/job_matches), the analyses (gold), the candidate's quarantine
rows, the embedding cache's vectors of the candidate's texts (LanceDB, compacted so the
vectors leave the disk), and any report page that names the candidate. What it cannot
reach: the CV file in the folder it was read from (the user's own input), and Prefect's
records of past flow runs (their markdown summaries may name the id).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import polars as pl

from joblens.embed import EmbeddingCache, HashingEmbedder, cache_key
from joblens.errors import JobLensError
from joblens.lake import Lake

__all__ = ["forget_candidate"]

_PRECISIONS = ("fp32", "bf16", "fp16")


def _stem(column: str) -> pl.Expr:
    """A file name without its extension: the candidate id its CV gives ("Jane Doe.pdf")."""
    return pl.col(column).str.replace(r"\.[^./]*$", "")


def forget_candidate(lake: Lake, candidate_id: str, model_names: Sequence[str]) -> dict[str, int]:
    """Erase `candidate_id` everywhere in `lake`; return rows removed per place.

    `model_names`: the embedding models whose cached vectors of the candidate's texts go
    too (each at every precision), besides the hashing embedder's. Raises JobLensError when
    the lake holds nothing of that candidate.
    """
    # Ids are file stems ("Jane Doe", "josé"): they are only compared, never made paths.
    if not candidate_id.strip():
        raise JobLensError("forget: a candidate id is needed")
    hashes = (
        lake.read("candidates")
        .filter(pl.col("candidate_id") == candidate_id)["text_hash"]
        .drop_nulls()
        .unique()
        .to_list()
    )
    # The cached vectors first: their keys come from the candidate's rows, erased next, so a
    # forget cut short and run again still finds them.
    model_ids = [HashingEmbedder().model_id] + [
        f"{name}@{precision}" for name in model_names for precision in _PRECISIONS
    ]
    keys = [cache_key(m, h) for m in model_ids for h in hashes]
    cached = EmbeddingCache(lake.index_dir).erase(keys) if keys else 0
    removed = {
        "raw_cvs": lake.erase("raw_cvs", _stem("origin") == candidate_id),
        "candidates": lake.erase("candidates", pl.col("candidate_id") == candidate_id),
        "matches": lake.erase("matches", pl.col("candidate_id") == candidate_id),
        "job_matches": lake.erase("job_matches", pl.col("candidate_id") == candidate_id),
        "analyses": lake.erase("analyses", pl.col("candidate_id") == candidate_id),
        "deferred_analyses": lake.erase(
            "deferred_analyses", pl.col("candidate_id") == candidate_id
        ),
        "llm_answers": lake.erase("llm_answers", pl.col("candidate_id") == candidate_id),
        "quarantine": lake.erase(
            "quarantine",
            (pl.col("record_key") == candidate_id)
            | ((pl.col("source") == "cv") & (_stem("record_key") == candidate_id))
            # an analysis that failed: "<candidate_id>:<job_id>"
            | (
                (pl.col("stage") == "analyze")
                & pl.col("record_key").str.starts_with(f"{candidate_id}:")
            ),
        ),
    }
    removed["embedding_cache"] = cached
    removed["reports"] = _erase_reports(lake, candidate_id)
    if not any(removed.values()):
        raise JobLensError(f"candidate {candidate_id!r} is not in the lake at {lake.location}")
    return removed


def _erase_reports(lake: Lake, candidate_id: str) -> int:
    if not lake.is_local:
        return 0
    folder = lake.root / "gold" / "reports"
    gone = 0
    # The id as a whole token of the page ("ola" is not in "nicola"), HTML-escaped as written.
    token = re.compile(rf"(?<![\w-]){re.escape(html.escape(candidate_id))}(?![\w-])")
    for page in sorted(folder.glob("*.html")) if folder.is_dir() else []:
        if token.search(page.read_text(encoding="utf-8", errors="replace")):
            page.unlink()
            gone += 1
    return gone
