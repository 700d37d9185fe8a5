"""Stage: this run's postings -> job entities, merged into the lake's state.

Reads: postings (this run), jobs, job_postings and job_aliases (current state).  Writes:
jobs (new versions of every job this run saw), job_postings, quarantine (stage prefilter),
run_stats; the vector pass (`resolve_near_duplicates`) job_aliases, and jobs/job_postings
again when it finds what the keys missed.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping
from datetime import timedelta
from typing import Any

import numpy as np
import polars as pl

from joblens import dedupe, prefilter
from joblens.settings import Settings
from joblens.stages.run import RunContext, StageReport, quarantine, timed

__all__ = ["READS", "WRITES", "resolve_jobs", "resolve_near_duplicates"]

READS = ("postings", "jobs", "job_postings", "job_aliases")
WRITES = ("jobs", "job_postings", "job_aliases", "quarantine", "run_stats")


def resolve_jobs(
    ctx: RunContext,
    settings: Settings,
    *,
    aliases: Mapping[str, tuple[str, str]] | None = None,
    touched: Collection[str] | None = None,
) -> StageReport:
    """Prefilter this run's postings and resolve them into job entities.

    An entity the lake already holds keeps its id, first_seen and provenance and gains this
    sighting; jobs this run did not see keep their current version untouched. A key the
    vector pass aliased (the lake's job_aliases, and this run's `aliases`: key -> (canonical
    key, reason)) resolves to its canonical job. With `touched` (this run's jobs a merge
    changed), only their postings are resolved again and the run's other jobs and links stay
    as written (their rows, vectors included).
    """
    report = StageReport("prefilter+dedupe")
    with timed(ctx, report):
        lake = ctx.lake
        postings = lake.read("postings", run_id=ctx.run_id)
        kept, rejected = prefilter.apply(postings, settings.prefilter)
        if touched is None:
            n_bad = quarantine(ctx, "prefilter", rejected)
        else:  # quarantined by the first pass already
            n_bad = 0
            links_before = lake.read("job_postings", run_id=ctx.run_id)
            again = links_before.filter(pl.col("job_id").is_in(list(touched)))
            kept = kept.filter(pl.col("posting_id").is_in(again.get_column("posting_id")))
        # The lake's jobs an unplaced posting of this run may belong to (same title and
        # company, a city named): read by prefix, so the state is never read whole.
        known_keys = lake.query(
            "SELECT DISTINCT dedupe_key, work_mode FROM jobs WHERE merged_into IS NULL AND "
            "split_part(dedupe_key, '|', 1) || '|' || split_part(dedupe_key, '|', 2) "
            "IN (SELECT unnest(?::VARCHAR[]))",
            [dedupe.unplaced_prefixes(kept)],
        ).rows()
        jaccard = settings.dedupe.description_jaccard

        texts = _run_texts(ctx)

        def known_texts(keys: list[str]) -> list[tuple[str, str | None]]:
            # The lake's openings sharing a key with this run's postings, and their text.
            # Keys first, then the descriptions of only those jobs: the current view's
            # window then carries no description it will drop (100k jobs: 0.25 s -> 0.13 s).
            # The run reads the lake as of its start, so a key asked once (the first pass)
            # is not asked again (the pass after a merge).
            wanted = sorted({dedupe.base_key(k) for k in keys})
            missing = [k for k in wanted if k not in texts]
            if missing:
                found = lake.query(
                    "SELECT dedupe_key, description FROM jobs WHERE job_id IN (SELECT job_id "
                    "FROM jobs WHERE merged_into IS NULL AND regexp_replace(dedupe_key, "
                    "'~[0-9]+$', '') IN (SELECT unnest(?::VARCHAR[])))",
                    [missing],
                ).rows()
                texts.update({k: [] for k in missing})
                for key, text in found:
                    texts[dedupe.base_key(key)].append((key, text))
            return [row for k in wanted for row in texts[k]]

        known_aliases = {
            key: (canonical, reason or "")
            for key, canonical, reason in lake.query(
                "SELECT dedupe_key, canonical_key, reason FROM job_aliases "
                "WHERE canonical_key <> dedupe_key"
            ).rows()
        }
        fresh, assigned = dedupe.entities(
            kept,
            known_keys,
            known_texts=known_texts,
            jaccard=jaccard,
            aliases={**known_aliases, **(aliases or {})},
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
        if touched is not None:
            jobs, links = _patched(ctx, jobs, links, set(touched), links_before)
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


_TEXTS: OrderedDict[str, dict[str, list[tuple[str, str | None]]]] = OrderedDict()


def _run_texts(ctx: RunContext) -> dict[str, list[tuple[str, str | None]]]:
    """The lake's job descriptions by base key that this run has read (its last runs only)."""
    key = f"{ctx.lake_root}|{ctx.run_id}|{ctx.started_at.isoformat()}"  # a retry reads anew
    if key not in _TEXTS:
        _TEXTS[key] = {}
        while len(_TEXTS) > 2:
            _TEXTS.popitem(last=False)
    return _TEXTS[key]


