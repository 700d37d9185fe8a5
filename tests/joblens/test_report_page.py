"""The HTML report: every chart is there, numbers come from the lake, and text from the web
is shown escaped, never run."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from joblens import report_page, synth
from joblens.cli import app
from joblens.errors import LakeError
from joblens.lake import Lake


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    synth.generate(out, jobs=100, candidates=5, seed=41)
    return out


def test_the_page_has_every_chart_with_the_lake_s_numbers(
    flow_runs: type, world: Path, tmp_path: Path
) -> None:
    runs = flow_runs(tmp_path).all(world)
    lake = Lake(tmp_path)
    page = report_page.render(lake, runs["score"].run_id)
    for title in (
        "Funnel",
        "Match scores",
        "What each factor contributes",
        "Source health over the last runs",
        "Quarantined rows",
        "Median annual salary",
    ):
        assert title in page, title
    n = lake.current("matches").height
    assert f"Match scores ({n:,} matches)" in page
    assert page.count("<svg") >= 4 and "<script" not in page
    # The histogram's bars add up to the number of matches.
    counts = [int(c) for c in re.findall(r"<title>[0-9.]+-[0-9.]+: (\d+)</title>", page)]
    assert sum(counts) == n


def test_text_from_the_web_is_escaped(flow_runs: type, world: Path, tmp_path: Path) -> None:
    flow_runs(tmp_path).all(world)
    lake = Lake(tmp_path)
    evil = "<script>alert('x')</script>"
    lake.write(
        "quarantine",
        pl.DataFrame({"source": ["rss"], "record_key": ["k"], "reason": [evil], "raw": [evil]}),
        run_id="evil",
        partition={"stage": "normalize", "dt": "2026-12-01"},
    )
    now = datetime.now(UTC)
    lake.record_run(
        {
            "run_id": "evil",
            "flow": "ingest-jobs",
            "status": "completed",
            "started": now,
            "finished": now,
        }
    )
    page = report_page.render(lake, "evil")
    assert evil not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_cli_report_writes_the_page_under_gold(
    flow_runs: type, world: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["report", "--lake", str(tmp_path)])
    assert out.exit_code == 1 and "no completed run" in out.output
    runs = flow_runs(tmp_path).all(world)
    out = runner.invoke(app, ["report", "--lake", str(tmp_path)], env={"COLUMNS": "300"})
    assert out.exit_code == 0, out.output
    latest = runs["analyze"].run_id  # no pipeline run here: the latest completed run
    path = tmp_path / "gold" / "reports" / f"{latest}.html"
    assert path.is_file() and str(path) in out.output.replace("\n", "")
    out = runner.invoke(app, ["report", "--lake", str(tmp_path), "--run", "nope"])
    assert out.exit_code == 1 and "not in the registry" in out.output
    with pytest.raises(LakeError, match="bad path part"):
        Lake(tmp_path).write_text("gold/../../x.html", "x")


def test_markdown_cells_show_web_text_as_text() -> None:
    from joblens.report import md_cell

    cell = md_cell("<img src=x onerror=alert(1)> [win](javascript:go()) a|b\nnext")
    assert "<img" not in cell and "&lt;img" in cell
    assert "\\[win\\]" in cell and "a\\|b" in cell and "\n" not in cell
    assert md_cell(0.12345) == "0.123" and md_cell(None) == ""
