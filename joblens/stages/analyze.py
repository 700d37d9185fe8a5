"""Stage: each candidate's best matches of the latest scoring run -> gold/analyses.

Reads: matches (current: the latest completed scoring run), candidates and jobs (current).
Writes: analyses (each row names the scoring run it analyzed), quarantine (stage analyze),
run_stats.
"""

from __future__ import annotations

import polars as pl

from joblens.analysis import analyze as analyze_matches
from joblens.llm.client import LLMClient
from joblens.settings import Settings
from joblens.stages.run import RunContext, StageReport, quarantine, timed

__all__ = ["READS", "WRITES", "analyze"]

READS = ("matches", "candidates", "jobs")
WRITES = ("analyses", "quarantine", "run_stats")


def analyze(ctx: RunContext, settings: Settings, client: LLMClient) -> StageReport:
    """Analyze each candidate's best current matches with `client`; failures are quarantined."""
    report = StageReport("analyze")
    with timed(ctx, report):
        lake = ctx.lake
        matches = lake.current("matches")
        top = matches.filter(pl.col("rank") <= settings.llm.top_n)
        wanted = top["job_id"].unique().to_list()
        # Only the jobs the chosen matches name: at design scale a few of 100,000.
        jobs = lake.query(
            "SELECT * FROM jobs WHERE job_id IN (SELECT unnest(?::VARCHAR[]))", [wanted]
        )
        analyses, rejected = analyze_matches(
            matches,
            lake.current("candidates"),
            jobs,
            client=client,
            top_n=settings.llm.top_n,
            concurrency=settings.llm.concurrency,
        )
        scoring_run = matches["run_id"][0] if matches.height else None
        analyses = analyses.with_columns(pl.lit(scoring_run, pl.String).alias("matches_run_id"))
        lake.write("analyses", analyses, run_id=ctx.run_id, partition={"dt": ctx.dt})
        report.rows_in = top.height
        report.rows_out = analyses.height
        report.rows_quarantined = quarantine(ctx, "analyze", rejected)
        report.detail = {"analyzer": client.name, "matches_run_id": scoring_run}
    return report