def _patched(
    ctx: RunContext,
    jobs: pl.DataFrame,
    links: pl.DataFrame,
    touched: set[str],
    links_before: pl.DataFrame,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The run's jobs and links with the `touched` jobs' rows (and those of the jobs they
    became) replaced by the ones just resolved."""
    replaced = touched | set(jobs.get_column("job_id").to_list())
    before = ctx.lake.read("jobs", run_id=ctx.run_id)
    kept = before.filter(~pl.col("job_id").is_in(sorted(replaced)))
    jobs = pl.concat([kept, jobs], how="diagonal_relaxed")
    moved = set(links.get_column("posting_id").to_list())
    others = links_before.filter(~pl.col("posting_id").is_in(sorted(moved)))
    return jobs, pl.concat([others, links], how="diagonal_relaxed")


_NEIGHBOUR_COLUMNS = (
    "job_id, dedupe_key, city, country, lat, lon, work_mode, seniority, salary_currency, "
    "salary_annual_min, salary_annual_max, description, first_seen"
)


def rules_of(settings: Settings) -> dedupe.NearRules:
    """The vector pass's rules from the settings."""
    return dedupe.NearRules(
        cosine=settings.dedupe.vector_cosine,
        title_jaccard=settings.dedupe.title_jaccard,
        description_jaccard=settings.dedupe.near_description_jaccard,
        max_km=settings.dedupe.max_km,
    )


def near_pass(
    ctx: RunContext,
    settings: Settings,
    jobs: pl.DataFrame,
    queried: pl.DataFrame,
    *,
    lake_side: bool = True,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The aliases the guards let through (`dedupe.near_duplicates`) for the `queried` jobs
    (rows of this run's `jobs`, embedded), and the counts. Pairs come from two places:
    within this batch, compared exactly company by company (`dedupe.batch_pairs`); and, when
    the lake held jobs before this run (and `lake_side`), the job index's nearest neighbours
    of each."""
    rules = rules_of(settings)
    empty, _ = dedupe.near_duplicates(pl.DataFrame(), [], rules)
    if queried.is_empty() or rules.cosine >= 1.0:
        return empty, {"merged": 0}
    vectors = np.asarray(queried.get_column("embedding").to_list(), dtype=np.float32)
    asked = queried.get_column("job_id").to_list()
    pairs = dedupe.batch_pairs(
        asked, queried.get_column("dedupe_key").to_list(), vectors, rules.cosine
    )
    search = "batch only"
    earlier = ctx.lake.query("SELECT count(*) AS n FROM jobs").item() if lake_side else 0
    if earlier:
        index = dedupe.JobIndex(ctx.lake.index_dir, nprobes=settings.dedupe.nprobes)
        search = index.ensure_index(min_rows=settings.dedupe.index_min_rows)
        ids, dists = index.search(vectors, settings.dedupe.neighbours + 1)
        pairs += [
            (asked[i], str(ids[i, j]), float(1.0 - dists[i, j]))
            for i in range(len(asked))
            for j in range(ids.shape[1])
            if ids[i, j] and ids[i, j] != asked[i] and 1.0 - dists[i, j] >= rules.cosine
        ]
    best: dict[tuple[str, str], float] = {}
    for a, b, cos in pairs:  # a batch pair the index also returned counts once
        best[(a, b)] = max(cos, best.get((a, b), cos))
    pairs = [(a, b, cos) for (a, b), cos in best.items()]
    rows = _pair_rows(ctx, jobs, {other for _, other, _ in pairs}, set(asked))
    aliases, refused = dedupe.near_duplicates(rows, pairs, rules)
    counts = {
        "index": search,
        "lake_jobs": earlier,
        "pairs_checked": len(pairs),
        "merged": aliases.height,
    }
    return aliases, {**counts, "refused": refused}


def alias_map(aliases: pl.DataFrame) -> dict[str, tuple[str, str]]:
    return {
        key: (canonical, reason)
        for key, canonical, reason in aliases.select("dedupe_key", "canonical_key", "reason").rows()
    }


def resolve_near_duplicates(
    ctx: RunContext, settings: Settings, reembed: Callable[[], StageReport]
) -> StageReport:
    """The vector pass: each job first seen in this run is searched in the job index; a
    neighbour within `dedupe.vector_cosine` that every guard lets through is the same
    opening (`dedupe.near_duplicates`). Each merge is recorded in job_aliases with its reason,
    this run's postings are resolved again with the aliases, and `reembed` (the embed stage,
    all cache hits) refreshes the changed jobs' vectors; the merged-away vectors leave the
    index. Runs after the embed stage, since it needs this run's vectors."""
    report = StageReport("near-duplicates")
    with timed(ctx, report):
        jobs = ctx.lake.read("jobs", run_id=ctx.run_id)
        new = jobs.filter(pl.col("first_seen") == ctx.started_at)
        report.rows_in = new.height
        aliases, counts = near_pass(ctx, settings, jobs, new)
        report.rows_out = aliases.height
        report.detail = {"new_jobs": new.height, **counts}
        if aliases.is_empty():
            return report
        ctx.lake.write(
            "job_aliases",
            aliases.with_columns(first_seen=pl.lit(ctx.started_at, pl.Datetime("us", "UTC"))),
            run_id=ctx.run_id,
            partition={"dt": ctx.dt},
        )
        touched = aliases.get_column("job_id").to_list()
        touched += aliases.get_column("canonical_job_id").to_list()
        resolve_jobs(ctx, settings, aliases=alias_map(aliases), touched=touched)
        reembed()
        dedupe.JobIndex(ctx.lake.index_dir).delete(aliases.get_column("job_id").to_list())
    return report


def _pair_rows(
    ctx: RunContext, jobs: pl.DataFrame, neighbours: set[str], asked: set[str]
) -> pl.DataFrame:
    """This run's jobs and the lake's current rows of the neighbours not among them, with
    `new` (one of the `asked`: may become an alias). A neighbour in neither (an index row of
    a failed run) is left out, and so its pairs."""
    cols = [c.strip() for c in _NEIGHBOUR_COLUMNS.split(",")]
    here = jobs.select(cols)
    missing = sorted(neighbours - set(here.get_column("job_id").to_list()))
    known = ctx.lake.query(
        f"SELECT {_NEIGHBOUR_COLUMNS} FROM jobs WHERE job_id IN (SELECT unnest(?::VARCHAR[]))",
        [missing],
    )
    both = pl.concat([here, known.select(cols).cast(here.schema)], how="vertical")  # type: ignore[arg-type]
    return both.with_columns(pl.col("job_id").is_in(sorted(asked)).alias("new"))
