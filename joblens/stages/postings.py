"""Stage: one source kind's files -> bronze/raw_postings and silver/postings.

Reads: files under ``<sources>/<kind>/``.  Writes: raw_postings, postings, quarantine
(stage normalize), source_health, run_stats.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from joblens import normalize, sources
from joblens.errors import SourceError
from joblens.stages.run import RunContext, StageReport, quarantine, timed

__all__ = ["READS", "WRITES", "ingest_source"]

READS: tuple[str, ...] = ()
WRITES = ("raw_postings", "postings", "quarantine", "source_health", "run_stats")


def ingest_source(ctx: RunContext, root: Path, kind: str) -> StageReport:
    """Read every file of one source kind under `root`, land it in bronze, parse it to silver.

    A file that cannot be read is recorded in gold/source_health with its error and the
    source goes on with its other files; a record that cannot be parsed is quarantined.
    """
    report = StageReport(f"ingest:{kind}")
    lake, part = ctx.lake, {"dt": ctx.dt}
    with timed(ctx, report, part=f"ingest-{kind}"):
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
                "origin": [r.origin for r in records],
                "record_index": [r.record_index for r in records],
                "payload": [json.dumps(r.payload, default=str) for r in records],
                "fetched_at": [fetched] * len(records),
            },
            schema_overrides={
                "origin": pl.String,
                "payload": pl.String,
                "record_index": pl.Int64,
                "fetched_at": pl.Datetime("us", "UTC"),
            },
        )
        lake.write(
            "raw_postings", bronze, run_id=ctx.run_id, partition={"source": kind, "dt": ctx.dt}
        )
        postings, rejected = normalize.postings(records, run_id=ctx.run_id)
        lake.write("postings", postings, run_id=ctx.run_id, partition=part, part=kind)
        n_bad = quarantine(ctx, "normalize", rejected, part=kind)
        status = "failed" if errors and not records else "degraded" if errors or n_bad else "ok"
        report.rows_in, report.rows_out, report.rows_quarantined = (
            len(records),
            postings.height,
            n_bad,
        )
        report.detail = {"origins": len(origins), "failed_origins": len(errors), "status": status}
    health = pl.DataFrame(
        {
            "source": [kind],
            "origins": [len(origins)],
            "records": [len(records)],
            "parsed": [postings.height],
            "quarantined": [n_bad],
            "seconds": [report.seconds],
            "status": [status],
            "error": ["; ".join(errors)[:2000] or None],
        }
    )
    lake.write("source_health", health, run_id=ctx.run_id, partition=part, part=kind)
    return report
