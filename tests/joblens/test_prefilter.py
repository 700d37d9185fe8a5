"""prefilter: rejected postings leave as quarantine rows with a reason; counts reconcile."""

from __future__ import annotations

import polars as pl
import pyarrow as pa
import pytest

from joblens import prefilter
from joblens.errors import ParseError
from joblens.schemas import POSTINGS, QUARANTINE, conform
from joblens.settings import PrefilterSettings

LONG = "We build payment APIs in Python and Go for millions of customers."


def _postings(rows: list[tuple[str | None, str | None, str | None]]) -> pl.DataFrame:
    data = pa.table(
        {
            "run_id": ["run-1"] * len(rows),
            "posting_id": [f"p{i}" for i in range(len(rows))],
            "source": ["lever"] * len(rows),
            "title": [r[0] for r in rows],
            "company": [r[1] for r in rows],
            "description": [r[2] for r in rows],
        }
    )
    return pl.from_arrow(conform(data, POSTINGS))  # type: ignore[return-value]


def test_rejects_terms_and_non_postings_and_marks_short_descriptions() -> None:
    postings = _postings(
        [
            ("Backend Engineer", "Acme", LONG),
            ("Software Engineering Intern", "Acme", LONG),
            ("Internal Tools Engineer", "Acme", LONG),
            ("C++ Developer", "Acme", LONG),
            ("Data Engineer", "Acme", "Apply now!"),
            ("Data Engineer", "Acme", None),
            (None, "Acme", LONG),
            ("Data Engineer", "  ", LONG),
            ("INTERN - data", "Acme", "short"),
        ]
    )
    settings = PrefilterSettings(reject_terms=["intern", "c++"], min_description_chars=40)
    kept, quarantine = prefilter.apply(postings, settings)

    # A real posting with little or no description is kept and says so.
    assert kept.get_column("posting_id").to_list() == ["p0", "p2", "p4", "p5"]
    assert kept["description_status"].to_list() == ["present", "present", "short", "missing"]
    assert kept.columns == postings.columns
    assert kept.height + quarantine.height == postings.height
    reasons = dict(zip(quarantine["record_key"], quarantine["reason"], strict=True))
    assert reasons == {
        "p1": "title matches reject term 'intern'",
        "p3": "title matches reject term 'c++'",
        "p6": "title is missing",
        "p7": "neither a company nor a URL",
        # The first rule that matches is the reason given.
        "p8": "title matches reject term 'intern'",
    }
    raw = dict(zip(quarantine["record_key"], quarantine["raw"], strict=True))
    assert raw["p1"] == "Software Engineering Intern"


def test_a_posting_with_a_url_but_no_company_is_kept() -> None:
    postings = _postings([("Data Engineer", None, LONG)]).with_columns(
        url=pl.lit("https://jobs.example/1")
    )
    kept, quarantine = prefilter.apply(postings, PrefilterSettings())
    assert kept.height == 1 and quarantine.height == 0


def test_quarantine_rows_fit_the_lake_schema() -> None:
    _, quarantine = prefilter.apply(
        _postings([("Intern", "Acme", LONG)]), PrefilterSettings(reject_terms=["intern"])
    )
    assert quarantine.columns == QUARANTINE.names
    row = quarantine.row(0, named=True)
    assert row["stage"] == "prefilter"
    assert row["run_id"] == "run-1" and row["source"] == "lever"
    conform(quarantine.to_arrow(), QUARANTINE)  # casts cleanly


def test_default_settings_keep_good_postings_and_reject_nothing_by_term() -> None:
    postings = _postings([("Intern", "Acme", LONG)] * 3)
    kept, quarantine = prefilter.apply(postings, PrefilterSettings())
    assert kept.height == 3 and quarantine.height == 0


def test_empty_input() -> None:
    kept, quarantine = prefilter.apply(_postings([]), PrefilterSettings(reject_terms=["x"]))
    assert kept.height == 0 and quarantine.height == 0


def test_missing_columns_are_a_clear_error() -> None:
    with pytest.raises(ParseError, match="missing"):
        prefilter.apply(pl.DataFrame({"posting_id": ["a"]}), PrefilterSettings())
