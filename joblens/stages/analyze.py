"""Stage: each candidate's best matches of the latest scoring run -> gold/analyses.

Reads: matches (current: the latest completed scoring run), candidates and jobs (current),
the LLM answer cache (state/llm_answers, every run's).
Writes: analyses (each row names the scoring run it analyzed), deferred_analyses (what the
run's budget left for the next run), llm_answers (as answers arrive), quarantine (stage
analyze), run_stats.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from joblens.analysis import analyze as analyze_matches
from joblens.llm import make_budget
from joblens.llm.cache import LakeAnswers
from joblens.llm.client import LLMClient
from joblens.settings import Settings
from joblens.stages.run import RunContext, StageReport, quarantine, timed

__all__ = ["READS", "WRITES", "analyze"]

READS = ("matches", "candidates", "jobs", "llm_answers")
WRITES = ("analyses", "deferred_analyses", "llm_answers", "quarantine", "run_stats")


def analyze(
    ctx: RunContext,
    settings: Settings,
    client: LLMClient,
    progress: Callable[[int, int], None] | None = None,
) -> StageReport:
    """Analyze each candidate's best current matches with `client`; failures are quarantined,
    what the budget leaves is deferred, answers paid for are cached in the lake."""
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
        outcome = analyze_matches(
            matches,
            lake.current("candidates"),
            jobs,
            client=client,
            top_n=settings.llm.top_n,
            concurrency=settings.llm.concurrency,
            store=LakeAnswers(lake, ctx.run_id),
            budget=make_budget(settings.llm),
            progress=progress,
        )
        scoring_run = matches["run_id"][0] if matches.height else None
        stamp = pl.lit(scoring_run, pl.String).alias("matches_run_id")
        partition = {"dt": ctx.dt}
        lake.write(
            "analyses", outcome.analyses.with_columns(stamp), run_id=ctx.run_id, partition=partition
        )
        lake.write(
            "deferred_analyses",
            outcome.deferred.with_columns(stamp),
            run_id=ctx.run_id,
            partition=partition,
        )
        report.rows_in = top.height
        report.rows_out = outcome.analyses.height
        report.rows_quarantined = quarantine(ctx, "analyze", outcome.quarantine)
        report.detail = {**outcome.stats, "matches_run_id": scoring_run}
    return report
