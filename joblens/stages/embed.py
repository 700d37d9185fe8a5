"""Stage: embeddings of this run's jobs and candidates (cached by model and text hash), and
the ESCO occupation of each job's title and candidate's headline.

Reads: jobs / candidates (this run).  Writes: the same files with their `embedding`,
`occupation` and `isco` columns, the LanceDB job index (_index/), run_stats.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from joblens import dedupe
from joblens.embed import Embedder, EmbeddingCache, embed_texts
from joblens.normalize.text import text_hash
from joblens.occupations import OccupationIndex
from joblens.stages.run import Progress, RunContext, StageReport, timed

__all__ = ["JOB_TEXT", "READS", "WRITES", "embed_candidates", "embed_jobs"]

READS = ("jobs", "candidates")
WRITES = ("jobs", "candidates", "run_stats")

JOB_TEXT = pl.concat_str(
    [pl.col("title"), pl.col("company"), pl.col("description")], separator="\n", ignore_nulls=True
)
"""What a job's embedding is made from: title, company and the cleaned description."""


def _embed_table(
    ctx: RunContext,
    name: str,
    text: pl.Expr,
    embedder: Embedder,
    cache: EmbeddingCache | None,
    progress: Progress | None,
    occupations: tuple[OccupationIndex, str] | None = None,
) -> tuple[pl.DataFrame, int]:
    """Embed `text` of every row of this run's `name` table that has no embedding yet and,
    given (index, title column), find those rows' occupations; rewrite the table with both.
    Return the rows embedded now and the cache hits. (A stage that rewrites some of a run's
    rows, as the vector pass after a merge, leaves the others' vectors in place.)"""
    whole = ctx.lake.read(name, run_id=ctx.run_id)
    done = whole.filter(pl.col("embedding").is_not_null())
    frame = whole.filter(pl.col("embedding").is_null())
    texts = frame.select(text.fill_null("")).to_series().to_list()
    hashes = [text_hash(t) for t in texts]
    vectors, hits = embed_texts(texts, hashes, embedder=embedder, cache=cache, progress=progress)
    frame = frame.with_columns(
        pl.Series("embedding", vectors.astype(np.float32), dtype=pl.List(pl.Float32))
    )
    if occupations is not None and frame.height:
        index, column = occupations

        def encode(titles: Sequence[str]) -> np.ndarray:
            # Title vectors go through the same cache: an unchanged title is never re-embedded.
            found, _ = embed_texts(
                list(titles), [text_hash(t) for t in titles], embedder=embedder, cache=cache
            )
            return found

        assigned = index.assign(frame[column].to_list(), encode=encode)
        frame = frame.with_columns(
            pl.Series("occupation", [u for u, _ in assigned], dtype=pl.String),
            pl.Series("isco", [i for _, i in assigned], dtype=pl.String),
        )
    ctx.lake.write(
        name, pl.concat([done, frame], how="vertical"), run_id=ctx.run_id, partition={"dt": ctx.dt}
    )
    return frame, hits


def embed_jobs(
    ctx: RunContext,
    embedder: Embedder,
    cache: EmbeddingCache | None,
    *,
    progress: Progress | None = None,
    occupations: OccupationIndex | None = None,
) -> StageReport:
    """Embed the jobs this run saw (an unchanged text is a cache hit) and index their vectors;
    with `occupations`, give each job its title's ESCO occupation."""
    report = StageReport("embed:jobs")
    with timed(ctx, report):
        occ = (occupations, "title") if occupations is not None else None
        jobs, hits = _embed_table(ctx, "jobs", JOB_TEXT, embedder, cache, progress, occ)
        if jobs.height:
            dedupe.JobIndex(ctx.lake.index_dir).upsert(jobs)
        report.rows_in = report.rows_out = jobs.height
        report.detail = {"cache_hits": hits, "model": embedder.model_id}
    return report


def embed_candidates(
    ctx: RunContext,
    embedder: Embedder,
    cache: EmbeddingCache | None,
    *,
    progress: Progress | None = None,
    occupations: OccupationIndex | None = None,
) -> StageReport:
    """Embed this run's candidate summaries (cached by text hash); with `occupations`, give
    each candidate its headline's ESCO occupation."""
    report = StageReport("embed:candidates")
    with timed(ctx, report):
        occ = (occupations, "headline") if occupations is not None else None
        frame, hits = _embed_table(
            ctx, "candidates", pl.col("summary"), embedder, cache, progress, occ
        )
        report.rows_in = report.rows_out = frame.height
        report.detail = {"cache_hits": hits, "model": embedder.model_id}
    return report
