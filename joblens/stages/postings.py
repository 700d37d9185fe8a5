"""Stage: board answers -> bronze/raw_postings and silver/postings, from a drop folder's
files (`ingest_files`, one kind at a time) or fetched live (`ingest_live`, every source of
the config at once).

Reads: the files a drop plan assigned to the kind (sources.plan_drop), or the live sources'
answers, and the descriptions already in the lake.  Writes:
raw_postings, postings, quarantine (stage normalize; stage ingest for a file that could
not be read or recognised, one row per file), source_health, run_stats.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from joblens import normalize, sources
from joblens.errors import SourceError
from joblens.settings import FetchSettings, SourceSpec
from joblens.sources import live
from joblens.sources.base import PartialFile
from joblens.stages.run import RunContext, StageReport, quarantine, timed

__all__ = [
    "READS",
    "WRITES",
    "ingest_files",
    "ingest_live",
    "ingest_source",
    "known_descriptions",
    "land",
    "report_unrecognised",
]

READS: tuple[str, ...] = ("postings",)  # descriptions already in the lake (live sources)
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
    with timed(ctx, report, part=f"ingest-{kind}"):
        records: list[sources.RawRecord] = []
        errors: list[str] = []
        bad_files: list[dict[str, str]] = []
        origins = [Path(p) for p in paths]
        for origin in origins:
            try:
                records.extend(sources.read_origin(kind, origin))
            except PartialFile as exc:  # one quarantine row for the cut, the records kept
                records.extend(exc.records)
                errors.append(str(exc))
                reason = str(exc).replace(str(origin), "the file")
                bad_files.append({"source": kind, "record_key": str(origin), "reason": reason})
            except SourceError as exc:
                errors.append(str(exc))
                reason = str(exc).replace(str(origin), "the file")  # groups across files
                bad_files.append({"source": kind, "record_key": str(origin), "reason": reason})
        quarantine(ctx, "ingest", pl.DataFrame(bad_files), part=kind)
        postings, rejected = land(ctx, kind, records, datetime.now(UTC))
        status = _status(errors, records, rejected.height)
        report.rows_in, report.rows_out = len(records), postings.height
        report.rows_quarantined = rejected.height
        report.detail = {"origins": len(origins), "failed_origins": len(errors), "status": status}
    health = {
        "source": kind,
        "kind": kind,
        "origins": len(origins),
        "requested": len(origins),
        "fetched": len(records),
        "parsed": postings.height,
        "quarantined": rejected.height,
        "quarantine_reasons": _reasons(rejected),
        "retries": 0,
        "seconds": report.seconds,
        "status": status,
        "error": "; ".join(errors)[:2000] or None,
    }
    _write_health(ctx, [health], part=kind)
    return report


def land(
    ctx: RunContext, kind: str, records: list[sources.RawRecord], fetched: datetime
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Write one kind's records to bronze, normalize them, write postings and quarantine;
    return (postings, quarantined rows)."""
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
    partition = {"source": kind, "dt": ctx.dt}
    ctx.lake.write("raw_postings", bronze, run_id=ctx.run_id, partition=partition)
    postings, rejected = normalize.postings(records, run_id=ctx.run_id, fetched_at=fetched)
    ctx.lake.write("postings", postings, run_id=ctx.run_id, partition={"dt": ctx.dt}, part=kind)
    quarantine(ctx, "normalize", rejected, part=kind)
    return postings, rejected


