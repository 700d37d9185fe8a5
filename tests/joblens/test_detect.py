"""Saved answers are recognised by their shape, and a drop folder accounts for every file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from joblens.cli import app
from joblens.lake import Lake
from joblens.sources import detect, plan_drop

GREENHOUSE = {"jobs": [{"id": 1, "title": "Engineer", "absolute_url": "https://x/1"}], "meta": {}}
LEVER = [{"id": "a", "text": "Engineer", "hostedUrl": "https://jobs.lever.co/acme/a"}]
ASHBY = {"apiVersion": "1", "jobs": [{"id": "a", "title": "Engineer", "jobUrl": "https://x"}]}
REMOTIVE = {"job-count": 1, "jobs": [{"id": 1, "title": "E", "candidate_required_location": "x"}]}


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        (json.dumps(GREENHOUSE), "greenhouse"),
        (json.dumps({"id": 7, "title": "Engineer", "absolute_url": "https://x/7"}), "greenhouse"),
        (json.dumps(LEVER), "lever"),
        (json.dumps(ASHBY), "ashby"),
        (json.dumps(REMOTIVE), "remotive"),
        (json.dumps({"offers": []}), "recruitee"),
        ("<?xml version='1.0'?>\n<workzag-jobs><position/></workzag-jobs>", "personio"),
        ("<rss version='2.0'><channel><item/></channel></rss>", "rss"),
        ("<feed xmlns='http://www.w3.org/2005/Atom'><entry/></feed>", "rss"),
        ('"id","site","job_url","title"\n"1","indeed","https://x","E"\n', "jobspy"),
        ('{"jobs": [{"id": 1, "absolute_url": "https://x/1", "title": "cut', "greenhouse"),
    ],
)
def test_each_format_is_recognised_by_its_shape(payload: str, kind: str) -> None:
    found, why = detect(payload.encode(), "anything.txt")
    assert found == kind, why


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ("", "empty file"),
        ("<html><body>Access denied</body></html>", "HTML page"),
        ('{"items": [{"foo": 1}]}', "JSON"),
        ("name,city\nx,y\n", "title and job_url"),
        ("# notes\nhello", "title and job_url"),
    ],
)
def test_what_is_not_a_board_answer_says_why(payload: str, reason: str) -> None:
    found, why = detect(payload.encode())
    assert found is None and reason in why


def test_a_drop_accounts_for_every_file(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    (drop / "rss").mkdir(parents=True)
    (drop / "misc").mkdir()
    (drop / "rss" / "remote.json").write_text(json.dumps(REMOTIVE))  # JSON in rss/: remotive
    (drop / "misc" / "board.json").write_text(json.dumps(GREENHOUSE))  # unknown folder
    (drop / "README.md").write_text("# what is here\n")
    (drop / ".hidden.json").write_text(json.dumps(LEVER))
    (drop / "lever").mkdir()
    (drop / "lever" / "broken.json").write_text("not json at all")  # its folder names it
    (tmp_path / "secret.txt").write_text("x")
    (drop / "link.json").symlink_to(tmp_path / "secret.txt")
    plan = plan_drop(drop)
    assert {k: [p.name for p in v] for k, v in plan.files.items()} == {
        "remotive": ["remote.json"],
        "greenhouse": ["board.json"],
        "lever": ["broken.json"],
    }
    unrecognised = {p.name: why for p, why in plan.unrecognised}
    assert set(unrecognised) == {"README.md", ".hidden.json", "link.json"}
    assert "symbolic link" in unrecognised["link.json"]
    files = sum(len(v) for v in plan.files.values()) + len(plan.unrecognised)
    assert files == sum(1 for p in drop.rglob("*") if not p.is_dir())


def test_ingesting_a_drop_lands_every_file_or_its_reason(tmp_path: Path, flow_runs: type) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "gh.json").write_text(json.dumps(GREENHOUSE))
    (drop / "notes.md").write_text("hello\n")
    (drop / "lever").mkdir()
    (drop / "lever" / "cut.json").write_text('[{"id": "a", "text": "Eng')
    ctx = flow_runs(tmp_path / "lake").ingest_jobs(drop)
    lake = Lake(tmp_path / "lake")
    rejects = lake.read("quarantine", run_id=ctx.run_id)
    by_key = {
        Path(k).name: r for k, r in zip(rejects["record_key"], rejects["reason"], strict=True)
    }
    assert "not a board answer" in by_key["notes.md"]
    assert "not valid JSON" in by_key["cut.json"] and "the file" in by_key["cut.json"]
    health = {r["source"]: r for r in lake.read("source_health", run_id=ctx.run_id).to_dicts()}
    assert (
        health["unrecognised"]["status"] == "failed"
        and "notes.md" in health["unrecognised"]["error"]
    )
    assert health["lever"]["status"] == "failed"
    # The Greenhouse job has no description and still lands, saying so.
    posting = lake.read("postings", run_id=ctx.run_id).row(0, named=True)
    assert posting["description_status"] == "missing"
    assert posting["origin"].endswith("gh.json") and posting["record_index"] == 0


def test_the_real_samples_reach_silver(samples_dir: Path, tmp_path: Path, flow_runs: type) -> None:
    drop = tmp_path / "samples"
    shutil.copytree(samples_dir, drop)
    ctx = flow_runs(tmp_path / "lake").ingest_jobs(drop)
    lake = Lake(tmp_path / "lake")
    raw = lake.read("raw_postings", run_id=ctx.run_id).height
    postings = lake.read("postings", run_id=ctx.run_id)
    rejects = lake.read("quarantine", run_id=ctx.run_id)
    normalize = rejects.filter(pl.col("stage") == "normalize")
    assert raw == postings.height + normalize.height  # every record accounted for
    assert postings.height >= 0.99 * raw
    assert set(normalize["reason"].str.extract(r"^(duplicate source id)")) == {
        "duplicate source id"
    }
    # Only the provenance note is not a board answer.
    files = rejects.filter(pl.col("stage") == "ingest")["record_key"].to_list()
    assert [Path(f).name for f in files] == ["PROVENANCE.md"]


def test_ingest_from_file_says_what_it_read_and_refuses_the_unknown(tmp_path: Path) -> None:
    runner = CliRunner()
    notes = tmp_path / "notes.md"
    notes.write_text("# hello\n")
    out = runner.invoke(app, ["ingest", "--from-file", str(notes), "--lake", str(tmp_path / "l")])
    assert out.exit_code == 1 and "greenhouse (boards API" in out.output
    out = runner.invoke(app, ["ingest", "--lake", str(tmp_path / "l")])
    assert out.exit_code == 1 and "--from-file" in out.output
    out = runner.invoke(
        app, ["ingest", "--from-file", str(notes), "--kind", "nope", "--lake", str(tmp_path)]
    )
    assert out.exit_code == 1 and "unknown --kind 'nope'" in out.output


def test_jobspy_exports_as_json_lines_parquet_and_any_column_subset(
    tmp_path: Path, flow_runs: type
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    drop = tmp_path / "drop"
    drop.mkdir()
    row = {
        "site": "indeed",
        "title": "Data Engineer",
        "company": "Acme",
        "location": "Austin, TX",
        "job_url": "https://www.indeed.com/viewjob?jk=1",
        "description": "Build pipelines.",
    }
    lines = [
        json.dumps(row),
        json.dumps({**row, "job_url": "https://www.indeed.com/viewjob?jk=2"}),
        '{"title": "cut off',
    ]
    (drop / "export.jsonl").write_text("\n".join(lines) + "\n")
    pq.write_table(pa.Table.from_pylist([{**row, "job_url": "https://x/3"}]), drop / "e.parquet")
    (drop / "subset.csv").write_text("title,company,location\nAnalyst,Beta,Toronto\n")
    plan = plan_drop(drop)
    assert {p.name for p in plan.files["jobspy"]} == {"export.jsonl", "e.parquet", "subset.csv"}
    ctx = flow_runs(tmp_path / "lake").ingest_jobs(drop)
    lake = Lake(tmp_path / "lake")
    postings = lake.read("postings", run_id=ctx.run_id)
    assert sorted(postings["title"]) == [
        "Analyst",
        "Data Engineer",
        "Data Engineer",
        "Data Engineer",
    ]
    # The CSV without id or job_url gets a stable id from its content.
    analyst = postings.filter(pl.col("title") == "Analyst")["source_posting_id"][0]
    assert analyst.startswith("content:")
    # The broken JSON line is one quarantined record with its line number.
    bad = lake.read("quarantine", run_id=ctx.run_id).filter(pl.col("stage") == "normalize")
    assert bad.height == 1 and "line 3" in bad["reason"][0]
