"""Stage: re-resolve every current posting into job entities from scratch, after a change of
model, thresholds or rules, and say what moved (`joblens dedupe --rebuild`).

Reads: postings, jobs, job_postings, job_aliases (current state).  Writes: a new version of
every job (sightings kept: first/last seen from the postings' links), every job_postings
link, job_aliases (the vector pass's new ones; the old ones it no longer finds are cleared;
each retired key points at the job that took its postings), the retired jobs' last version
(`merged_into`), run_stats. The LanceDB job index is rebuilt from this run's vectors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from joblens import dedupe, prefilter
from joblens.settings import Settings
from joblens.stages.jobs import alias_map, near_pass
from joblens.stages.run import RunContext, StageReport, timed

__all__ = ["READS", "WRITES", "rebuild_jobs"]

READS = ("postings", "jobs", "job_postings", "job_aliases")
WRITES = ("jobs", "job_postings", "job_aliases", "run_stats")

_TS = pl.Datetime("us", "UTC")
CLEARED = "cleared by a rebuild: the key is its own job again"


def rebuild_jobs(
    ctx: RunContext, settings: Settings, reembed: Callable[[], StageReport]
) -> StageReport:
    """Resolve every current posting again (keys, then the vector pass over every job) and
    write the result as this run's complete job state; report what moved."""
    report = StageReport("rebuild:jobs")
    with timed(ctx, report):
        lake = ctx.lake
        links_before = lake.query(
            "SELECT posting_id, job_id, first_seen, last_seen FROM job_postings"
        )
        jobs_before = lake.query("SELECT * EXCLUDE (active) FROM jobs WHERE merged_into IS NULL")
        aliases_before = lake.query("SELECT * FROM job_aliases WHERE canonical_key <> dedupe_key")
        kept, _ = prefilter.apply(lake.current("postings"), settings.prefilter)
        report.rows_in = kept.height

        index = dedupe.JobIndex(lake.index_dir)
        index.clear()
        _write_state(ctx, settings, kept, links_before, jobs_before, {})
        reembed()
        jobs = lake.read("jobs", run_id=ctx.run_id)
        # Every job is in this batch: the exact company-by-company pass sees every pair.
        found, counts = near_pass(ctx, settings, jobs, jobs, lake_side=False)
        if found.height:
            _write_state(ctx, settings, kept, links_before, jobs_before, alias_map(found))
            reembed()
            index.delete(found.get_column("job_id").to_list())
        links = lake.read("job_postings", run_id=ctx.run_id)
        jobs = lake.read("jobs", run_id=ctx.run_id)
        retired = _retire(ctx, jobs_before, links_before, links)
        _write_aliases(ctx, found, aliases_before, retired, jobs)
        report.rows_out = jobs.height
        report.detail = {
            **_moved(links_before, links, jobs_before, jobs, retired),
            "vector_pass": counts,
        }
    return report


def _write_state(
    ctx: RunContext,
    settings: Settings,
    kept: pl.DataFrame,
    links_before: pl.DataFrame,
    jobs_before: pl.DataFrame,
    aliases: dict[str, tuple[str, str]],
) -> None:
    """This run's jobs and job_postings: `kept` resolved from scratch (with `aliases`), the
    sightings carried over from the postings' links."""
    fresh, assigned = dedupe.entities(
        kept, jaccard=settings.dedupe.description_jaccard, aliases=aliases
    )
    seen = links_before.select(
        "posting_id", pl.col("first_seen").alias("_first"), pl.col("last_seen").alias("_last")
    )
    now = pl.lit(ctx.started_at, _TS)
    links = (
        assigned.select(
            "posting_id", "job_id", "source", "source_posting_id", "url", "match_reason"
        )
        .join(seen, on="posting_id", how="left")
        .with_columns(
            pl.coalesce("_first", now).alias("first_seen"),
            pl.coalesce("_last", now).alias("last_seen"),
        )
        .drop("_first", "_last")
    )
    reposts = (
        links_before.select("posting_id", pl.col("job_id").alias("_old"))
        .join(jobs_before.select(pl.col("job_id").alias("_old"), "repost_count"), on="_old")
        .join(links.select("posting_id", "job_id"), on="posting_id")
        .group_by("job_id")
        .agg(pl.col("repost_count").max())
    )
    sightings = links.group_by("job_id").agg(pl.col("first_seen").min(), pl.col("last_seen").max())
    jobs = (
        fresh.join(sightings, on="job_id", how="left")
        .join(reposts, on="job_id", how="left")
        .with_columns(pl.col("repost_count").fill_null(0).cast(pl.Int32))
    )
    ctx.lake.write("jobs", jobs, run_id=ctx.run_id, partition={"dt": ctx.dt})
    ctx.lake.write("job_postings", links, run_id=ctx.run_id, partition={"dt": ctx.dt})