def ingest_live(
    ctx: RunContext,
    specs: Sequence[SourceSpec],
    settings: FetchSettings,
    *,
    on_done: Callable[[live.LiveResult], None] | None = None,
) -> list[StageReport]:
    """Fetch the live sources concurrently, land each kind's records, report each source.

    Returns one report per source kind landed (stage ``ingest:<kind>``) after a report of
    the fetch itself (stage ``fetch``). A source that fails is one source_health row
    ``failed`` with why; the others land.
    """
    fetch_report = StageReport("fetch")
    with timed(ctx, fetch_report):
        results = asyncio.run(
            live.fetch_all(
                list(specs),
                settings,
                known_descriptions=lambda kind, ids: known_descriptions(ctx, kind, ids),
                on_done=on_done,
            )
        )
        fetch_report.rows_out = sum(len(r.records) for r in results)
        failed = [r.spec.label for r in results if r.status == "failed"]
        fetch_report.detail = {
            "sources": len(results),
            "failed": failed,
            "degraded": [r.spec.label for r in results if r.status == "degraded"],
            "all_failed": bool(results) and len(failed) == len(results),
        }
    reports = [fetch_report]
    rows: list[dict[str, Any]] = []
    for kind in sorted({r.spec.kind for r in results}):
        ours = [r for r in results if r.spec.kind == kind]
        report = StageReport(f"ingest:{kind}")
        with timed(ctx, report, part=f"ingest-{kind}"):
            records = [rec for r in ours for rec in r.records]
            postings, rejected = land(ctx, kind, records, datetime.now(UTC))
            report.rows_in, report.rows_out = len(records), postings.height
            report.rows_quarantined = rejected.height
            report.detail = {"sources": [r.spec.label for r in ours]}
        rows += [_live_health(r, postings, rejected) for r in ours]
        reports.append(report)
    _write_health(ctx, rows, part="live")
    return reports


def known_descriptions(ctx: RunContext, kind: str, ids: list[str]) -> dict[str, str]:
    """The descriptions the lake already holds for these source posting ids of `kind`."""
    if not ids:
        return {}
    found = ctx.lake.query(
        "SELECT source_posting_id, any_value(description) AS description "
        "FROM postings_history WHERE source = ? AND description_status = 'present' "
        "AND source_posting_id IN (SELECT unnest(?)) GROUP BY source_posting_id",
        [kind, ids],
    )
    return dict(zip(found["source_posting_id"], found["description"], strict=True))


def _live_health(
    result: live.LiveResult, postings: pl.DataFrame, rejected: pl.DataFrame
) -> dict[str, Any]:
    """One source's health row: its records' share of the kind's postings and quarantine."""
    origins = {r.origin for r in result.records}
    mine = postings.filter(pl.col("origin").is_in(list(origins)))
    keys = rejected["record_key"].str.replace(r"#\d+$", "") if rejected.height else None
    bad = rejected.filter(keys.is_in(list(origins))) if keys is not None else rejected
    stats = result.stats
    return {
        "source": result.spec.label,
        "kind": result.spec.kind,
        "origins": len(origins),
        "requested": stats.requested,
        "fetched": len(result.records),
        "parsed": mine.height,
        "quarantined": bad.height,
        "quarantine_reasons": _reasons(bad),
        "http_statuses": json.dumps(dict(stats.statuses), sort_keys=True),
        "retries": stats.retries,
        "p50_s": stats.percentile(0.5),
        "p95_s": stats.percentile(0.95),
        "descriptions": json.dumps(result.descriptions, sort_keys=True)
        if result.descriptions
        else None,
        "seconds": round(result.seconds, 3),
        "status": _status(result.errors, result.records, bad.height),
        "error": "; ".join(result.errors)[:2000] or None,
    }


def _status(errors: Sequence[str], records: Sequence[object], rejected: int) -> str:
    """failed: errors and nothing came; degraded: errors or rejected rows; else ok."""
    if errors and not records:
        return "failed"
    return "degraded" if errors or rejected else "ok"


_GOT = re.compile(r"\s*\(got .*\)$", re.S)


def _reasons(rejected: pl.DataFrame) -> str | None:
    """Quarantine reasons counted, as JSON (the raw value each reason quotes left out)."""
    if not rejected.height:
        return None
    counts = Counter(_GOT.sub("", str(reason)) for reason in rejected["reason"])
    return json.dumps(dict(counts.most_common()))


def _write_health(ctx: RunContext, rows: list[dict[str, Any]], *, part: str) -> None:
    if rows:
        frame = pl.DataFrame(rows, infer_schema_length=None)
        ctx.lake.write(
            "source_health", frame, run_id=ctx.run_id, partition={"dt": ctx.dt}, part=part
        )


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
    health = {
        "source": "unrecognised",
        "kind": "unrecognised",
        "origins": len(files),
        "requested": len(files),
        "fetched": 0,
        "parsed": 0,
        "quarantined": len(files),
        "quarantine_reasons": json.dumps({"not a board answer JobLens knows": len(files)}),
        "seconds": report.seconds,
        "status": "failed",
        "error": "; ".join(f"{Path(p).name}: {why}" for p, why in files)[:2000],
    }
    _write_health(ctx, [health], part="unrecognised")
    return report
