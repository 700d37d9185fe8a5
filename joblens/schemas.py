"""Every lake table's pyarrow schema, in one place: the data catalog of JobLens.

`TABLES` names each table, its layer path under the lake root, its schema, the hive
partition columns it is written with (every table ends in ``run=<run_id>``: one directory
per run, so a run is replaced or removed whole), and what its analysts' view shows as the
current state (`Current`). `lake.py` reads and writes only through it, and the DuckDB views
are made from it. Fields marked ``nullable=False`` are required: a write without them fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pyarrow as pa

from joblens.errors import SchemaError

EMBED_DIM = 384
"""Width of the default model (all-MiniLM-L6-v2). Other models are stored the same way:
the vector column is a variable-length list so a different width does not need a new schema."""

SENIORITY_LEVELS: tuple[str, ...] = ("intern", "junior", "mid", "senior", "lead", "principal")
"""Ordinal seniority scale: the index is the level used for distances."""

WORK_MODES: tuple[str, ...] = ("onsite", "hybrid", "remote")

_TS = pa.timestamp("us", tz="UTC")
_VECTOR = pa.list_(pa.float32())
_STRS = pa.list_(pa.string())
_PLACES = pa.list_(
    pa.struct(
        [
            ("city", pa.string()),
            ("region", pa.string()),
            ("country", pa.string()),
            ("lat", pa.float64()),
            ("lon", pa.float64()),
        ]
    )
)


def _req(name: str, type_: pa.DataType) -> pa.Field:
    """A required column: a lake write whose frame lacks it, or holds a null in it, fails."""
    return pa.field(name, type_, nullable=False)


_RUN_ID = _req("run_id", pa.string())

RAW_POSTINGS = pa.schema(
    [
        _RUN_ID,
        ("source", pa.string()),  # greenhouse, lever, ashby, rss, jobspy, remotive, ...
        ("origin", pa.string()),  # the file or URL the payload came from
        ("record_index", pa.int64()),  # position of the record inside its origin
        ("payload", pa.string()),  # the record as fetched, JSON text (or XML/CSV row as JSON)
        ("fetched_at", _TS),
    ]
)

POSTINGS = pa.schema(
    [
        _RUN_ID,
        _req("posting_id", pa.string()),  # stable: hash of source + native id
        ("source", pa.string()),
        ("origin", pa.string()),  # the file or URL it came from (bronze: the same origin)
        ("record_index", pa.int64()),  # its position there: origin + index -> its bytes
        ("source_posting_id", pa.string()),
        ("url", pa.string()),
        ("title", pa.string()),
        ("company", pa.string()),
        ("location_raw", pa.string()),
        ("city", pa.string()),  # canonical city name, null when unknown
        ("region", pa.string()),
        ("country", pa.string()),  # ISO 3166-1 alpha-2
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("work_mode", pa.string()),  # onsite | hybrid | remote | null (unknown)
        ("places", _PLACES),  # every place a multi-location posting names; city.. = the first
        ("salary_raw", pa.string()),
        ("salary_min", pa.float64()),
        ("salary_max", pa.float64()),
        ("salary_currency", pa.string()),
        ("salary_interval", pa.string()),  # as stated: hour | day | ... | project; null if not
        ("salary_interval_assumed", pa.string()),  # what the annual amounts assume when unstated
        ("salary_annual_min", pa.float64()),
        ("salary_annual_max", pa.float64()),
        ("salary_annual_min_usd", pa.float64()),  # approximate, at the dated rate table
        ("salary_annual_max_usd", pa.float64()),
        ("usd_rates_as_of", pa.string()),  # the rate table's date (normalize/data/usd_rates)
        ("seniority", pa.string()),  # one of SENIORITY_LEVELS or null
        ("skills", _STRS),  # canonical skill ids
        ("description", pa.string()),  # clean plain text; null when the board gave none
        ("description_status", pa.string()),  # present | short | missing
        ("description_chars", pa.int64()),  # its length before the cap (normalize)
        ("posted_at", _TS),
        ("text_hash", pa.string()),
    ]
)

DESCRIPTION_STATUSES: tuple[str, ...] = ("present", "short", "missing")

JOBS = pa.schema(
    [
        _RUN_ID,
        _req("job_id", pa.string()),  # stable: hash of the dedupe key
        ("dedupe_key", pa.string()),
        ("title", pa.string()),
        ("company", pa.string()),
        ("city", pa.string()),
        ("region", pa.string()),
        ("country", pa.string()),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("work_mode", pa.string()),
        ("salary_currency", pa.string()),
        ("salary_annual_min", pa.float64()),
        ("salary_annual_max", pa.float64()),
        ("seniority", pa.string()),
        ("skills", _STRS),
        ("description", pa.string()),
        ("description_status", pa.string()),  # of the representative posting
        ("url", pa.string()),
        ("posting_ids", _STRS),  # every source posting that ever fed the job
        ("sources", _STRS),
        ("n_postings", pa.int32()),
        ("posted_at", _TS),  # earliest date a board gave for any of its postings
        _req("first_seen", _TS),  # the run that first saw the job (its start time)
        _req("last_seen", _TS),  # the latest run that saw it; `active` derives from it
        ("repost_count", pa.int32()),  # times seen again after a gap of repost_gap_days
        ("text_hash", pa.string()),
        ("embedding", _VECTOR),
        ("occupation", pa.string()),  # ESCO occupation URI of the title (joblens.occupations)
        ("isco", pa.string()),  # its ISCO-08 unit group (4 digits, inferred)
        # Set on the last version of a job a rebuild merged into another (that job's id): it
        # is never active again (`joblens dedupe --rebuild`).
        ("merged_into", pa.string()),
    ]
)

JOB_POSTINGS = pa.schema(
    [
        _RUN_ID,
        _req("posting_id", pa.string()),
        _req("job_id", pa.string()),  # the entity the posting resolved to
        ("source", pa.string()),
        ("source_posting_id", pa.string()),
        ("url", pa.string()),
        _req("first_seen", _TS),
        _req("last_seen", _TS),
        # Why the posting is in this job (dedupe.REASON_*): the key matched, attached by its
        # title and company though it names no city, or told apart by its description.
        ("match_reason", pa.string()),
    ]
)

JOB_ALIASES = pa.schema(
    [
        _RUN_ID,
        # A key the vector pass found to be another job's opening under other words: postings
        # with this key resolve to the canonical job from then on (dedupe.near_duplicates).
        _req("dedupe_key", pa.string()),
        _req("job_id", pa.string()),  # the entity the key alone would have made
        _req("canonical_key", pa.string()),
        _req("canonical_job_id", pa.string()),
        ("cosine", pa.float32()),
        ("reason", pa.string()),  # what the guards checked, for the analyst asking why
        _req("first_seen", _TS),
    ]
)

RAW_CVS = pa.schema(
    [
        _RUN_ID,
        ("origin", pa.string()),  # file name
        ("text", pa.string()),
        ("fetched_at", _TS),
    ]
)

CANDIDATES = pa.schema(
    [
        _RUN_ID,
        _req("candidate_id", pa.string()),  # from the file stem
        ("name", pa.string()),
        ("headline", pa.string()),  # the role the candidate is after
        ("location_raw", pa.string()),
        ("city", pa.string()),
        ("region", pa.string()),
        ("country", pa.string()),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("work_modes", _STRS),  # accepted work modes
        ("seniority", pa.string()),
        ("years_experience", pa.float64()),
        ("skills", _STRS),
        ("salary_floor_annual", pa.float64()),
        ("salary_currency", pa.string()),
        ("summary", pa.string()),  # the text that is embedded
        ("text_hash", pa.string()),
        ("embedding", _VECTOR),
        ("occupation", pa.string()),  # ESCO occupation URI of the headline
        ("isco", pa.string()),  # its ISCO-08 unit group (4 digits, inferred)
        ("profile_source", pa.string()),  # rules-v1, or llm:<model>:<prompt version>
    ]
)

MATCHES = pa.schema(
    [
        _RUN_ID,
        ("candidate_id", pa.string()),
        ("job_id", pa.string()),
        ("rank", pa.int32()),  # 1 = best
        ("score", pa.float32()),
        ("semantic", pa.float32()),
        ("skills", pa.float32()),
        ("location", pa.float32()),
        ("seniority", pa.float32()),
        ("salary", pa.float32()),
        ("freshness", pa.float32()),
        ("occupation", pa.float32()),
        ("matched_skills", _STRS),
        ("missing_skills", _STRS),
    ]
)

ANALYSES = pa.schema(
    [
        _RUN_ID,
        ("candidate_id", pa.string()),
        ("job_id", pa.string()),
        ("rank", pa.int32()),
        ("matches_run_id", pa.string()),  # the scoring run whose matches were analyzed
        ("analyzer", pa.string()),  # "rules-v2" or "llm:<model>:<prompt version>"
        ("verdict", pa.string()),  # strong | possible | weak
        ("fit", pa.int32()),  # 0-100
        ("summary", pa.string()),
        ("strengths", _STRS),
        ("gaps", _STRS),
        ("recommendation", pa.string()),  # apply | tailor_cv | skip
        ("cv_changes", _STRS),  # what to add or change in the CV to raise the fit
        ("cached", pa.bool_()),  # the answer came from the answer cache (no call this run)
    ]
)

LLM_ANSWERS = pa.schema(
    [
        _RUN_ID,  # the run that paid for the answer
        _req("cache_key", pa.string()),  # sha256 of (model, prompt version, messages)
        ("analyzer", pa.string()),
        ("candidate_id", pa.string()),  # so that `joblens forget` finds the answer
        ("job_id", pa.string()),
        _req("status", pa.string()),  # ok | invalid (the model answered invalid JSON twice)
        ("answer", pa.string()),  # the validated MatchAnalysis as JSON, or the error
        ("prompt_tokens", pa.int64()),
        ("completion_tokens", pa.int64()),
        ("answered_at", _TS),
    ]
)

DEFERRED_ANALYSES = pa.schema(
    [
        _RUN_ID,
        ("candidate_id", pa.string()),
        ("job_id", pa.string()),
        ("rank", pa.int32()),
        ("matches_run_id", pa.string()),
        ("reason", pa.string()),  # which budget was reached
    ]
)

SOURCE_HEALTH = pa.schema(
    [
        _RUN_ID,
        ("source", pa.string()),  # a live source's label (kind:board), or a file kind
        ("kind", pa.string()),
        ("origins", pa.int32()),  # files read, or URLs answered
        ("requested", pa.int64()),  # files, or HTTP requests (a retry is not a request)
        ("fetched", pa.int64()),  # records that came: fetched = parsed + quarantined
        ("parsed", pa.int64()),
        ("quarantined", pa.int64()),
        ("quarantine_reasons", pa.string()),  # JSON {reason: count}
        ("http_statuses", pa.string()),  # JSON {"200": n, "429": n, "timeout": n}; live only
        ("retries", pa.int64()),
        ("p50_s", pa.float64()),  # request latency; live only
        ("p95_s", pa.float64()),
        ("descriptions", pa.string()),  # JSON {missing, from_lake, fetched, failed, deferred}
        ("seconds", pa.float64()),
        ("status", pa.string()),  # ok | degraded (some rows or URLs failed) | failed (nothing came)
        ("error", pa.string()),
    ]
)

RUN_STATS = pa.schema(
    [
        _RUN_ID,
        ("stage", pa.string()),
        ("rows_in", pa.int64()),
        ("rows_out", pa.int64()),
        ("rows_quarantined", pa.int64()),
        ("seconds", pa.float64()),
        ("finished_at", _TS),
    ]
)

QUARANTINE = pa.schema(
    [
        _RUN_ID,
        ("stage", pa.string()),
        ("source", pa.string()),
        ("record_key", pa.string()),  # posting id, origin#index or candidate id
        ("reason", pa.string()),
        ("raw", pa.string()),
    ]
)


_STAGE_COUNTS = pa.struct(
    [
        ("stage", pa.string()),
        ("rows_in", pa.int64()),
        ("rows_out", pa.int64()),
        ("rows_quarantined", pa.int64()),
        ("seconds", pa.float64()),
        ("detail", pa.string()),  # JSON: what else the stage reported (cache hits, model, ...)
    ]
)

RUNS = pa.schema(
    [
        _RUN_ID,
        _req("flow", pa.string()),  # ingest-jobs | ingest-candidates | score | analyze | pipeline
        ("parent_run_id", pa.string()),  # the pipeline run that started it, if any
        ("prefect_flow_run_id", pa.string()),
        _req("status", pa.string()),  # running | completed | failed
        _req("started", _TS),
        ("finished", _TS),
        ("host", pa.string()),  # hostname and pid namespace of the process that ran it
        ("pid", pa.int64()),
        ("attempt", pa.string()),  # one per begin: a stale writer cannot commit a re-run
        ("stages", pa.list_(_STAGE_COUNTS)),  # the counts of every stage of the run
        ("error", pa.string()),
    ]
)

RUN_STATUSES: tuple[str, ...] = ("running", "completed", "failed")


@dataclass(frozen=True)
class Current:
    """What a table's analysts' view shows as the current state.

    - ``latest``: per `key`, the row of the latest completed run that wrote one (entities).
    - ``flow``: the rows of the latest completed run of `flow` (a scoring run's matches).
    - ``per_flow``: the rows of the latest completed run of each flow (its stats, rejects).
    - ``all``: the rows of every completed run (bronze: payloads as fetched).
    """

    rule: Literal["latest", "flow", "per_flow", "all"]
    key: tuple[str, ...] = ()
    flow: str = ""


@dataclass(frozen=True)
class Table:
    """A named lake table: where it lives, its schema, how it is partitioned, what is current."""

    name: str
    path: str  # relative to the lake root
    schema: pa.Schema
    partitions: tuple[str, ...]  # hive keys before the run directory
    current: Current = field(default_factory=lambda: Current("all"))
    doc: str = ""
    durable: bool = False
    """Rows outlive their run: kept when the run fails or is re-run (answers paid for)."""


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "raw_postings",
            "bronze/raw_postings",
            RAW_POSTINGS,
            ("source", "dt"),
            doc="every record as fetched, per source and run",
        ),
        Table("raw_cvs", "bronze/raw_cvs", RAW_CVS, ("dt",), doc="every CV text as read"),
        Table(
            "postings",
            "silver/postings",
            POSTINGS,
            ("dt",),
            Current("latest", ("posting_id",)),
            "one typed row per source posting, as last seen",
        ),
        Table(
            "jobs",
            "silver/jobs",
            JOBS,
            ("dt",),
            Current("latest", ("job_id",)),
            "job entities; `active` = seen within lake.active_days",
        ),
        Table(
            "job_postings",
            "silver/job_postings",
            JOB_POSTINGS,
            ("dt",),
            Current("latest", ("posting_id",)),
            "which job entity each source posting fed, with its url and first/last seen",
        ),
        Table(
            "job_aliases",
            "silver/job_aliases",
            JOB_ALIASES,
            ("dt",),
            Current("latest", ("dedupe_key",)),
            "keys the vector pass merged into another job, with the reason",
        ),
        Table(
            "candidates",
            "silver/candidates",
            CANDIDATES,
            ("dt",),
            Current("latest", ("candidate_id",)),
            "candidate profiles, upserted by id",
        ),
        Table(
            "matches",
            "gold/matches",
            MATCHES,
            ("dt",),
            Current("flow", flow="score"),
            "top K jobs per candidate of the latest completed scoring run",
        ),
        Table(
            "job_matches",
            "gold/job_matches",
            MATCHES,
            ("dt",),
            Current("flow", flow="score"),
            "top K candidates per active job of the latest completed scoring run "
            "(the recruiter's direction; rank is the candidate's place for the job)",
        ),
        Table(
            "analyses",
            "gold/analyses",
            ANALYSES,
            ("dt",),
            Current("flow", flow="analyze"),
            "analyses of the best matches, latest completed analysis run",
        ),
        Table(
            "deferred_analyses",
            "gold/deferred_analyses",
            DEFERRED_ANALYSES,
            ("dt",),
            Current("flow", flow="analyze"),
            "matches the latest analysis run left for the next one (its budget was reached)",
        ),
        Table(
            "llm_answers",
            "state/llm_answers",
            LLM_ANSWERS,
            (),
            Current("latest", ("cache_key",)),
            "every LLM answer paid for, by cache key: a rerun asks nothing it has",
            durable=True,
        ),
        Table(
            "source_health",
            "gold/source_health",
            SOURCE_HEALTH,
            ("dt",),
            Current("latest", ("source",)),
            "each source's latest health",
        ),
        Table(
            "run_stats",
            "gold/run_stats",
            RUN_STATS,
            ("dt",),
            Current("per_flow"),
            "stage counts and seconds of each flow's latest completed run",
        ),
        Table(
            "quarantine",
            "quarantine",
            QUARANTINE,
            ("stage", "dt"),
            Current("per_flow"),
            "rejected rows with their reason, of each flow's latest completed run",
        ),
        Table("runs", "registry/runs", RUNS, (), doc="the run registry: every run, any status"),
    )
}

DATA_TABLES: tuple[str, ...] = tuple(n for n in TABLES if n != "runs")
"""The tables runs write data into (the registry is bookkeeping about them)."""

RUN_TABLES: tuple[str, ...] = tuple(n for n in DATA_TABLES if not TABLES[n].durable)
"""The tables whose rows go with their run when it fails or is re-run."""


# -- the lake's LanceDB tables (under _index/, opened through lake.connect_index) ------------
EMBEDDING_CACHE = pa.schema(
    [
        pa.field("key", pa.string()),  # embed.cache_key(model, text hash)
        pa.field("vector", _VECTOR),
    ]
)
"""LanceDB table "embedding_cache" (embed.EmbeddingCache): one vector per model and text."""


def job_vectors(dim: int) -> pa.Schema:
    """LanceDB table "jobs" (dedupe.JobIndex): each job entity's vector, `dim` wide (fixed,
    as LanceDB's vector index needs), with `seq`, the time of its upsert in ns (rows past the
    IVF index's marker are compared exactly). Every field is nullable, as LanceDB made the
    tables of earlier versions; `JobIndex.upsert` refuses rows without id or vector."""
    return pa.schema(
        [
            pa.field("job_id", pa.string()),
            pa.field("dedupe_key", pa.string()),
            pa.field("title", pa.string()),
            pa.field("company", pa.string()),
            pa.field("vector", pa.list_(pa.float32(), dim)),
            pa.field("seq", pa.int64()),
        ]
    )


def table(name: str) -> Table:
    """Return the catalog entry for `name`; raises KeyError naming the known tables."""
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown lake table {name!r}; known: {sorted(TABLES)}") from None


def conform(tbl: pa.Table, schema: pa.Schema, *, name: str = "table") -> pa.Table:
    """Return `tbl` with exactly `schema`'s columns, in order, cast.

    Raises SchemaError naming the column: an unknown column, a missing or null required
    one, or a value that does not cast. A missing optional column becomes nulls.
    """
    unknown = [c for c in tbl.column_names if c not in schema.names]
    if unknown:
        raise SchemaError(f"{name}: unknown columns {unknown}; the schema has {schema.names}")
    cols = []
    for fld in schema:
        if fld.name not in tbl.column_names:
            if not fld.nullable:
                raise SchemaError(f"{name}: required column {fld.name!r} is missing")
            cols.append(pa.nulls(tbl.num_rows, type=fld.type))
            continue
        column = tbl.column(fld.name)
        if not fld.nullable and column.null_count:
            raise SchemaError(
                f"{name}: required column {fld.name!r} has {column.null_count} null values"
            )
        try:
            cols.append(column.cast(fld.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise SchemaError(
                f"{name}: column {fld.name!r} is {column.type}, expected {fld.type}: {exc}"
            ) from exc
    return pa.Table.from_arrays(cols, schema=schema)
