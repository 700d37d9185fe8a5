"""Stage: this run's postings -> job entities, merged into the lake's state.

Reads: postings (this run), jobs and job_postings (current state).  Writes: jobs (new
versions of every job this run saw), job_postings, quarantine (stage prefilter), run_stats.
"""

from __future__ import annotations

from datetime import timedelta

from joblens import dedupe, prefilter
from joblens.settings import Settings
from joblens.stages.run import RunContext, StageReport, quarantine, timed

__all__ = ["READS", "WRITES", "resolve_jobs"]

READS = ("postings", "jobs", "job_postings")
WRITES = ("jobs", "job_postings", "quarantine", "run_stats")


def resolve_jobs(ctx: RunContext, settings: Settings) -> StageReport:
    """Prefilter this run's postings and resolve them into job entities.

    An entity the lake already holds keeps its id, first_seen and provenance and gains this
    sighting; jobs this run did not see keep their current version untouched.
    """
    report = StageReport("prefilter+dedupe")
    with timed(ctx, report):
        lake = ctx.lake
        postings = lake.read("postings", run_id=ctx.run_id)
        kept, rejected = prefilter.apply(postings, settings.prefilter)
        n_bad = quarantine(ctx, "prefilter", rejected)
        # The lake's jobs an unplaced posting of this run may belong to (same title and
        # company, a city named): read by prefix, so the state is never read whole.
        known_keys = lake.query(
            "SELECT DISTINCT dedupe_key, work_mode FROM jobs WHERE "
            "split_part(dedupe_key, '|', 1) || '|' || split_part(dedupe_key, '|', 2) "
            "IN (SELECT unnest(?::VARCHAR[]))",
            [dedupe.unplaced_prefixes(kept)],
        ).rows()
        jaccard = settings.dedupe.description_jaccard

        def known_texts(keys: list[str]) -> list[tuple[str, str | None]]:
            # The lake's openings sharing a key with this run's postings, and their text.
            return lake.query(
                "SELECT dedupe_key, description FROM jobs WHERE "
                "regexp_replace(dedupe_key, '~[0-9]+$', '') IN (SELECT unnest(?::VARCHAR[]))",
                [sorted({dedupe.base_key(k) for k in keys})],
            ).rows()

        fresh, assigned = dedupe.entities(
            kept, known_keys, known_texts=known_texts, jaccard=jaccard
        )
        # Only what the merge needs, of only the jobs and postings this run saw: at design
        # scale the rest of the state (embeddings, descriptions) stays on disk.
        known = lake.query(
            "SELECT job_id, first_seen, last_seen, repost_count, posting_ids, sources, "
            "posted_at, city, region, country, lat, lon "
            "FROM jobs WHERE job_id IN (SELECT unnest(?::VARCHAR[]))",
            [fresh["job_id"].to_list()],
        )
        jobs = dedupe.merge(
            fresh,
            known,
            seen_at=ctx.started_at,
            repost_gap=timedelta(days=settings.lake.repost_gap_days),
        )
        linked = lake.query(
            "SELECT posting_id, first_seen FROM job_postings "
            "WHERE posting_id IN (SELECT unnest(?::VARCHAR[]))",
            [kept["posting_id"].to_list()],
        )
        links = dedupe.link(assigned, linked, seen_at=ctx.started_at)
        lake.write("jobs", jobs, run_id=ctx.run_id, partition={"dt": ctx.dt})
        lake.write("job_postings", links, run_id=ctx.run_id, partition={"dt": ctx.dt})
        new = jobs.filter(jobs["first_seen"] == ctx.started_at).height
        report.rows_in, report.rows_out, report.rows_quarantined = (
            postings.height,
            jobs.height,
            n_bad,
        )
        report.detail = {
            "postings_kept": kept.height,
            "merged": kept.height - fresh.height,
            "new_jobs": new,
            "known_jobs": jobs.height - new,
        }
    return report
