"""The parse+normalize stage: typed silver postings, quarantine with reasons, counts reconcile."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from joblens import schemas
from joblens.normalize import RAW_CHARS, posting_id, postings
from joblens.sources import PostingDraft, RawRecord, lever, read_origin

SAMPLE_FILES = {
    "greenhouse": "greenhouse/*.json",
    "lever": "lever/*.json",
    "ashby": "ashby/*.json",
    "jobspy": "jobspy_csv/*.csv",
    "remotive": "rss/*.json",
    "recruitee": "other_ats/*.json",
    "personio": "other_ats/*.xml",
}


Batch = tuple[list[RawRecord], pl.DataFrame, pl.DataFrame]
_BATCH: dict[Path, Batch] = {}


@pytest.fixture
def sample_batch(samples_dir: Path) -> Batch:
    """Every real sample record, normalized once per test session."""
    if samples_dir not in _BATCH:
        records = [
            r
            for kind, pattern in SAMPLE_FILES.items()
            for path in sorted(samples_dir.glob(pattern))
            for r in read_origin(kind, path)
        ]
        good, bad = postings(records, run_id="run-1")
        _BATCH[samples_dir] = (records, good, bad)
    return _BATCH[samples_dir]


def _row(frame: pl.DataFrame, **where: str) -> dict[str, object]:
    expr = pl.lit(True)
    for column, value in where.items():
        expr = expr & (pl.col(column) == value)
    rows = frame.filter(expr).to_dicts()
    assert len(rows) == 1, f"{where}: {len(rows)} rows"
    return rows[0]


def test_frames_conform_to_the_lake_schemas(sample_batch: Batch) -> None:
    _, good, bad = sample_batch
    for frame, schema in ((good, schemas.POSTINGS), (bad, schemas.QUARANTINE)):
        expected = pl.from_arrow(schema.empty_table())
        assert isinstance(expected, pl.DataFrame)
        assert frame.schema == expected.schema


def test_counts_reconcile_and_ids_are_unique(sample_batch: Batch) -> None:
    records, good, bad = sample_batch
    assert len(records) == good.height + bad.height
    assert good["posting_id"].n_unique() == good.height
    assert good.select(pl.struct("source", "source_posting_id").n_unique()).item() == good.height
    assert set(bad["stage"]) == {"normalize"}
    assert set(good["run_id"]) == {"run-1"}


def test_posting_id_is_stable_hash_of_source_and_native_id(sample_batch: Batch) -> None:
    _, good, _ = sample_batch
    row = _row(good, source="greenhouse", source_posting_id="5215052008")
    assert row["posting_id"] == posting_id("greenhouse", "5215052008")
    assert len(str(row["posting_id"])) == 24
    assert posting_id("lever", "5215052008") != row["posting_id"]


def test_every_posting_has_clean_text_and_identity(sample_batch: Batch) -> None:
    _, good, _ = sample_batch
    assert good.filter(pl.col("title").str.strip_chars() == "").height == 0
    assert good.filter(pl.col("description").str.strip_chars() == "").height == 0
    # No description is a null with its status, never an empty string passed as text.
    missing = good.filter(pl.col("description_status") == "missing")
    assert missing["description"].null_count() == missing.height
    # Every row names the bytes it came from.
    assert good["origin"].null_count() == 0 and good["record_index"].null_count() == 0
    for text in good["description"].drop_nulls():
        assert "&lt;" not in text and "<p>" not in text and "<div" not in text
    assert good["text_hash"].str.len_chars().unique().to_list() == [32]


def test_greenhouse_content_is_cleaned_and_pay_found_in_it(sample_batch: Batch) -> None:
    _, good, _ = sample_batch
    row = _row(good, source="greenhouse", source_posting_id="5215052008")
    assert row["company"] == "Anthropic"
    assert (row["city"], row["country"], row["work_mode"]) == ("San Francisco", "US", "onsite")
    assert (row["salary_min"], row["salary_max"], row["salary_currency"]) == (
        265_000,
        365_000,
        "USD",
    )
    amplitude = _row(good, source="greenhouse", source_posting_id="8636903002")
    assert amplitude["company"] == "Amplitude"  # trailing space gone
    assert amplitude["salary_min"] is None  # "4,700 customers" is not pay


def test_ashby_pay_locations_and_modes(sample_batch: Batch) -> None:
    _, good, _ = sample_batch
    ramp = _row(good, source="ashby", title="Technical Consultant, Mid-Market")
    assert (ramp["salary_min"], ramp["salary_max"]) == (151_000, 231_000)
    assert (ramp["salary_currency"], ramp["salary_interval"]) == ("USD", "year")
    assert (ramp["country"], ramp["work_mode"], ramp["city"]) == ("US", "remote", None)
    cad = _row(good, source="ashby", title="Senior Site Reliability Engineer")
    assert (cad["salary_min"], cad["salary_max"], cad["salary_currency"]) == (
        102_800,
        137_000,
        "CAD",
    )
    assert (cad["city"], cad["region"], cad["work_mode"]) == ("Toronto", "ON", "hybrid")
    assert cad["seniority"] == "senior"
    uk = _row(good, source="ashby", title="Senior Product Designer – Inventory")
    assert (uk["country"], uk["work_mode"]) == ("GB", "remote")


def test_remotive_hourly_pay_is_annualized(sample_batch: Batch) -> None:
    _, good, _ = sample_batch
    row = _row(good, source="remotive", source_posting_id="1919265")
    assert (row["salary_min"], row["salary_max"], row["salary_interval"]) == (90, 150, "hour")
    assert (row["salary_annual_min"], row["salary_annual_max"]) == (90 * 2080, 150 * 2080)
    assert row["work_mode"] == "remote"


def test_recruitee_string_salaries(sample_batch: Batch) -> None:
    _, good, _ = sample_batch
    rows = good.filter(pl.col("source") == "recruitee").sort("salary_min")
    assert rows.select("salary_min", "salary_max", "salary_currency").rows()[0] == (
        60_000,
        75_000,
        "EUR",
    )
    assert set(rows["city"]) == {"Berlin"} and set(rows["country"]) == {"DE"}


def test_jobspy_glassdoor_hourly_cad_rows(sample_batch: Batch) -> None:
    _, good, _ = sample_batch
    hourly = good.filter(
        (pl.col("source") == "jobspy")
        & (pl.col("salary_interval") == "hour")
        & (pl.col("salary_currency") == "CAD")
        & pl.col("source_posting_id").str.starts_with("gd-")
    )
    assert hourly.height >= 30
    camp = _row(good, source="jobspy", source_posting_id="gd-1009707688651")
    assert (camp["salary_min"], camp["salary_max"]) == (17, 19)
    assert camp["salary_annual_max"] == 19 * 2080
    assert (camp["city"], camp["country"]) == ("Toronto", "CA")
    assert "non-traditional" in str(camp["description"])
    assert "\\" not in str(camp["description"])


def test_toronto_spellings_meet_in_one_city(sample_batch: Batch) -> None:
    _, good, _ = sample_batch
    toronto = good.filter(
        pl.col("location_raw").is_in(
            ["Toronto, ON, CA", "Toronto, Ontario, Canada", "Midtown Toronto"]
        )
    )
    assert toronto.height >= 3
    assert set(zip(toronto["city"], toronto["country"], strict=True)) == {("Toronto", "CA")}


def test_skills_and_seniority_are_filled(sample_batch: Batch) -> None:
    _, good, _ = sample_batch
    android = _row(good, source="lever", source_posting_id="b4ad9572-e20f-4185-a284-99d9740d04f0")
    assert android["seniority"] == "junior"
    assert "android" in android["skills"]  # type: ignore[operator]
    assert good.filter(pl.col("skills").list.len() > 0).height > good.height // 2


def test_personio_without_description_lands_and_its_duplicate_is_quarantined(
    sample_batch: Batch,
) -> None:
    _, good, bad = sample_batch
    kept = good.filter(pl.col("source") == "personio")
    assert kept.height == 1 and kept["description_status"].to_list() == ["missing"]
    assert kept["record_index"].to_list() == [0]
    personio = bad.filter(pl.col("source") == "personio")
    assert personio.height == 1
    assert "duplicate source id" in personio["reason"][0]
    assert personio["record_key"][0].endswith("#1")


_URL_FIELD = {"greenhouse": "absolute_url", "lever": "hostedUrl"}


def _raw(i: int, payload: dict[str, object], source: str = "greenhouse") -> RawRecord:
    """A record as the board sends it, with a URL unless the test says otherwise."""
    url = {_URL_FIELD[source]: f"https://jobs.example/{i}"} if source in _URL_FIELD else {}
    return RawRecord(source, "mem.json", i, {**url, **payload})


def test_quarantine_reasons_for_unhappy_records() -> None:
    records = [
        _raw(0, {"id": 1, "title": "Engineer", "content": "&lt;p&gt;Build.&lt;/p&gt;"}),
        _raw(1, {"id": 1, "title": "Engineer again", "content": "Build."}),
        _raw(2, {"title": "No id", "content": "text"}),
        _raw(3, {"id": 3, "title": "Empty", "content": "&lt;p&gt;&amp;nbsp;&lt;/p&gt;"}),
        _raw(4, {"id": 4, "title": "<b></b>", "content": "text"}),
        _raw(5, {"_not_an_object": [1, 2]}),
        _raw(6, {"id": 6, "title": "Odd", "content": "ok", "metadata": "not-a-list"}),
        _raw(7, {"id": 7, "title": "x" * 10, "content": "y" * 9000}),
        _raw(8, {"id": 8, "title": "Nowhere", "content": "text", "absolute_url": None}),
    ]
    good, bad = postings(records, run_id="r")
    assert good.height + bad.height == len(records)
    reasons = dict(zip(bad["record_key"], bad["reason"], strict=True))
    assert "duplicate source id" in reasons["mem.json#1"]
    assert "'id'" in reasons["mem.json#2"]
    assert "empty title" in reasons["mem.json#4"]
    assert "'id'" in reasons["mem.json#5"]
    assert "neither a company nor a URL" in reasons["mem.json#8"]
    # An empty description is a posting all the same.
    assert set(good["source_posting_id"]) == {"1", "3", "6", "7"}
    assert good.filter(pl.col("source_posting_id") == "3")["description_status"][0] == "missing"
    assert all(len(r) <= RAW_CHARS for r in bad["raw"])
    assert (
        json.loads(bad.filter(pl.col("record_key") == "mem.json#2")["raw"][0])["title"] == "No id"
    )


def test_any_unforeseen_error_quarantines_only_its_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_parse = lever.parse

    def parse(record: dict[str, Any]) -> PostingDraft:
        if record.get("id") == "boom":
            raise OverflowError("math range error")
        return real_parse(record)

    monkeypatch.setattr(lever, "parse", parse)
    ok: dict[str, object] = {"id": "fine", "text": "Engineer", "descriptionPlain": "Build."}
    records = [
        _raw(0, ok, source="lever"),
        _raw(1, {**ok, "id": "boom"}, source="lever"),
        _raw(2, {**ok, "id": "also-fine"}, source="lever"),
    ]
    good, bad = postings(records, run_id="r")
    assert good["source_posting_id"].to_list() == ["fine", "also-fine"]
    assert bad.to_dicts()[0] | {"raw": None} == {
        "run_id": "r",
        "stage": "normalize",
        "source": "lever",
        "record_key": "mem.json#1",
        "reason": "unexpected OverflowError: math range error",
        "raw": None,
    }


def test_a_400_digit_salary_is_no_pay_not_a_crash() -> None:
    # JSON integers have no size limit; float() of this one overflows.
    huge = {"min": 10**400, "max": 10**400, "currency": "USD", "interval": "per-year-salary"}
    record: dict[str, object] = {
        "id": "a",
        "text": "Engineer",
        "descriptionPlain": "Build.",
        "salaryRange": huge,
    }
    good, bad = postings([_raw(0, record, source="lever")], run_id="r")
    assert bad.height == 0 and good["salary_min"].to_list() == [None]


def test_empty_batch_gives_empty_frames_with_schemas() -> None:
    good, bad = postings([], run_id="r")
    assert good.height == 0 and bad.height == 0
    assert good.columns == schemas.POSTINGS.names
    assert bad.columns == schemas.QUARANTINE.names


def test_pay_search_in_description_when_no_structured_pay(tmp_path: Path) -> None:
    record = _raw(
        0,
        {
            "id": 9,
            "title": "Data Engineer",
            "location": {"name": "Toronto, ON"},
            "content": "&lt;p&gt;Over 4,700 customers.&lt;/p&gt;&lt;p&gt;The annual base salary "
            "for this role is $120,000 - $140,000.&lt;/p&gt;",
        },
    )
    good, _ = postings([record], run_id="r")
    row = good.to_dicts()[0]
    # A bare "$" in Canada is Canadian dollars.
    assert (row["salary_min"], row["salary_max"], row["salary_currency"]) == (
        120_000,
        140_000,
        "CAD",
    )
    assert row["salary_raw"] == "$120,000 - $140,000"


def test_structured_pay_keeps_its_range_as_raw_when_the_pay_text_has_no_amount() -> None:
    """Lever's salaryDescription is often a paragraph about pay factors, without numbers."""
    record = {
        "id": "p1",
        "text": "Android Engineer",
        "descriptionPlain": "Build the app.",
        "salaryRange": {
            "min": 150000,
            "max": 180000,
            "currency": "USD",
            "interval": "per-year-salary",
        },
        "salaryDescriptionPlain": "Pay depends on scope, skills and location.",
    }
    good, _ = postings([_raw(0, record, source="lever")], run_id="r")
    row = good.row(0, named=True)
    assert (row["salary_annual_min"], row["salary_annual_max"]) == (150000.0, 180000.0)
    assert "150000" in row["salary_raw"] and "180000" in row["salary_raw"]


