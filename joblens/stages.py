"""The pipeline's stages: each reads its inputs from the lake, runs the pure functions of its
domain module, and writes its outputs, quarantine rows and a run_stats row back.

A stage returns a `StageReport` (small, JSON-able) so an orchestrator can pass it along and
show it; the data itself only travels through the lake. Every row a stage takes in leaves it
as an output row or a quarantine row: `rows_in == rows_out + rows_quarantined` unless the
stage says otherwise (dedupe merges postings into fewer jobs and reports both counts).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from joblens import dedupe, normalize, prefilter, profiles, sources
from joblens.analysis import analyze as analyze_matches
from joblens.embed import Embedder, EmbeddingCache, embed_texts
from joblens.errors import JobLensError, SourceError
from joblens.lake import Lake
from joblens.llm.client import LLMClient
from joblens.normalize.text import text_hash
from joblens.scoring import engine
from joblens.settings import Settings

__all__ = [
    "RunContext",
    "StageReport",
    "analyze",
    "dedupe_postings",
    "embed_candidates",
    "embed_jobs",
    "ingest_cvs",
    "ingest_source",
    "new_run_id",
    "score",
]

Progress = Callable[[int, int], None]


def new_run_id(now: datetime | None = None) -> str:
    """Return a sortable run id such as ``20261123T101500Z-3f9a1c``."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{np.random.default_rng().integers(16**6):06x}"


def _run_date(run_id: str) -> str | None:
    try:
        return f"{datetime.strptime(run_id[:16], '%Y%m%dT%H%M%SZ'):%Y-%m-%d}"
    except ValueError:
        return None


@dataclass(frozen=True)
class RunContext:
    """Where and as what one pipeline run writes: lake root, run id, date partition, clock."""

    lake_root: str
    run_id: str
    dt: str
    started_at: datetime

    @classmethod
    def create(cls, lake_root: str, run_id: str | None = None) -> RunContext:
        """Return the context of a new run, or of re-running `run_id`.

        A re-run keeps the date partition of the original run (read from the run id's
        timestamp) so its files replace the first attempt's even after midnight.
        """
        now = datetime.now(UTC)
        run_id = run_id or new_run_id(now)
        return cls(lake_root, run_id, _run_date(run_id) or f"{now:%Y-%m-%d}", now)

    @property
    def lake(self) -> Lake:
        return Lake(self.lake_root)

    def to_dict(self) -> dict[str, str]:
        return {
            "lake_root": self.lake_root,
            "run_id": self.run_id,
            "dt": self.dt,
            "started_at": self.started_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, str]) -> RunContext:
        return cls(d["lake_root"], d["run_id"], d["dt"], datetime.fromisoformat(d["started_at"]))


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
def _timed(ctx: RunContext, report: StageReport, *, part: str | None = None) -> Iterator[None]:
    start = time.perf_counter()
    yield
    report.seconds = round(time.perf_counter() - start, 3)
    row = pl.DataFrame(
        {
            "run_id": [ctx.run_id],
            "stage": [report.stage],
            "rows_in": [report.rows_in],
            "rows_out": [report.rows_out],
            "rows_quarantined": [report.rows_quarantined],
            "seconds": [report.seconds],
            "finished_at": [datetime.now(UTC)],
        }
    )
    ctx.lake.write(
        "run_stats", row, run_id=ctx.run_id, partition={"dt": ctx.dt}, part=part or report.stage
    )


def _quarantine(ctx: RunContext, stage: str, rows: pl.DataFrame, *, part: str | None = None) -> int:
    """Write quarantine rows of `stage` and return how many.

    The file is written even when empty, so a re-run of the run id replaces an earlier
    run's rejects instead of leaving them behind.
    """
    if rows.height:
        rows = rows.with_columns(pl.lit(stage).alias("stage"))
    partition = {"stage": stage, "dt": ctx.dt}
    ctx.lake.write("quarantine", rows, run_id=ctx.run_id, partition=partition, part=part)
    return rows.height


# -- job postings ------------------------------------------------------------------------


