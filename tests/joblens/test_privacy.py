"""Personal data: a CV's contacts stay in bronze only, and `joblens forget` erases a
candidate from every file of the lake, history and caches included."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from joblens import synth
from joblens.cli import app
from joblens.embed import EmbeddingCache, HashingEmbedder, cache_key
from joblens.lake import Lake
from joblens.llm.fake import FakeLLM
from joblens.llm.openai_client import OpenAIAnalyzer
from joblens.normalize.redact import redact

runner = CliRunner()

EMAIL, PHONE, STREET = "ola.nordmann@example.no", "+47 912 34 567", "Storgata 12"
PRIVATE_CV = f"""Ola Nordmann
Data Engineer
Address: 221B Baker Street, London, UK
Email: {EMAIL} | Phone: {PHONE}
https://www.linkedin.com/in/ola-nordmann-123

I am a data engineer with 6 years of experience building pipelines.
Lived at {STREET}, Oslo.

Skills: Python, SQL, Spark, Airflow
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Mail {EMAIL}, call {PHONE}", "Mail [email], call [phone]"),
        ("(555) 123-4567 or 0049 30 1234567", "[phone] or [phone]"),
        ("github.com/olan and https://olan.dev/cv", "[url] and [url]"),
        ("221B Baker Street, London", "[address], London"),
        ("Hauptstraße 5, 10115 Berlin", "[address], 10115 Berlin"),
        ("Rua Augusta, 100, Lisboa", "[address], Lisboa"),
        # Job facts are not personal data: dates, pay, years, counts stay.
        ("Data Analyst, Acme, 2019 - 2022", "Data Analyst, Acme, 2019 - 2022"),
        ("€70,000 - €85,000 a year; 5+ years", "€70,000 - €85,000 a year; 5+ years"),
        ("Led a team of 12 across 3 sites", "Led a team of 12 across 3 sites"),
        ("Improved 3 key metrics along the way.", "Improved 3 key metrics along the way."),
        ("Python, SQL, 4 years in a row", "Python, SQL, 4 years in a row"),
        ("01/2019 - 12/2022", "01/2019 - 12/2022"),
        ("Salary: 120 000 - 150 000 EUR", "Salary: 120 000 - 150 000 EUR"),
        ("Phone: 555 123 4567", "Phone: [phone]"),
    ],
)
def test_redact_replaces_contacts_and_keeps_job_facts(text: str, expected: str) -> None:
    assert redact(text) == expected


def _parquet_text(root: Path) -> str:
    """Every cell of every Parquet file under `root`, as one string."""
    cells = []
    for path in sorted(root.rglob("*.parquet")):
        cells.append(json.dumps(pq.read_table(path).to_pylist(), default=str))
    return "\n".join(cells)


@pytest.fixture
def lake_with_private_cv(tmp_path: Path, flow_runs: type) -> tuple[Path, Path]:
    world = tmp_path / "world"
    synth.generate(world, jobs=120, candidates=8, seed=3)
    (world / "cvs" / "ola.txt").write_text(PRIVATE_CV, encoding="utf-8")
    lake = tmp_path / "lake"
    runs = flow_runs(lake)
    runs.all(world, "r1")
    runs.ingest_candidates(world / "cvs", "r2")  # a second version: history holds two
    runs.score("r2-score")
    with FakeLLM() as fake:  # the LLM path: what the model is sent, and its cached answers
        runs.analyze("r2-analyze", OpenAIAnalyzer(model="m", base_url=fake.base_url, api_key="k"))
    sent = b"\n".join(fake.bodies).decode()
    assert "Data Engineer" in sent  # ola's profile was analysed...
    for private in (EMAIL, "912 34 567", "Baker Street", "linkedin.com/in/ola", "Ola Nordmann"):
        assert private not in sent  # ...without her contacts or name
    assert Lake(lake).read("llm_answers").filter(candidate_id="ola").height > 0
    return world, lake


def test_contacts_reach_bronze_only(lake_with_private_cv: tuple[Path, Path]) -> None:
    _, lake = lake_with_private_cv
    for layer in ("silver", "gold"):
        text = _parquet_text(lake / layer)
        assert EMAIL not in text and "912 34 567" not in text and "Baker Street" not in text
        assert "linkedin.com/in/ola" not in text and STREET not in text
    assert EMAIL in _parquet_text(lake / "bronze")  # the raw CV, kept where raws are kept
    row = Lake(lake).current("candidates").filter(candidate_id="ola").row(0, named=True)
    assert row["city"] == "London" and row["headline"] == "Data Engineer"
    assert EMAIL not in row["summary"] and row["location_raw"] == "[address], London, UK"


def test_forget_erases_the_candidate_everywhere(lake_with_private_cv: tuple[Path, Path]) -> None:
    _, lake = lake_with_private_cv
    cache = EmbeddingCache(Lake(lake).index_dir)
    hashes = Lake(lake).read("candidates").filter(candidate_id="ola")["text_hash"].to_list()
    keys = [cache_key(HashingEmbedder().model_id, h) for h in hashes]
    assert cache.get_many(keys)  # embedded before
    out = runner.invoke(app, ["forget", "--candidate", "ola", "--lake", str(lake)])
    assert out.exit_code == 0, out.output
    removed = json.loads(out.stdout.strip().splitlines()[-1])["removed"]
    assert removed["candidates"] == 2 and removed["raw_cvs"] == 2  # both runs' versions
    assert removed["matches"] > 0 and removed["job_matches"] > 0
    assert removed["embedding_cache"] >= 1
    assert removed["llm_answers"] > 0 and removed["analyses"] > 0
    text = _parquet_text(lake)
    assert '"ola"' not in text and EMAIL not in text and "Ola Nordmann" not in text
    assert not EmbeddingCache(Lake(lake).index_dir).get_many(keys)
    others = Lake(lake).current("candidates")["candidate_id"].to_list()
    assert "ola" not in others and len(others) == 8
    # The views still answer, without the candidate.
    assert (
        Lake(lake).query("SELECT count(*) AS n FROM matches WHERE candidate_id = 'ola'")["n"][0]
        == 0
    )
    again = runner.invoke(app, ["forget", "--candidate", "ola", "--lake", str(lake)])
    assert again.exit_code == 1 and "not in the lake" in again.output


def test_forget_needs_an_id_and_takes_ids_that_are_not_path_safe(tmp_path: Path) -> None:
    out = runner.invoke(app, ["forget", "--candidate", " ", "--lake", str(tmp_path)])
    assert out.exit_code == 1
    # "Jane Doe.pdf" is candidate "Jane Doe": looked up, not refused as a bad name.
    out = runner.invoke(app, ["forget", "--candidate", "Jane Doe", "--lake", str(tmp_path)])
    assert out.exit_code == 1 and "bad" not in out.output


def test_forget_removes_only_report_pages_that_name_the_candidate(
    lake_with_private_cv: tuple[Path, Path],
) -> None:
    _, lake = lake_with_private_cv
    reports = lake / "gold" / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "r-names.html").write_text("<td>ola</td><td>Data Engineer</td>")
    (reports / "r-other.html").write_text("<td>nicola</td><td>console</td>")
    out = runner.invoke(app, ["forget", "--candidate", "ola", "--lake", str(lake)])
    assert out.exit_code == 0, out.output
    assert not (reports / "r-names.html").exists()
    assert (reports / "r-other.html").exists()