def _retire(
    ctx: RunContext, jobs_before: pl.DataFrame, links_before: pl.DataFrame, links: pl.DataFrame
) -> pl.DataFrame:
    """Write the last version of each job the rebuild no longer makes, naming the job that
    holds most of its postings now (null when none of them is current any more); return
    those rows."""
    now_ids = set(links.get_column("job_id").to_list())
    gone = jobs_before.filter(~pl.col("job_id").is_in(sorted(now_ids)))
    if gone.is_empty():
        return gone.with_columns(pl.lit(None, pl.String).alias("merged_into"))
    heirs = (
        links_before.filter(pl.col("job_id").is_in(gone.get_column("job_id").to_list()))
        .select("posting_id", pl.col("job_id").alias("old"))
        .join(links.select("posting_id", pl.col("job_id").alias("heir")), on="posting_id")
        .group_by("old", "heir")
        .len()
        .sort(["old", "len", "heir"], descending=[False, True, False])
        .group_by("old", maintain_order=True)
        .first()
        .select(pl.col("old").alias("job_id"), pl.col("heir").alias("_heir"))
    )
    retired = (
        gone.join(heirs, on="job_id", how="left")
        .with_columns(pl.col("_heir").alias("merged_into"))
        .drop("_heir")
    )
    ctx.lake.write("jobs", retired, run_id=ctx.run_id, partition={"dt": ctx.dt}, part="retired")
    return retired


def _write_aliases(
    ctx: RunContext,
    found: pl.DataFrame,
    before: pl.DataFrame,
    retired: pl.DataFrame,
    jobs: pl.DataFrame,
) -> None:
    """The alias state after a rebuild: what the vector pass found now; each retired key to
    the key of the job that took its postings; the old aliases found no more, cleared."""
    keys = jobs.select(
        pl.col("job_id").alias("merged_into"), pl.col("dedupe_key").alias("canonical_key")
    )
    moved = (
        retired.filter(pl.col("merged_into").is_not_null())
        .join(keys, on="merged_into")
        .select(
            "dedupe_key",
            "job_id",
            "canonical_key",
            pl.col("merged_into").alias("canonical_job_id"),
            pl.lit(None, pl.Float32).alias("cosine"),
            (pl.lit("a rebuild moved this key's postings to ") + pl.col("canonical_key")).alias(
                "reason"
            ),
        )
    )
    taken = set(found.get_column("dedupe_key").to_list()) | set(
        moved.get_column("dedupe_key").to_list()
    )
    cleared = before.filter(~pl.col("dedupe_key").is_in(sorted(taken))).select(
        "dedupe_key",
        "job_id",
        pl.col("dedupe_key").alias("canonical_key"),
        pl.col("job_id").alias("canonical_job_id"),
        pl.lit(None, pl.Float32).alias("cosine"),
        pl.lit(CLEARED).alias("reason"),
    )
    rows = pl.concat(
        [found, moved.filter(~pl.col("dedupe_key").is_in(found["dedupe_key"])), cleared]
    )
    if rows.height:
        ctx.lake.write(
            "job_aliases",
            rows.with_columns(first_seen=pl.lit(ctx.started_at, _TS)),
            run_id=ctx.run_id,
            partition={"dt": ctx.dt},
        )


def _moved(
    links_before: pl.DataFrame,
    links: pl.DataFrame,
    jobs_before: pl.DataFrame,
    jobs: pl.DataFrame,
    retired: pl.DataFrame,
) -> dict[str, Any]:
    """What the rebuild changed: postings now in another job, jobs merged away, jobs new."""
    pairs = links_before.select("posting_id", pl.col("job_id").alias("before")).join(
        links.select("posting_id", pl.col("job_id").alias("after"), "match_reason"),
        on="posting_id",
    )
    moved = pairs.filter(pl.col("before") != pl.col("after"))
    before_ids = set(jobs_before.get_column("job_id").to_list())
    return {
        "postings": links.height,
        "postings_moved": moved.height,
        "jobs_before": len(before_ids),
        "jobs_after": jobs.height,
        "jobs_merged_away": retired.filter(pl.col("merged_into").is_not_null()).height,
        "jobs_retired_without_postings": retired.filter(pl.col("merged_into").is_null()).height,
        "jobs_new": len(set(jobs.get_column("job_id").to_list()) - before_ids),
        "examples": moved.sort("posting_id").head(5).to_dicts(),
    }
