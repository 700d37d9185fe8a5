"""dedupe: posting variants resolve to one job entity; the LanceDB job index finds neighbours."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from joblens import dedupe
from joblens.errors import ParseError
from joblens.schemas import JOBS, POSTINGS


def _postings(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """A silver/postings frame with POSTINGS' exact schema; unspecified fields are null."""
    full = []
    for i, row in enumerate(rows):
        base: dict[str, Any] = {f.name: None for f in POSTINGS}
        base.update(
            run_id="r1",
            posting_id=f"p{i}",
            source="greenhouse",
            title="Backend Engineer",
            company="Acme",
            skills=[],
            description="Build APIs in Python.",
            posted_at=datetime(2026, 1, 10, tzinfo=UTC),
        )
        base.update(row)
        full.append(base)
    return pl.from_arrow(pa_table(full))  # type: ignore[return-value]


def pa_table(rows: list[dict[str, Any]]) -> Any:
    import pyarrow as pa

    return pa.Table.from_pylist(rows, schema=POSTINGS)


@pytest.mark.parametrize(
    "title",
    [
        "Senior Backend Engineer",
        "Sr. Backend Engineer",
        "Backend Engineer (Senior)",
        "Backend Engineer - Senior, Remote",
        "Sr Backend Eng (Remote, US)",
    ],
)
@pytest.mark.parametrize("company", ["Acme", "Acme Inc.", "ACME, Inc ", "Acme GmbH & Co. KG"])
def test_title_and_company_variants_share_a_key(title: str, company: str) -> None:
    expected = dedupe.dedupe_key("Senior Backend Engineer", "Acme", None, "US", "remote")
    assert dedupe.dedupe_key(title, company, None, "US", "remote") == expected


def test_meaningful_title_parts_and_places_stay_apart() -> None:
    base = dedupe.dedupe_key("Backend Engineer", "Acme", "Berlin", "DE", "onsite")
    assert dedupe.dedupe_key("Backend Engineer - Berlin", "Acme", "Berlin", "DE", "onsite") == base
    assert dedupe.dedupe_key("Backend Engineer", "Acme", "Munich", "DE", "onsite") != base
    assert (
        dedupe.dedupe_key("Backend Engineer - Payments", "Acme", "Berlin", "DE", "onsite") != base
    )
    assert dedupe.dedupe_key("Senior Backend Engineer", "Acme", "Berlin", "DE", "onsite") != base
    assert dedupe.dedupe_key("Backend Engineer", "Globex", "Berlin", "DE", "onsite") != base
    remote_us = dedupe.dedupe_key("Backend Engineer", "Acme", None, "US", "remote")
    assert dedupe.dedupe_key("Backend Engineer", "Acme", None, "CA", "remote") != remote_us
    # A remote job is one job whatever office city one board lists.
    assert dedupe.dedupe_key("Backend Engineer", "Acme", "Austin", "US", "remote") == remote_us


def test_company_normalization_keeps_the_name() -> None:
    assert dedupe.normalize_company("The Company") == "the company"
    assert dedupe.normalize_company("Procter & Gamble Co.") == "procter and gamble"
    assert dedupe.normalize_company("Inc") == "inc"


def test_resolve_merges_variants_and_keeps_provenance() -> None:
    postings = _postings(
        [
            dict(
                posting_id="a",
                source="greenhouse",
                title="Senior Backend Engineer",
                company="Acme",
                country="US",
                work_mode="remote",
                skills=["python", "postgresql"],
                description="short",
                posted_at=datetime(2026, 1, 5, tzinfo=UTC),
            ),
            dict(
                posting_id="b",
                source="lever",
                title="Sr. Backend Engineer - Remote",
                company="ACME, Inc.",
                country="US",
                work_mode="remote",
                skills=["python", "kubernetes"],
                salary_currency="USD",
                salary_annual_min=150_000.0,
                salary_annual_max=170_000.0,
                description="A much longer description of the same job, with salary.",
                url="https://lever.example/b",
                posted_at=datetime(2026, 1, 7, tzinfo=UTC),
            ),
            dict(
                posting_id="c",
                source="jobspy",
                title="Backend Engineer (Senior)",
                company="Acme Inc",
                country="US",
                work_mode="remote",
                salary_currency="USD",
                salary_annual_min=140_000.0,
                salary_annual_max=160_000.0,
                description="Medium description.",
                posted_at=datetime(2026, 1, 9, tzinfo=UTC),
            ),
            dict(posting_id="d", title="Backend Engineer", city="Berlin", country="DE"),
            dict(posting_id="e", title="Backend Engineer", city="Munich", country="DE"),
        ]
    )
    jobs = dedupe.resolve(postings)

    assert jobs.columns == [f.name for f in JOBS if f.name not in ("run_id", "embedding")]
    assert jobs.height == 3
    assert jobs.get_column("n_postings").sum() == postings.height
    merged = jobs.filter(pl.col("n_postings") == 3).row(0, named=True)
    assert merged["posting_ids"] == ["a", "b", "c"]
    assert merged["sources"] == ["greenhouse", "jobspy", "lever"]
    # The representative has a salary and the longest description.
    assert merged["url"] == "https://lever.example/b"
    assert merged["salary_annual_min"] == 140_000.0
    assert merged["salary_annual_max"] == 170_000.0
    assert merged["salary_currency"] == "USD"
    assert merged["skills"] == ["kubernetes", "postgresql", "python"]
    assert merged["first_seen"] == datetime(2026, 1, 5, tzinfo=UTC)
    assert merged["last_seen"] == datetime(2026, 1, 9, tzinfo=UTC)
    assert merged["job_id"] == dedupe.job_id(merged["dedupe_key"])
    assert len(merged["job_id"]) == 24


