"""Stage: every current candidate against every active job -> gold/matches, job_matches.

Reads: candidates and jobs (current state: whatever runs brought them; jobs only while
active).  Writes: matches (top K per candidate with the per-factor breakdown), job_matches
(the recruiter's direction: each active job's best `scoring.candidates_per_job` candidates,
same breakdown), quarantine (stage score: candidates left without a match), run_stats.

The candidates can be split into parts (contiguous slices in candidate-id order) that score
independently, on one machine or as tasks on a Dask cluster: `plan`, one `score_part` per
part and one `score_jobs` (every candidate, for the job side), then `finish`. A candidate's
matches do not depend on which part it is in, so any split gives the same rows. `score`
runs them in-process.
"""

from __future__ import annotations

import math
import time
from typing import Any

import polars as pl

from joblens.errors import ScoringError
from joblens.scoring import engine, recruiter
from joblens.settings import Settings
from joblens.stages.run import Progress, RunContext, StageReport, quarantine, timed

__all__ = ["READS", "WRITES", "finish", "plan", "score", "score_jobs", "score_part"]

READS = ("candidates", "jobs")
WRITES = ("matches", "job_matches", "quarantine", "run_stats")


def plan(ctx: RunContext, *, per_part: int) -> dict[str, Any]:
    """Return how the run's candidates split into parts of at most `per_part`."""
    if per_part < 1:
        raise ScoringError(f"candidates per part must be >= 1, got {per_part}")
    n = int(ctx.lake.query("SELECT count(*) AS n FROM candidates")["n"][0])
    return {"parts": max(1, math.ceil(n / per_part)), "candidates": n, "started": time.time()}


def _active_jobs(ctx: RunContext) -> tuple[pl.DataFrame, int]:
    jobs = ctx.lake.current("jobs")
    return jobs.filter(pl.col("active")).drop("active"), jobs.height


def score_part(
    ctx: RunContext,
    settings: Settings,
    part: int,
    parts: int,
    *,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Score part `part` of `parts` of the current candidates against every active job and
    write its matches; return what it did (candidates, matched ids, rows, jobs)."""
    if not 0 <= part < parts:
        raise ScoringError(f"part {part} is outside 0..{parts - 1}")
    candidates = ctx.lake.current("candidates")
    lo, hi = part * candidates.height // parts, (part + 1) * candidates.height // parts
    candidates = candidates.slice(lo, hi - lo)
    jobs, known = _active_jobs(ctx)
    rows, matched = 0, set()
    stats = engine.ScoringStats()
    if jobs.height and candidates.height:
        chunks = engine.match(
            candidates,
            jobs,
            settings=settings.scoring,
            now=ctx.started_at,
            progress=progress,
            stats=stats,
        )
        written = ctx.lake.write_parts(
            "matches", chunks, run_id=ctx.run_id, partition={"dt": ctx.dt}, prefix=f"p{part:04d}"
        )
        for chunk in written:
            rows += chunk.height
            matched.update(chunk["candidate_id"].unique().to_list())
    return {
        "part": part,
        "candidates": candidates.height,
        "matched": sorted(matched),
        "rows": rows,
        "pairs_scored": stats.pairs_scored,
        "jobs": jobs.height,
        "inactive_jobs": known - jobs.height,
    }


def score_jobs(
    ctx: RunContext, settings: Settings, *, progress: Progress | None = None
) -> dict[str, Any]:
    """Write every active job's best `scoring.candidates_per_job` current candidates to
    job_matches (the recruiter's direction, exact: scoring/recruiter.py); return what it did."""
    k = settings.scoring.candidates_per_job
    jobs, _ = _active_jobs(ctx)
    candidates = ctx.lake.current("candidates") if k and jobs.height else pl.DataFrame()
    if candidates.is_empty():
        return {"job_match_rows": 0, "jobs_with_candidates": 0}
    stats = engine.ScoringStats()
    frame = recruiter.top_candidates(
        candidates,
        jobs,
        settings=settings.scoring,
        now=ctx.started_at,
        top=k,
        progress=progress,
        stats=stats,
    )
    ctx.lake.write("job_matches", frame, run_id=ctx.run_id, partition={"dt": ctx.dt})
    return {
        "job_match_rows": frame.height,
        "jobs_with_candidates": frame["job_id"].n_unique(),
        "job_pairs_scored": stats.pairs_scored,
    }


def finish(
    ctx: RunContext,
    planned: dict[str, Any],
    results: list[dict[str, Any]],
    job_side: dict[str, Any] | None = None,
) -> StageReport:
    """Account for every candidate (one without a match gets a quarantine row saying why)
    and write the stage's run_stats row; return the stage report. `job_side` is what
    `score_jobs` did."""
    report = StageReport("score")
    # The stage's time is the whole scoring, from the plan to the last part.
    with timed(ctx, report, since=planned["started"]):
        ids = ctx.lake.query("SELECT candidate_id FROM candidates")["candidate_id"]
        matched = {c for r in results for c in r["matched"]}
        jobs = max((r["jobs"] for r in results), default=0)
        reason = "no job passes the candidate's hard filters" if jobs else "no active jobs"
        unmatched = pl.DataFrame({"record_key": ids}).filter(
            ~pl.col("record_key").is_in(list(matched))
        )
        report.rows_quarantined = quarantine(
            ctx,
            "score",
            unmatched.with_columns(source=pl.lit("cv"), reason=pl.lit(reason)),
        )
        report.rows_in = len(ids)
        report.rows_out = len(matched)
        report.detail = {
            "jobs": jobs,
            "inactive_jobs": max((r["inactive_jobs"] for r in results), default=0),
            "pairs": len(ids) * jobs,
            # Ranking scores computed: the place blocks leave out the jobs elsewhere.
            "pairs_scored": sum(r.get("pairs_scored", 0) for r in results),
            "match_rows": sum(r["rows"] for r in results),
            "parts": planned["parts"],
            **(job_side or {}),
        }
    return report


def score(ctx: RunContext, settings: Settings, *, progress: Progress | None = None) -> StageReport:
    """Score every current candidate against every active job in this process (one part)."""
    planned = plan(ctx, per_part=max(1, settings.score.candidates_per_task))
    planned["parts"] = 1
    part = score_part(ctx, settings, 0, 1, progress=progress)
    return finish(ctx, planned, [part], score_jobs(ctx, settings))
