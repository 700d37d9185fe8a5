"""Every lake table's pyarrow schema, in one place: the data catalog of JobLens.

`TABLES` names each table, its layer path under the lake root, its schema and the hive
partition columns it is written with. `lake.py` reads and writes only through it, and
the DuckDB views are made from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

EMBED_DIM = 384
"""Width of the default model (all-MiniLM-L6-v2). Other models are stored the same way:
the vector column is a variable-length list so a different width does not need a new schema."""

SENIORITY_LEVELS: tuple[str, ...] = ("intern", "junior", "mid", "senior", "lead", "principal")
"""Ordinal seniority scale: the index is the level used for distances."""

WORK_MODES: tuple[str, ...] = ("onsite", "hybrid", "remote")

_TS = pa.timestamp("us", tz="UTC")
_VECTOR = pa.list_(pa.float32())
_STRS = pa.list_(pa.string())

RAW_POSTINGS = pa.schema(
    [
        ("run_id", pa.string()),
        ("source", pa.string()),  # greenhouse, lever, ashby, rss, jobspy, remotive, ...
        ("origin", pa.string()),  # the file or URL the payload came from
        ("record_index", pa.int64()),  # position of the record inside its origin
        ("payload", pa.string()),  # the record as fetched, JSON text (or XML/CSV row as JSON)
        ("fetched_at", _TS),
    ]
)

POSTINGS = pa.schema(
    [
        ("run_id", pa.string()),
        ("posting_id", pa.string()),  # stable: hash of source + native id
        ("source", pa.string()),
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
        ("salary_raw", pa.string()),
        ("salary_min", pa.float64()),
        ("salary_max", pa.float64()),
        ("salary_currency", pa.string()),
        ("salary_interval", pa.string()),  # hour | day | week | month | year
        ("salary_annual_min", pa.float64()),
        ("salary_annual_max", pa.float64()),
        ("seniority", pa.string()),  # one of SENIORITY_LEVELS or null
        ("skills", _STRS),  # canonical skill ids
        ("description", pa.string()),  # clean plain text
        ("posted_at", _TS),
        ("text_hash", pa.string()),
    ]
)

JOBS = pa.schema(
    [
        ("run_id", pa.string()),
        ("job_id", pa.string()),  # stable: hash of the dedupe key
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
        ("url", pa.string()),
        ("posting_ids", _STRS),
        ("sources", _STRS),
        ("n_postings", pa.int32()),
        ("first_seen", _TS),
        ("last_seen", _TS),
        ("text_hash", pa.string()),
        ("embedding", _VECTOR),
    ]
)

RAW_CVS = pa.schema(
    [
        ("run_id", pa.string()),
        ("origin", pa.string()),  # file name
        ("text", pa.string()),
        ("fetched_at", _TS),
    ]
)

CANDIDATES = pa.schema(
    [
        ("run_id", pa.string()),
        ("candidate_id", pa.string()),  # from the file stem
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
    ]
)

MATCHES = pa.schema(
    [
        ("run_id", pa.string()),
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
        ("matched_skills", _STRS),
        ("missing_skills", _STRS),
    ]
)

ANALYSES = pa.schema(
    [
        ("run_id", pa.string()),
        ("candidate_id", pa.string()),
        ("job_id", pa.string()),
        ("rank", pa.int32()),
        ("analyzer", pa.string()),  # "rules-v1" or "llm:<model>:<prompt version>"
        ("verdict", pa.string()),  # strong | possible | weak
        ("summary", pa.string()),
        ("strengths", _STRS),
        ("gaps", _STRS),
    ]
)

SOURCE_HEALTH = pa.schema(
    [
        ("run_id", pa.string()),
        ("source", pa.string()),
        ("origins", pa.int32()),
        ("records", pa.int64()),
        ("parsed", pa.int64()),
        ("quarantined", pa.int64()),
        ("seconds", pa.float64()),
        ("status", pa.string()),  # ok | degraded | failed
        ("error", pa.string()),
    ]
)

RUN_STATS = pa.schema(
    [
        ("run_id", pa.string()),
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
        ("run_id", pa.string()),
        ("stage", pa.string()),
        ("source", pa.string()),
        ("record_key", pa.string()),  # posting id, origin#index or candidate id
        ("reason", pa.string()),
        ("raw", pa.string()),
    ]
)


@dataclass(frozen=True)
class Table:
    """A named lake table: where it lives, its schema, how it is partitioned."""

    name: str
    path: str  # relative to the lake root
    schema: pa.Schema
    partitions: tuple[str, ...]


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table("raw_postings", "bronze/raw_postings", RAW_POSTINGS, ("source", "dt")),
        Table("raw_cvs", "bronze/raw_cvs", RAW_CVS, ("dt",)),
        Table("postings", "silver/postings", POSTINGS, ("dt",)),
        Table("jobs", "silver/jobs", JOBS, ("dt",)),
        Table("candidates", "silver/candidates", CANDIDATES, ("dt",)),
        Table("matches", "gold/matches", MATCHES, ("dt", "run")),
        Table("analyses", "gold/analyses", ANALYSES, ("dt",)),
        Table("source_health", "gold/source_health", SOURCE_HEALTH, ("dt",)),
        Table("run_stats", "gold/run_stats", RUN_STATS, ("dt",)),
        Table("quarantine", "quarantine", QUARANTINE, ("stage", "dt")),
    )
}


def table(name: str) -> Table:
    """Return the catalog entry for `name`; raises KeyError naming the known tables."""
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown lake table {name!r}; known: {sorted(TABLES)}") from None


def conform(tbl: pa.Table, schema: pa.Schema) -> pa.Table:
    """Return `tbl` with exactly `schema`'s columns, in order, cast; missing columns are null."""
    cols = []
    for field in schema:
        if field.name in tbl.column_names:
            cols.append(tbl.column(field.name).cast(field.type))
        else:
            cols.append(pa.nulls(tbl.num_rows, type=field.type))
    return pa.Table.from_arrays(cols, schema=schema)