def ingest_source(ctx: RunContext, root: Path, kind: str) -> StageReport:
    """Read every file of one source kind under `root`, land it in bronze, parse it to silver.

    A file that cannot be read is recorded in gold/source_health with its error and the
    source goes on with its other files; a record that cannot be parsed is quarantined.
    """
    report = StageReport(f"ingest:{kind}")
    with _timed(ctx, report, part=f"ingest-{kind}"):
        lake, part = ctx.lake, {"dt": ctx.dt}
        records: list[sources.RawRecord] = []
        errors: list[str] = []
        origins = list(sources.iter_origins(root, kind))
        for origin in origins:
            try:
                records.extend(sources.read_origin(kind, origin))
            except SourceError as exc:
                errors.append(str(exc))
        fetched = datetime.now(UTC)
        bronze = pl.DataFrame(
            {
                "run_id": [ctx.run_id] * len(records),
                "origin": [r.origin for r in records],
                "record_index": [r.record_index for r in records],
                "payload": [json.dumps(r.payload, default=str) for r in records],
                "fetched_at": [fetched] * len(records),
            },
            schema_overrides={"record_index": pl.Int64, "fetched_at": pl.Datetime("us", "UTC")},
        )
        lake.write(
            "raw_postings", bronze, run_id=ctx.run_id, partition={"source": kind, "dt": ctx.dt}
        )
        postings, rejected = normalize.postings(records, run_id=ctx.run_id)
        lake.write("postings", postings, run_id=ctx.run_id, partition=part, part=kind)
        n_bad = _quarantine(ctx, "normalize", rejected, part=kind)
        status = "failed" if errors and not records else "degraded" if errors or n_bad else "ok"
        health = pl.DataFrame(
            {
                "run_id": [ctx.run_id],
                "source": [kind],
                "origins": [len(origins)],
                "records": [len(records)],
                "parsed": [postings.height],
                "quarantined": [n_bad],
                "status": [status],
                "error": ["; ".join(errors)[:2000] or None],
            }
        )
        report.rows_in, report.rows_out, report.rows_quarantined = (
            len(records),
            postings.height,
            n_bad,
        )
        report.detail = {"origins": len(origins), "failed_origins": len(errors), "status": status}
    health = health.with_columns(pl.lit(report.seconds).alias("seconds"))
    lake.write("source_health", health, run_id=ctx.run_id, partition=part, part=kind)
    return report


def dedupe_postings(ctx: RunContext, settings: Settings) -> StageReport:
    """Prefilter this run's postings and resolve them into job entities in silver/jobs."""
    report = StageReport("prefilter+dedupe")
    with _timed(ctx, report):
        lake = ctx.lake
        postings = lake.read("postings", run_id=ctx.run_id)
        kept, rejected = prefilter.apply(postings, settings.prefilter)
        n_bad = _quarantine(ctx, "prefilter", rejected)
        jobs = dedupe.resolve(kept)
        lake.write("jobs", jobs, run_id=ctx.run_id, partition={"dt": ctx.dt})
        report.rows_in, report.rows_out, report.rows_quarantined = (
            postings.height,
            jobs.height,
            n_bad,
        )
        report.detail = {"postings_kept": kept.height, "merged": kept.height - jobs.height}
    return report


def _embed_table(
    ctx: RunContext,
    name: str,
    text: pl.Expr,
    embedder: Embedder,
    cache: EmbeddingCache | None,
    progress: Progress | None,
) -> tuple[pl.DataFrame, int]:
    """Embed `text` of every row of this run's `name` table, rewrite it with the vectors."""
    frame = ctx.lake.read(name, run_id=ctx.run_id)
    texts = frame.select(text.fill_null("")).to_series().to_list()
    hashes = [text_hash(t) for t in texts]
    vectors, hits = embed_texts(texts, hashes, embedder=embedder, cache=cache, progress=progress)
    frame = frame.with_columns(
        pl.Series("embedding", vectors.astype(np.float32), dtype=pl.List(pl.Float32))
    )
    ctx.lake.write(name, frame, run_id=ctx.run_id, partition={"dt": ctx.dt})
    return frame, hits


JOB_TEXT = pl.concat_str(
    [pl.col("title"), pl.col("company"), pl.col("description")], separator="\n", ignore_nulls=True
)
"""What a job's embedding is made from: title, company and the cleaned description."""


def embed_jobs(
    ctx: RunContext,
    embedder: Embedder,
    cache: EmbeddingCache | None,
    *,
    progress: Progress | None = None,
) -> StageReport:
    """Embed this run's jobs (cached by text hash) and index their vectors in LanceDB."""
    report = StageReport("embed:jobs")
    with _timed(ctx, report):
        jobs, hits = _embed_table(ctx, "jobs", JOB_TEXT, embedder, cache, progress)
        if jobs.height:  # an empty index cannot be searched; keep the last good one
            dedupe.JobIndex(ctx.lake.index_dir).upsert(jobs)
        report.rows_in = report.rows_out = jobs.height
        report.detail = {"cache_hits": hits, "model": embedder.model_id}
    return report


# -- candidates --------------------------------------------------------------------------


