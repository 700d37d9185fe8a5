"""The HTML report of a run: one self-contained page (inline SVG charts, no scripts, nothing
fetched) that a person opens after a night's run.

Charts: the funnel of every stage, the distribution of match scores, what each factor
contributes to the top matches, source health over the last runs, and salaries by city. Every
string from postings and CVs is escaped: the page shows data, it never runs it.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

import polars as pl

from joblens.errors import LakeError
from joblens.lake import Lake
from joblens.normalize.salary import to_usd
from joblens.report import summarize
from joblens.scoring.features import FACTORS
from joblens.settings import ScoringSettings

__all__ = ["latest_run", "render", "write"]

_BAR = "#3b6ea5"
_PALETTE = ("#3b6ea5", "#e39b3b", "#5a9e5a", "#b0504f", "#8064a2", "#6fa8b5")
_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:13px}td,th{padding:3px 8px;border-bottom:1px solid #eee;
text-align:left}td.n{text-align:right}.ok{color:#2d7a2d}.degraded{color:#b07000}
.failed{color:#b02020}.muted{color:#777}svg text{font:12px system-ui,sans-serif}
"""


def latest_run(lake: Lake) -> str:
    """Return the latest completed pipeline run, else the latest completed run of any flow."""
    runs = lake.runs().filter(pl.col("status") == "completed").sort("finished", descending=True)
    if runs.is_empty():
        raise LakeError(f"no completed run in {lake.location} to report on")
    pipelines = runs.filter(pl.col("flow") == "pipeline")
    return str((pipelines if pipelines.height else runs)["run_id"][0])


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _bars(
    rows: list[tuple[str, float]],
    *,
    fmt: str = "{:,.0f}",
    width: int = 760,
    label_width: int = 220,
) -> str:
    """A horizontal bar chart as inline SVG: one labelled bar per row."""
    if not rows:
        return '<p class="muted">nothing to show</p>'
    top = max(v for _, v in rows) or 1.0
    label_w, h = label_width, 20
    parts = [f'<svg width="{width}" height="{h * len(rows) + 4}" role="img">']
    for i, (label, value) in enumerate(rows):
        y = i * h + 2
        w = max(1.0, (width - label_w - 90) * value / top)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{_e(label[:60])}</text>'
            f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{h - 6}" fill="{_BAR}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 14}">{_e(fmt.format(value))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _histogram(values: list[float], *, bins: int = 20, width: int = 680) -> str:
    if not values:
        return '<p class="muted">no matches</p>'
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, max(0, int(v * bins)))] += 1
    top, height, bar_w = max(counts) or 1, 140, (width - 40) / bins
    parts = [f'<svg width="{width + 20}" height="{height + 30}" role="img">']
    for i, c in enumerate(counts):
        h = height * c / top
        x = 30 + i * bar_w
        parts.append(
            f'<rect x="{x:.1f}" y="{height - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
            f'fill="{_BAR}"><title>{i / bins:.2f}-{(i + 1) / bins:.2f}: {c}</title></rect>'
        )
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = 30 + tick * (width - 40)
        parts.append(f'<text x="{x:.1f}" y="{height + 18}" text-anchor="middle">{tick:.2f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _stacked(rows: list[tuple[str, dict[str, float]]], *, width: int = 640) -> str:
    """One bar per row, split into the factors' shares of the score."""
    if not rows:
        return '<p class="muted">no matches</p>'
    label_w, h = 120, 24
    parts = [f'<svg width="{width}" height="{h * len(rows) + 30}" role="img">']
    for i, (label, shares) in enumerate(rows):
        y, x = i * h, float(label_w)
        parts.append(f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end">{_e(label)}</text>')
        for j, factor in enumerate(FACTORS):
            w = (width - label_w - 10) * shares.get(factor, 0.0)
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{h - 8}" '
                f'fill="{_PALETTE[j % len(_PALETTE)]}"><title>{factor}: '
                f"{shares.get(factor, 0.0):.3f}</title></rect>"
            )
            x += w
    y = h * len(rows) + 16
    for j, factor in enumerate(FACTORS):
        x = label_w + j * 85
        color = _PALETTE[j % len(_PALETTE)]
        parts.append(
            f'<rect x="{x}" y="{y - 10}" width="10" height="10" fill="{color}"/>'
            f'<text x="{x + 14}" y="{y}">{factor}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = []
    for r in rows:
        cells = []
        for c in columns:
            v = r.get(c)
            cls = ' class="n"' if isinstance(v, int | float) else ""
            if c == "status":
                cls = f' class="{_e(v)}"'
            text = f"{v:,.3f}" if isinstance(v, float) else _e(v)
            cells.append(f"<td{cls}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _matches_of(lake: Lake, runs: list[dict[str, Any]]) -> pl.DataFrame:
    scoring = [r["run_id"] for r in runs if r["flow"] == "score"]
    return lake.read("matches", run_id=scoring[-1]) if scoring else lake.current("matches")


def _factor_shares(
    matches: pl.DataFrame, weights: dict[str, float]
) -> list[tuple[str, dict[str, float]]]:
    out = []
    for rank in (1, 2, 3):
        top = matches.filter(pl.col("rank") == rank)
        if top.is_empty():
            continue
        means = top.select(pl.col(list(FACTORS)).mean().fill_null(0.0)).row(0, named=True)
        parts = {f: weights[f] * float(means[f]) for f in FACTORS}
        total = sum(parts.values()) or 1.0
        out.append((f"rank {rank} ({top.height})", {f: v / total for f, v in parts.items()}))
    return out


def render(lake: Lake, run_id: str, *, scoring: ScoringSettings | None = None) -> str:
    """Return the report page of run `run_id` (and the runs it started) as HTML."""
    summary = summarize(lake, run_id)
    scoring = scoring or ScoringSettings()
    weights = {f: float(getattr(scoring, f"w_{f}")) for f in FACTORS}
    matches = _matches_of(lake, summary["runs"])
    funnel = [(f"{s['stage']} in", float(s["rows_in"] or 0)) for s in summary["stages"]]
    stages = _table(
        summary["stages"], ["stage", "rows_in", "rows_out", "rows_quarantined", "seconds"]
    )
    health = lake.query(
        "SELECT h.run_id, h.source, h.fetched, h.parsed, h.quarantined, h.status "
        "FROM source_health_history h JOIN completed_runs c USING (run_id) "
        "ORDER BY c.seq DESC, h.source LIMIT 60"
    )
    salary = lake.query(
        "SELECT city, salary_currency AS currency, count(*) AS jobs, "
        "median(coalesce(salary_annual_max, salary_annual_min)) AS median_annual "
        "FROM jobs WHERE active AND city IS NOT NULL AND salary_currency IS NOT NULL "
        "AND coalesce(salary_annual_max, salary_annual_min) IS NOT NULL "
        "GROUP BY ALL ORDER BY jobs DESC, city LIMIT 15"
    )
    # Bars in US dollars (the scorer's own conversion) so cities compare; labels keep the
    # local currency's median.
    salary_rows = [
        (
            f"{r['city']} ({r['jobs']}): {r['median_annual']:,.0f} {r['currency']}",
            usd,
        )
        for r in salary.iter_rows(named=True)
        if (usd := to_usd(float(r["median_annual"]), r["currency"])) is not None
    ]
    runs = _table(summary["runs"], ["run_id", "flow", "status", "started", "finished", "error"])
    reasons = _table(summary["quarantine"], ["stage", "reason", "rows"])
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>JobLens run {_e(run_id)}</title>
<style>{_CSS}</style></head><body>
<h1>JobLens run <code>{_e(run_id)}</code></h1>
<p class="muted">lake {_e(summary["lake"])} &middot; generated {made}</p>
<h2>Runs</h2>{runs}
<h2>Funnel: rows into each stage (the table: in, out, quarantined)</h2>{_bars(funnel)}
{stages}
<h2>Match scores ({matches.height:,} matches)</h2>{_histogram(matches["score"].to_list())}
<h2>What each factor contributes to the top matches</h2>
{_stacked(_factor_shares(matches, weights))}
<h2>Source health over the last runs</h2>{_table(health.to_dicts(), list(health.columns))}
<h2>Quarantined rows and why</h2>{reasons}
<h2>Median annual salary of active jobs, by city (bars in USD)</h2>
{_bars(salary_rows, fmt="≈ ${:,.0f}", label_width=330)}
</body></html>
"""


def write(lake: Lake, run_id: str, *, scoring: ScoringSettings | None = None) -> str:
    """Write the report of `run_id` to gold/reports/<run_id>.html; return its location."""
    return lake.write_text(f"gold/reports/{run_id}.html", render(lake, run_id, scoring=scoring))
