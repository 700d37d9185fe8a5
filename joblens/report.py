"""The summary of one run, read back from the lake: what people see after a run."""

from __future__ import annotations

import html
import re
from typing import Any

import polars as pl

from joblens.lake import Lake
from joblens.schemas import DATA_TABLES
from joblens.scoring.features import FACTORS

__all__ = ["summarize", "to_markdown", "top_matches"]


def _runs_of(lake: Lake, run_id: str) -> list[dict[str, Any]]:
    """Return the registry rows of `run_id` and the runs it started (a pipeline's flows)."""
    runs = lake.runs()
    mine = runs.filter((pl.col("run_id") == run_id) | (pl.col("parent_run_id") == run_id))
    return mine.sort("started").to_dicts()


def _read_runs(lake: Lake, name: str, run_ids: list[str]) -> pl.DataFrame:
    return pl.concat([lake.read(name, run_id=r) for r in run_ids], how="vertical")


def top_matches(lake: Lake, run_id: str, *, candidates: int = 2, k: int = 3) -> pl.DataFrame:
    """Return the top `k` matches of the first `candidates` candidates of scoring run
    `run_id`, with the job's current title, company and place."""
    matches = lake.read("matches", run_id=run_id)
    chosen = matches["candidate_id"].unique().sort().head(candidates)
    top = matches.filter(pl.col("candidate_id").is_in(chosen.implode()) & (pl.col("rank") <= k))
    jobs = lake.query(
        "SELECT job_id, title, company, city, country, work_mode FROM jobs "
        "WHERE job_id IN (SELECT unnest(?::VARCHAR[]))",
        [top["job_id"].unique().to_list()],
    )
    return (
        top.join(jobs, on="job_id", how="left")
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
    )


def summarize(lake: Lake, run_id: str) -> dict[str, Any]:
    """Return a JSON-able summary of run `run_id` and the runs it started: their status,
    rows written per table, quarantine reasons, stage times, sources, example matches."""
    runs = _runs_of(lake, run_id)
    ids = [r["run_id"] for r in runs]
    quarantine = _read_runs(lake, "quarantine", ids)
    reasons = (
        quarantine.group_by("stage", "reason")
        .agg(pl.len().alias("rows"))
        .sort(["rows", "stage", "reason"], descending=[True, False, False])
    )
    stages = (
        _read_runs(lake, "run_stats", ids)
        .sort("finished_at")
        .select("stage", "rows_in", "rows_out", "rows_quarantined", "seconds")
    )
    health = (
        _read_runs(lake, "source_health", ids)
        .select("source", "origins", "fetched", "parsed", "quarantined", "status", "error")
        .sort("source")
    )
    scoring = [r["run_id"] for r in runs if r["flow"] == "score"]
    examples = top_matches(lake, scoring[-1]) if scoring else pl.DataFrame()
    return {
        "run_id": run_id,
        "lake": lake.location,
        "duckdb": str(lake.duckdb_path) if lake.is_local else None,
        "runs": [
            {k: r[k] for k in ("run_id", "flow", "status", "started", "finished", "error")}
            for r in runs
        ],
        "rows": {name: sum(lake.row_count(name, run_id=r) for r in ids) for name in DATA_TABLES},
        "partitions": [p for r in ids for p in lake.run_partitions(r)],
        "lake_uri": lake.uri,
        "quarantine": reasons.to_dicts(),
        "stages": stages.to_dicts(),
        "sources": health.to_dicts(),
        "examples": examples.to_dicts(),
    }


def md_cell(value: Any) -> str:
    """`value` as one Markdown table cell that shows text and never markup: titles and
    errors come from the open web, so HTML is escaped (a renderer shows `<img ...>` as text)
    and so are the characters that would end the cell, start a link or emphasis."""
    if isinstance(value, float):
        return f"{value:.3f}"
    text = html.escape("" if value is None else str(value), quote=False)
    text = " ".join(text.split())
    return re.sub(r"([|\[\]*_`\\])", r"\\\1", text)


def _md_table(rows: list[dict[str, Any]], columns: list[str]) -> list[str]:
    out = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    out += ["| " + " | ".join(md_cell(r.get(c)) for c in columns) + " |" for r in rows]
    return out


def to_markdown(summary: dict[str, Any]) -> str:
    """Render a run summary as Markdown (for the Prefect UI's artifact tab)."""
    lines = [f"# JobLens run `{summary['run_id']}`", ""]
    lines += _md_table(summary["runs"], ["run_id", "flow", "status"])
    lines += ["", "## Rows written", ""]
    lines += _md_table(
        [{"table": t, "rows": f"{n:,}"} for t, n in summary["rows"].items()], ["table", "rows"]
    )
    if summary["sources"]:
        lines += ["", "## Sources", ""]
        lines += _md_table(
            summary["sources"], ["source", "origins", "fetched", "parsed", "quarantined", "status"]
        )
    lines += ["", "## Quarantined", ""]
    if summary["quarantine"]:
        lines += _md_table(summary["quarantine"], ["stage", "reason", "rows"])
    else:
        lines.append("Nothing was quarantined.")
    lines += ["", "## Stages", ""]
    lines += _md_table(
        summary["stages"], ["stage", "rows_in", "rows_out", "rows_quarantined", "seconds"]
    )
    if summary["examples"]:
        lines += ["", "## Top matches of two candidates", ""]
        lines += _md_table(
            summary["examples"], ["candidate_id", "rank", "score", "title", "company", "city"]
        )
    if summary.get("partitions"):
        lines += ["", "## Partitions written", ""]
        lines += [f"- [{p}]({summary['lake_uri']}/{p})" for p in summary["partitions"]]
    lines += [
        "",
        f'Query the lake: `joblens query --lake {summary["lake"]} "FROM runs"`, or DuckDB '
        f"on `{summary['duckdb']}` with `file_search_path` = the lake.",
    ]
    return "\n".join(lines)
