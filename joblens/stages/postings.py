"""Stage: one source kind's files -> bronze/raw_postings and silver/postings.

Reads: the files a drop plan assigned to the kind (sources.plan_drop).  Writes:
raw_postings, postings, quarantine (stage normalize; stage ingest for a file that could
not be read or recognised, one row per file), source_health, run_stats.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from joblens import normalize, sources
from joblens.errors import SourceError
from joblens.stages.run import RunContext, StageReport, quarantine, timed

__all__ = ["READS", "WRITES", "ingest_files", "ingest_source", "report_unrecognised"]

READS: tuple[str, ...] = ()
WRITES = ("raw_postings", "postings", "quarantine", "source_health", "run_stats")


def ingest_source(ctx: RunContext, root: Path, kind: str) -> StageReport:
    """`ingest_files` for the files of `kind` in the drop folder `root`."""
    return ingest_files(ctx, kind, sources.plan_drop(root).files.get(kind, []))


def ingest_files(ctx: RunContext, kind: str, paths: Sequence[Path | str]) -> StageReport:
    """Read every file of one source kind, land it in bronze, parse it to silver.

    A file that cannot be read is one quarantine row (stage ingest, its reason) and an error
    in gold/source_health, and the source goes on with its other files; a record that
    cannot be parsed is quarantined.
    """
    report = StageReport(f"ingest:{kind}")
    lake, part = ctx.lake, {"dt": ctx.dt}
    with timed(ctx, report, part=f"ingest-{kind}"):
        records: list[sources.RawRecord] = []
        errors: list[str] = []
        bad_files: list[dict[str, str]] = []
        origins = [Path(p) for p in paths]
        for origin in origins:
            try:
                records.extend(sources.read_origin(kind, origin))
            except SourceError as exc:
                errors.append(str(exc))
                reason = str(exc).replace(str(origin), "the file")  # groups across files
                bad_files.append({"source": kind, "record_key": str(origin), "reason": reason})
        quarantine(ctx, "ingest", pl.DataFrame(bad_files), part=kind)
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
        postings, rejected = normalize.postings(records, run_id=ctx.run_id, fetched_at=fetched)
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


def report_unrecognised(ctx: RunContext, files: Sequence[tuple[str, str]]) -> StageReport:
    """Account for the files of a drop that no parser recognised: one quarantine row each
    (stage ingest, with why) and one source_health row "unrecognised"."""
    report = StageReport("ingest:unrecognised")
    if not files:
        report.detail = {"skipped": True}  # nothing to account for: not shown as a stage
        return report
    with timed(ctx, report, part="ingest-unrecognised"):
        rows = pl.DataFrame(
            {
                "source": ["unrecognised"] * len(files),
                "record_key": [str(path) for path, _ in files],
                "reason": [f"not a board answer JobLens knows: {why}" for _, why in files],
            }
        )
        report.rows_in = len(files)
        report.rows_quarantined = quarantine(ctx, "ingest", rows, part="unrecognised")
    health = pl.DataFrame(
        {
            "source": ["unrecognised"],
            "origins": [len(files)],
            "records": [0],
            "parsed": [0],
            "quarantined": [len(files)],
            "seconds": [report.seconds],
            "status": ["failed"],
            "error": ["; ".join(f"{Path(p).name}: {why}" for p, why in files)[:2000]],
        }
    )
    ctx.lake.write(
        "source_health", health, run_id=ctx.run_id, partition={"dt": ctx.dt}, part="unrecognised"
    )
    return report