def ingest_cvs(ctx: RunContext, cv_dir: Path) -> StageReport:
    """Land CV files in bronze and parse each into a candidate profile (rules)."""
    report = StageReport("ingest:cvs")
    with _timed(ctx, report):
        if not cv_dir.is_dir():
            raise SourceError(f"CV directory {cv_dir} does not exist (expected <world>/cvs/)")
        files = sorted(p for p in cv_dir.iterdir() if p.suffix in {".txt", ".md"})
        fetched = datetime.now(UTC)
        texts = [p.read_text(encoding="utf-8", errors="replace") for p in files]
        ctx.lake.write(
            "raw_cvs",
            pl.DataFrame(
                {
                    "run_id": [ctx.run_id] * len(files),
                    "origin": [p.name for p in files],
                    "text": texts,
                    "fetched_at": [fetched] * len(files),
                },
                schema_overrides={"fetched_at": pl.Datetime("us", "UTC")},
            ),
            run_id=ctx.run_id,
            partition={"dt": ctx.dt},
        )
        rows: list[dict[str, Any]] = []
        bad: list[dict[str, Any]] = []
        seen: set[str] = set()
        for path, text in zip(files, texts, strict=True):
            if path.stem in seen:  # alice.txt and alice.md: one candidate id, keep the first
                bad.append(_cv_reject(path, "duplicate candidate id (same file stem)", text))
                continue
            seen.add(path.stem)
            try:
                row = profiles.parse(text, candidate_id=path.stem)
            except JobLensError as exc:
                bad.append(_cv_reject(path, str(exc), text))
                continue
            row["text_hash"] = text_hash(str(row.get("summary") or ""))
            rows.append(row)
        candidates = pl.DataFrame(rows, infer_schema_length=None) if rows else pl.DataFrame()
        ctx.lake.write("candidates", candidates, run_id=ctx.run_id, partition={"dt": ctx.dt})
        report.rows_in, report.rows_out = len(files), len(rows)
        report.rows_quarantined = _quarantine(ctx, "profile", pl.DataFrame(bad))
    return report


def _cv_reject(path: Path, reason: str, text: str) -> dict[str, Any]:
    return {"source": "cv", "record_key": path.name, "reason": reason, "raw": text[:4000]}


def embed_candidates(
    ctx: RunContext,
    embedder: Embedder,
    cache: EmbeddingCache | None,
    *,
    progress: Progress | None = None,
) -> StageReport:
    """Embed this run's candidate summaries (cached by text hash)."""
    report = StageReport("embed:candidates")
    with _timed(ctx, report):
        frame, hits = _embed_table(ctx, "candidates", pl.col("summary"), embedder, cache, progress)
        report.rows_in = report.rows_out = frame.height
        report.detail = {"cache_hits": hits, "model": embedder.model_id}
    return report


# -- scoring and analysis ----------------------------------------------------------------


def score(ctx: RunContext, settings: Settings, *, progress: Progress | None = None) -> StageReport:
    """Score every candidate against every job of this run; write the top K per candidate.

    A candidate left with no match (no job passes its hard filters, or the run has no
    jobs) gets a quarantine row saying so, so every candidate in is accounted for.
    """
    report = StageReport("score")
    with _timed(ctx, report):
        lake = ctx.lake
        jobs = lake.read("jobs", run_id=ctx.run_id)
        candidates = lake.read("candidates", run_id=ctx.run_id)
        lake.clear_run("matches", run_id=ctx.run_id, partition={"dt": ctx.dt})
        rows, matched = 0, set()
        if jobs.height and candidates.height:
            chunks = engine.match(
                candidates, jobs, settings=settings.scoring, now=ctx.started_at, progress=progress
            )
            for i, chunk in enumerate(chunks):
                lake.write("matches", chunk, run_id=ctx.run_id, partition={"dt": ctx.dt}, part=i)
                rows += chunk.height
                matched.update(chunk["candidate_id"].unique().to_list())
        reason = "no job passes the candidate's hard filters" if jobs.height else "no jobs"
        unmatched = candidates.filter(~pl.col("candidate_id").is_in(list(matched)))
        report.rows_quarantined = _quarantine(
            ctx,
            "score",
            unmatched.select(
                pl.lit("cv").alias("source"),
                pl.col("candidate_id").alias("record_key"),
                pl.lit(reason).alias("reason"),
            ),
        )
        report.rows_in = candidates.height
        report.rows_out = len(matched)
        report.detail = {
            "jobs": jobs.height,
            "pairs": candidates.height * jobs.height,
            "match_rows": rows,
        }
    return report


def analyze(ctx: RunContext, settings: Settings, client: LLMClient) -> StageReport:
    """Analyze each candidate's best matches with `client`; failures are quarantined."""
    report = StageReport("analyze")
    with _timed(ctx, report):
        lake = ctx.lake
        matches = lake.read("matches", run_id=ctx.run_id)
        analyses, rejected = analyze_matches(
            matches,
            lake.read("candidates", run_id=ctx.run_id),
            lake.read("jobs", run_id=ctx.run_id),
            client=client,
            top_n=settings.llm.top_n,
            concurrency=settings.llm.concurrency,
        )
        lake.write("analyses", analyses, run_id=ctx.run_id, partition={"dt": ctx.dt})
        report.rows_in = matches.filter(pl.col("rank") <= settings.llm.top_n).height
        report.rows_out = analyses.height
        report.rows_quarantined = _quarantine(ctx, "analyze", rejected)
        report.detail = {"analyzer": client.name}
    return report
