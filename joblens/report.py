"""The summary of one run, read back from the lake: what people see after a run."""

from __future__ import annotations

from typing import Any

import polars as pl

from joblens.lake import Lake
from joblens.schemas import TABLES
from joblens.scoring.features import FACTORS

__all__ = ["summarize", "to_markdown", "top_matches"]


def _rows(lake: Lake, name: str, run_id: str) -> int:
    return int(lake.scan(name).filter(pl.col("run_id") == run_id).select(pl.len()).collect().item())


def top_matches(lake: Lake, run_id: str, *, candidates: int = 2, k: int = 3) -> pl.DataFrame:
    """Return the top `k` matches of the first `candidates` candidates, with job details."""
    matches = lake.scan("matches").filter(pl.col("run_id") == run_id)
    chosen = matches.select("candidate_id").unique().sort("candidate_id").head(candidates).collect()
    jobs = lake.scan("jobs").filter(pl.col("run_id") == run_id)
    return (
        matches.filter(pl.col("candidate_id").is_in(chosen["candidate_id"].implode()))
        .filter(pl.col("rank") <= k)
        .join(
            jobs.select("job_id", "title", "company", "city", "country", "work_mode"),
            on="job_id",
            how="left",
        )
        .sort("candidate_id", "rank")
        .select(
            "candidate_id",
            "rank",
            "score",
            "title",
            "company",
            "city",
            "country",
            "work_mode",
            *FACTORS,
            "matched_skills",
            "missing_skills",
        )
        .collect()
    )


def summarize(lake: Lake, run_id: str) -> dict[str, Any]:
    """Return a JSON-able summary of run `run_id`: rows, quarantine, stage times, examples."""
    quarantine = lake.scan("quarantine").filter(pl.col("run_id") == run_id)
    reasons = (
        quarantine.group_by("stage", "reason")
        .agg(pl.len().alias("rows"))
        .sort("rows", descending=True)
        .collect()
    )
    stages = (
        lake.scan("run_stats")
        .filter(pl.col("run_id") == run_id)
        .select("stage", "rows_in", "rows_out", "rows_quarantined", "seconds", "finished_at")
        .sort("finished_at")
        .drop("finished_at")
        .collect()
    )
    health = (
        lake.scan("source_health")
        .filter(pl.col("run_id") == run_id)
        .select("source", "origins", "records", "parsed", "quarantined", "status", "error")
        .sort("source")
        .collect()
    )
    examples = top_matches(lake, run_id)
    return {
        "run_id": run_id,
        "lake": str(lake.root),
        "duckdb": str(lake.duckdb_path),
        "rows": {name: _rows(lake, name, run_id) for name in TABLES},
        "quarantine": reasons.to_dicts(),
        "stages": stages.to_dicts(),
        "sources": health.to_dicts(),
        "examples": examples.to_dicts(),
    }


def to_markdown(summary: dict[str, Any]) -> str:
    """Render a run summary as Markdown (for the Prefect UI's artifact tab)."""
    lines = [f"# JobLens run `{summary['run_id']}`", "", "## Rows written", ""]
    lines += ["| table | rows |", "|---|---:|"]
    lines += [f"| {t} | {n:,} |" for t, n in summary["rows"].items()]
    lines += ["", "## Quarantined", ""]
    if summary["quarantine"]:
        lines += ["| stage | reason | rows |", "|---|---|---:|"]
        lines += [f"| {q['stage']} | {q['reason']} | {q['rows']} |" for q in summary["quarantine"]]
    else:
        lines.append("Nothing was quarantined.")
    lines += [
        "",
        "## Stages",
        "",
        "| stage | in | out | quarantined | seconds |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {s['stage']} | {s['rows_in']} | {s['rows_out']} | {s['rows_quarantined']} | "
        f"{s['seconds']:.1f} |"
        for s in summary["stages"]
    ]
    lines += ["", f"Query the lake: `duckdb {summary['duckdb']}`"]
    return "\n".join(lines)