def test_resolve_is_stable_across_runs() -> None:
    postings = _postings([dict(posting_id=f"p{i}", title=f"Role {i % 3}") for i in range(9)])
    first = dedupe.resolve(postings)
    again = dedupe.resolve(postings.reverse())
    assert first.get_column("job_id").to_list() == again.get_column("job_id").to_list()
    assert first.get_column("posting_ids").to_list() == again.get_column("posting_ids").to_list()


def test_salary_union_ignores_other_currencies() -> None:
    postings = _postings(
        [
            dict(
                posting_id="a",
                salary_currency="EUR",
                salary_annual_min=60_000.0,
                salary_annual_max=70_000.0,
                description="long long long description",
            ),
            dict(
                posting_id="b",
                salary_currency="USD",
                salary_annual_min=10.0,
                salary_annual_max=1_000_000.0,
                description="short",
            ),
        ]
    )
    job = dedupe.resolve(postings).row(0, named=True)
    assert (job["salary_currency"], job["salary_annual_min"], job["salary_annual_max"]) == (
        "EUR",
        60_000.0,
        70_000.0,
    )


def test_resolve_refuses_postings_without_title_or_company() -> None:
    with pytest.raises(ParseError, match="title and company"):
        dedupe.resolve(_postings([dict(posting_id="x", company=None)]))


def test_resolve_of_nothing_is_empty() -> None:
    jobs = dedupe.resolve(_postings([]))
    assert jobs.height == 0
    assert "job_id" in jobs.columns


def test_job_index_finds_nearest_jobs(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(50, 16)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    jobs = pl.DataFrame({"job_id": [f"j{i}" for i in range(50)], "embedding": vecs.tolist()})
    index = dedupe.JobIndex(tmp_path)
    assert index.upsert(jobs) == 50
    ids, dist = index.search(vecs[[3, 7]], k=4)
    assert ids.shape == dist.shape == (2, 4)
    assert list(ids[:, 0]) == ["j3", "j7"]
    assert np.allclose(dist[:, 0], 0.0, atol=1e-5)
    assert (np.diff(dist, axis=1) >= -1e-6).all()
    expected = np.argsort(-(vecs[3] @ vecs.T))[:4]
    assert list(ids[0]) == [f"j{i}" for i in expected]

    # Each run overwrites: vectors of vanished jobs do not linger.
    index.upsert(jobs.head(2))
    assert len(index) == 2
    ids, dist = index.search(vecs[3], k=4)
    assert set(ids[0, :2]) == {"j0", "j1"}
    assert list(ids[0, 2:]) == ["", ""] and np.isinf(dist[0, 2:]).all()


def test_job_index_search_before_upsert_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="upsert"):
        dedupe.JobIndex(tmp_path).search(np.zeros((1, 4), dtype=np.float32), k=1)


def test_pay_without_a_currency_survives_the_merge() -> None:
    """Two postings of one job whose pay was parsed without a currency keep their range."""
    rows = [
        {
            "posting_id": f"p{i}",
            "source": src,
            "title": "Data Engineer",
            "company": "Acme",
            "city": "Toronto",
            "country": "CA",
            "work_mode": "onsite",
            "salary_currency": None,
            "salary_annual_min": lo,
            "salary_annual_max": hi,
            "skills": ["python"],
            "description": "Build pipelines.",
            "posted_at": datetime(2026, 11, 1, tzinfo=UTC),
        }
        for i, (src, lo, hi) in enumerate(
            [("lever", 90_000.0, 95_000.0), ("rss", 85_000.0, 100_000.0)]
        )
    ]
    from joblens.schemas import conform

    frame = pl.DataFrame(rows).to_arrow()
    jobs = dedupe.resolve(pl.DataFrame(conform(frame, POSTINGS)))
    assert jobs.height == 1
    assert (jobs["salary_annual_min"][0], jobs["salary_annual_max"][0]) == (85_000.0, 100_000.0)
