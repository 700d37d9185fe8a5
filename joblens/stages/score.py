"""Stage: every current candidate against every active job -> gold/matches.

Reads: candidates and jobs (current state: whatever runs brought them; jobs only while
active).  Writes: matches (top K per candidate with the per-factor breakdown), quarantine
(stage score: candidates left without a match), run_stats.
"""

from __future__ import annotations

import polars as pl

from joblens.scoring import engine
from joblens.settings import Settings
from joblens.stages.run import Progress, RunContext, StageReport, quarantine, timed

__all__ = ["READS", "WRITES", "score"]

READS = ("candidates", "jobs")
WRITES = ("matches", "quarantine", "run_stats")


def score(ctx: RunContext, settings: Settings, *, progress: Progress | None = None) -> StageReport:
    """Score every current candidate against every active job; write the top K of each.

    A candidate left with no match (no job passes its hard filters, or the lake has no
    active jobs) gets a quarantine row saying so, so every candidate in is accounted for.
    """
    report = StageReport("score")
    with timed(ctx, report):
        lake = ctx.lake
        jobs = lake.current("jobs")
        n_known = jobs.height
        jobs = jobs.filter(pl.col("active")).drop("active")
        candidates = lake.current("candidates")
        rows, matched = 0, set()
        if jobs.height and candidates.height:
            chunks = engine.match(
                candidates, jobs, settings=settings.scoring, now=ctx.started_at, progress=progress
            )
            for i, chunk in enumerate(chunks):
                lake.write("matches", chunk, run_id=ctx.run_id, partition={"dt": ctx.dt}, part=i)
                rows += chunk.height
                matched.update(chunk["candidate_id"].unique().to_list())
        reason = "no job passes the candidate's hard filters" if jobs.height else "no active jobs"
        unmatched = candidates.filter(~pl.col("candidate_id").is_in(list(matched)))
        report.rows_quarantined = quarantine(
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
            "inactive_jobs": n_known - jobs.height,
            "pairs": candidates.height * jobs.height,
            "match_rows": rows,
        }
    return report