def test_a_multi_location_posting_keeps_every_place_and_pay_in_usd_with_its_rate_date() -> None:
    record = {
        "id": 77,
        "title": "Data Engineer",
        "company_name": "Acme",
        "absolute_url": "https://boards.greenhouse.io/acme/jobs/77",
        "location": {"name": "Berlin, Germany | London, UK"},
        "content": "<p>Salary: &euro;60,000 - &euro;70,000 per year.</p>",
    }
    rows, rejected = postings([_raw(0, record)], run_id="r")
    assert rejected.height == 0
    row = rows.row(0, named=True)
    assert (row["city"], row["country"]) == ("Berlin", "DE")
    assert [(p["city"], p["country"]) for p in row["places"]] == [
        ("Berlin", "DE"),
        ("London", "GB"),
    ]
    assert row["salary_currency"] == "EUR" and row["salary_annual_min"] == 60_000
    # EUR at the table's rate, and the table's date beside it; a reference of its own here.
    table = json.loads(
        (Path(schemas.__file__).parent / "normalize/data/usd_rates.json").read_text("utf-8")
    )
    assert row["salary_annual_min_usd"] == pytest.approx(60_000 * table["rates"]["EUR"])
    assert row["usd_rates_as_of"] == table["as_of"]


def test_a_description_fetched_for_a_posting_without_one_lands_as_present() -> None:
    record = {
        "id": 78,
        "title": "Data Engineer",
        "company_name": "Acme",
        "absolute_url": "https://boards.greenhouse.io/acme/jobs/78",
        "_description": "We build pipelines in Python and SQL for the whole company.",
    }
    row = postings([_raw(0, record)], run_id="r")[0].row(0, named=True)
    assert row["description_status"] == "present" and "pipelines" in row["description"]
