"""dedupe: posting variants resolve to one job entity; the LanceDB job index finds neighbours."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
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

    # What later stages add: the run, the vector and occupation (embed), the sightings, and
    # a rebuild's mark on a job it merged away.
    added = ("run_id", "embedding", "occupation", "isco", "first_seen", "last_seen")
    sightings = (*added, "repost_count", "merged_into")
    assert jobs.columns == [f.name for f in JOBS if f.name not in sightings]
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
    assert merged["posted_at"] == datetime(2026, 1, 5, tzinfo=UTC)
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


def test_resolve_refuses_postings_without_title_or_a_company_or_url() -> None:
    with pytest.raises(ParseError, match="a title and a company or URL"):
        dedupe.resolve(_postings([dict(posting_id="x", company=None)]))


def test_postings_without_a_company_are_each_their_own_job() -> None:
    """Same title, same place, no company: two openings at unknown employers stay apart."""
    rows = [
        dict(posting_id=p, company=None, url=f"https://jobs.example/{p}", title="Engineer")
        for p in ("a", "b")
    ]
    jobs = dedupe.resolve(_postings(rows))
    assert jobs.height == 2 and jobs["company"].null_count() == 2


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

    # Later runs upsert by job id: a moved vector replaces the old one, other jobs stay.
    moved = jobs.head(2).with_columns(pl.Series("embedding", vecs[[3, 3]].tolist()))
    index.upsert(moved)
    assert len(index) == 50
    ids, dist = index.search(vecs[3], k=3)
    assert set(ids[0]) == {"j0", "j1", "j3"}
    assert np.allclose(dist[0], 0.0, atol=1e-5)


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

    frame = pl.DataFrame(rows).with_columns(run_id=pl.lit("r1")).to_arrow()
    jobs = dedupe.resolve(pl.DataFrame(conform(frame, POSTINGS)))
    assert jobs.height == 1
    assert (jobs["salary_annual_min"][0], jobs["salary_annual_max"][0]) == (85_000.0, 100_000.0)


def test_merge_keeps_first_seen_unions_provenance_and_counts_reposts() -> None:
    from datetime import timedelta

    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    fresh = dedupe.resolve(
        _postings(
            [
                dict(posting_id="a", title="Data Engineer", posted_at=t0),
                dict(posting_id="z", title="Chef", source="rss", posted_at=t0),
            ]
        )
    )
    first = dedupe.merge(fresh, fresh.clear(), seen_at=t0, repost_gap=timedelta(days=7))
    assert first["first_seen"].to_list() == [t0, t0]
    assert first["repost_count"].to_list() == [0, 0]
    # Three days later one job comes back with a new posting: same id, same first_seen.
    engineer = first.filter(pl.col("title") == "Data Engineer")
    later = dedupe.resolve(
        _postings([dict(posting_id="b", title="Data Engineer", source="jobspy", posted_at=t0)])
    )
    t1 = t0 + timedelta(days=3)
    second = dedupe.merge(later, first, seen_at=t1, repost_gap=timedelta(days=7))
    row = second.row(0, named=True)
    assert row["job_id"] == engineer["job_id"][0]
    assert (row["first_seen"], row["last_seen"], row["repost_count"]) == (t0, t1, 0)
    assert row["posting_ids"] == ["a", "b"] and row["n_postings"] == 2
    assert row["sources"] == sorted({engineer["sources"][0][0], "jobspy"})
    # Unseen for longer than the gap, then seen again: one repost.
    t2 = t1 + timedelta(days=30)
    third = dedupe.merge(later, second, seen_at=t2, repost_gap=timedelta(days=7))
    assert third["repost_count"].to_list() == [1]
    assert third["first_seen"].to_list() == [t0]


def test_a_posting_without_a_place_joins_the_one_placed_job_of_its_title() -> None:
    postings = _postings(
        [
            {"city": "Berlin", "country": "DE", "work_mode": "hybrid", "source": "greenhouse"},
            {"company": "ACME Inc.", "work_mode": "hybrid", "source": "jobspy"},  # no place
            {"title": "Data Analyst", "city": "Paris", "country": "FR", "work_mode": "onsite"},
            {"title": "Data Analyst", "city": "Lyon", "country": "FR", "work_mode": "onsite"},
            {"title": "Data Analyst", "country": "FR", "work_mode": "onsite"},  # which office?
            {"title": "Designer", "city": "Rome", "country": "IT", "work_mode": "onsite"},
            {"title": "Designer", "work_mode": "remote"},  # another mode: another opening
        ]
    )
    jobs = dedupe.resolve(postings)
    assigned = dict(zip(*dedupe.assign(postings).select("posting_id", "job_id"), strict=True))
    assert assigned["p1"] == assigned["p0"]
    berlin = jobs.filter(pl.col("job_id") == assigned["p0"]).row(0, named=True)
    assert berlin["n_postings"] == 2 and berlin["city"] == "Berlin"
    assert len({assigned["p2"], assigned["p3"], assigned["p4"]}) == 3  # ambiguous: apart
    assert assigned["p6"] != assigned["p5"]
    assert jobs.height == 6  # Berlin (2 postings), Paris, Lyon, France, Rome, remote


def test_an_unplaced_copy_in_a_later_run_joins_the_lake_job_and_keeps_its_place() -> None:
    first = _postings([{"city": "Berlin", "country": "DE", "work_mode": "hybrid"}])
    job = dedupe.merge(
        dedupe.resolve(first),
        pl.DataFrame(JOBS.empty_table()),
        seen_at=datetime(2026, 1, 1, tzinfo=UTC),
        repost_gap=timedelta(days=14),
    )
    later = _postings([{"posting_id": "q1", "source": "rss", "work_mode": "hybrid"}])
    assert dedupe.unplaced_prefixes(later) == ["backend engineer|acme"]
    known = job.select("dedupe_key", "work_mode").rows()
    fresh = dedupe.resolve(later, known)
    assert fresh["job_id"].to_list() == job["job_id"].to_list()
    again = dedupe.merge(
        fresh, job, seen_at=datetime(2026, 1, 2, tzinfo=UTC), repost_gap=timedelta(days=14)
    ).row(0, named=True)
    assert (again["city"], again["country"]) == ("Berlin", "DE")  # not blanked by the copy
    assert again["posting_ids"] == ["p0", "q1"]
    assert dedupe.assign(later, known)["job_id"].to_list() == job["job_id"].to_list()


_ADS = (
    "Join our payments team to build the ledger services that move money for millions of "
    "customers, working in Go and Postgres with a focus on correctness and reliability",
    "Support our hospital wards as a night shift nurse caring for patients after surgery, "
    "with rotating weekends, paid training and a friendly team of experienced colleagues",
)


def test_openings_sharing_a_key_are_told_apart_by_their_descriptions() -> None:
    reworded = _ADS[0].replace("millions of", "many") + " today"
    postings = _postings(
        [
            {"city": "Berlin", "country": "DE", "description": _ADS[0]},
            {"city": "Berlin", "country": "DE", "description": reworded, "source": "lever"},
            {"city": "Berlin", "country": "DE", "description": _ADS[1], "source": "rss"},
            {"city": "Berlin", "country": "DE", "description": "Apply now.", "source": "ashby"},
        ]
    )
    got = dedupe.assign(postings, jaccard=0.83)
    ids = got["job_id"].to_list()
    assert ids[0] == ids[1] == ids[3]  # the reworded copy, and one too short to judge
    assert ids[2] != ids[0]  # same title, company and office, another opening
    assert dedupe.assign(postings)["job_id"].n_unique() == 1  # the key alone merges all
    jobs = dedupe.resolve(postings, jaccard=0.83)
    assert sorted(jobs["n_postings"].to_list()) == [1, 3]
    assert set(jobs["job_id"]) == set(ids)
    # One keying for both (what the resolve stage uses) gives the same entities and links.
    both, linked = dedupe.entities(postings, jaccard=0.83)
    assert both.equals(jobs) and linked["job_id"].to_list() == ids


def test_a_later_run_finds_which_opening_of_a_key_a_posting_is() -> None:
    first = _postings(
        [
            {"city": "Berlin", "country": "DE", "description": _ADS[0]},
            {"city": "Berlin", "country": "DE", "description": _ADS[1], "source": "rss"},
        ]
    )
    lake_jobs = dedupe.resolve(first, jaccard=0.83)
    asked: list[list[str]] = []

    def known_texts(keys: list[str]) -> list[tuple[str, str | None]]:
        asked.append(keys)
        return list(lake_jobs.select("dedupe_key", "description").iter_rows())

    later = _postings(
        [
            {
                "posting_id": "n1",
                "source": "jobspy",
                "city": "Berlin",
                "country": "DE",
                "description": _ADS[1] + " Apply today.",
            },
            {
                "posting_id": "n2",
                "source": "jobspy",
                "city": "Berlin",
                "country": "DE",
                "description": "A new role: "
                + " ".join(reversed(_ADS[0].split()[:12]))
                + " "
                + "ward rota mentor audit clinic pharmacy triage discharge handover",
            },
        ]
    )
    got = dedupe.assign(later, known_texts=known_texts, jaccard=0.83)
    by_desc = dict(zip(lake_jobs["description"], lake_jobs["job_id"], strict=True))
    assert got["job_id"][0] == by_desc[_ADS[1]]  # the second opening, found by its text
    assert got["job_id"][1] not in set(lake_jobs["job_id"])  # a third opening
    assert asked and all("~" not in k for k in asked[0])


def test_a_posting_without_a_place_whose_title_names_its_city_joins_the_placed_one() -> None:
    from joblens.dedupe import dedupe_key, title_place

    assert title_place("Customer Service Agent - Sydney") == ("Sydney", "AU")
    assert title_place("Staff Customer Service Agent - Hamburg (m/w/d)") == ("Hamburg", "DE")
    assert title_place("Backend Engineer - Payments") is None  # a team, not a place
    assert title_place("Product Marketing Manager - Hybrid") is None
    bare = dedupe_key(
        "Customer Service Agent - Sydney", "Hexefield Retail, Inc.", None, None, "onsite"
    )
    placed = dedupe_key("Customer Service Agent", "hexefieldretail", "Sydney", "AU", "onsite")
    assert bare == placed
    # A title naming another city than the posting's country stays apart.
    assert dedupe_key("Agent - Sydney", "Acme", None, "CA", "onsite") != dedupe_key(
        "Agent", "Acme", "Sydney", "AU", "onsite"
    )


def test_every_link_says_why_the_posting_is_in_its_job() -> None:
    reworded = _ADS[0].replace("millions of", "many") + " today"
    postings = _postings(
        [
            {"city": "Berlin", "country": "DE", "description": _ADS[0], "work_mode": "hybrid"},
            {"city": "Berlin", "country": "DE", "description": reworded, "work_mode": "hybrid"},
            {"city": "Berlin", "country": "DE", "description": _ADS[1], "work_mode": "hybrid"},
            {"city": "Berlin", "country": "DE", "description": "Apply now.", "work_mode": "hybrid"},
            {"title": "Designer", "city": "Rome", "country": "IT", "work_mode": "onsite"},
            {"title": "Designer", "work_mode": "onsite", "source": "jobspy"},  # no place
            {"title": "Designer", "company": " ", "url": "https://x.example/1"},
        ]
    )
    _, linked = dedupe.entities(postings, jaccard=0.83)
    links = dedupe.link(linked, pl.DataFrame(), seen_at=datetime(2026, 1, 1, tzinfo=UTC))
    why = dict(zip(*links.select("posting_id", "match_reason"), strict=True))
    assert why["p0"] == why["p4"] == "same title, company and place"
    assert why["p1"].startswith("same title, company and place; description 0.")
    assert "unlike every known opening" in why["p2"] and "another opening" in why["p2"]
    assert "too short to compare" in why["p3"]
    assert why["p5"].startswith("names no city") and "rome" in why["p5"].lower()
    assert why["p6"] == "no company: a job of its own"


_PLATFORM_AD = (
    "You will design and run the batch and streaming pipelines behind our analytics platform, "
    "own the warehouse models in dbt and Snowflake, mentor two engineers, and work with the "
    "product analysts on the metrics the company steers by. Requisition 4471. Python, SQL, "
    "Airflow and Kafka daily; on call one week in six; hybrid, three days in the Berlin office."
)


def _vector_pass(
    lake_root: Path, rows: list[dict[str, Any]], run_id: str, settings: Any = None
) -> dict[str, Any]:
    """One ingest run of `rows` as silver postings: keys, embedding, the vector pass."""
    from joblens import stages
    from joblens.embed import HashingEmbedder
    from joblens.settings import Settings

    ctx = stages.begin(stages.RunContext.create(str(lake_root), run_id, flow="ingest-jobs"))
    ctx.lake.write("postings", _postings(rows), run_id=ctx.run_id, partition={"dt": ctx.dt})
    settings = settings or Settings()
    stages.resolve_jobs(ctx, settings)

    def embed() -> Any:
        return stages.embed_jobs(ctx, HashingEmbedder(), None)

    embed()
    report = stages.resolve_near_duplicates(ctx, settings, embed)
    stages.commit(ctx, [report])
    return report.detail


def test_the_vector_pass_merges_a_retitled_copy_and_remembers_why(tmp_path: Path) -> None:
    from joblens.lake import Lake

    berlin = {"city": "Berlin", "country": "DE", "lat": 52.52, "lon": 13.40, "work_mode": "hybrid"}
    first = {**berlin, "posting_id": "gh-1", "title": "Senior Data Engineer"}
    first["description"] = _PLATFORM_AD
    lake_root = tmp_path / "lake"
    _vector_pass(lake_root, [first], "r1")
    copy = {
        **first,
        "posting_id": "li-9",
        "source": "jobspy",
        "title": "Senior Data Engineer, Analytics Platform",
        "description": _PLATFORM_AD.replace("two engineers", "2 engineers"),
        "lat": 52.53,  # another board's geocode of the same office
    }
    other_role = {
        **first,
        "posting_id": "gh-2",
        "title": "Senior Frontend Engineer",
        "description": _PLATFORM_AD.replace("Requisition 4471", "Requisition 4471"),
    }
    detail = _vector_pass(lake_root, [copy, other_role], "r2")
    assert detail["merged"] == 1 and set(detail["refused"]) == {"titles too unlike"}
    lake = Lake(lake_root)
    jobs = lake.current("jobs")
    assert jobs.height == 2
    merged = jobs.filter(pl.col("title").str.contains("Data Engineer")).row(0, named=True)
    assert sorted(merged["posting_ids"]) == ["gh-1", "li-9"]
    assert merged["first_seen"] < merged["last_seen"]  # the older job kept its id
    links = dict(
        zip(*lake.current("job_postings").select("posting_id", "match_reason"), strict=True)
    )
    assert links["li-9"].startswith("near-duplicate of senior data engineer|acme|berlin,de")
    assert "cosine" in links["li-9"] and "same company and place" in links["li-9"]
    # Only the merged jobs were resolved again: the run's other job kept its row and vector.
    assert set(links) == {"gh-1", "li-9", "gh-2"}
    assert jobs.get_column("embedding").null_count() == 0
    [alias] = lake.current("job_aliases").iter_rows(named=True)
    assert alias["canonical_job_id"] == merged["job_id"]
    # The index no longer holds the merged-away job.
    assert len(dedupe.JobIndex(lake.index_dir)) == 2

    # Seen again, the copy resolves to the canonical job by its key alone.
    again = _vector_pass(lake_root, [{**copy, "posting_id": "li-10"}], "r3")
    assert again["new_jobs"] == 0
    lake = Lake(lake_root)
    assert lake.current("jobs").height == 2
    row = lake.current("jobs").filter(pl.col("job_id") == merged["job_id"]).row(0, named=True)
    assert sorted(row["posting_ids"]) == ["gh-1", "li-10", "li-9"]


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"city": "Munich", "lat": 48.14, "lon": 11.58}, "another place"),
        ({"seniority": "junior"}, "another seniority"),
        ({"work_mode": "remote"}, "one is remote, the other not"),
        ({"description": _PLATFORM_AD.replace("4471", "5120")}, "another requisition id"),
        ({"salary_annual_min": 40000.0, "salary_annual_max": 50000.0}, "another pay band"),
        ({"company": "Other Corp"}, "another company"),
    ],
)
def test_a_guard_keeps_near_identical_text_of_another_opening_apart(
    change: dict[str, Any], why: str
) -> None:
    base = {
        "dedupe_key": "senior data engineer|acme|berlin,de",
        "city": "Berlin",
        "country": "DE",
        "lat": 52.52,
        "lon": 13.40,
        "work_mode": "hybrid",
        "seniority": "senior",
        "salary_currency": "EUR",
        "salary_annual_min": 80000.0,
        "salary_annual_max": 95000.0,
        "description": _PLATFORM_AD,
    }
    other = {**base, "dedupe_key": "senior data engineer analytics|acme|berlin,de", **change}
    if "company" in change:
        other["dedupe_key"] = "senior data engineer analytics|othercorp|berlin,de"
    rules = dedupe.NearRules()
    no, _ = dedupe.refusal(base, other, rules)
    assert no is not None and no.startswith(why)
    assert dedupe.refusal(base, {**base, "dedupe_key": other["dedupe_key"]}, rules)[0] is None or (
        "company" in change
    )


def test_a_rebuild_merges_what_a_new_threshold_finds_and_says_what_moved(
    tmp_path: Path, prefect_harness: None
) -> None:
    # `dedupe --rebuild` runs the rebuild-jobs flow (the `rebuild-jobs/rebuild` deployment's).
    from typer.testing import CliRunner

    from joblens.cli import app
    from joblens.lake import Lake
    from joblens.settings import DedupeSettings, Settings

    berlin = {"city": "Berlin", "country": "DE", "lat": 52.52, "lon": 13.40, "work_mode": "hybrid"}
    first = {**berlin, "posting_id": "gh-1", "title": "Senior Data Engineer"}
    first["description"] = _PLATFORM_AD
    copy = {**first, "posting_id": "li-9", "title": "Senior Data Engineer, Analytics Platform"}
    off = Settings(dedupe=DedupeSettings(vector_cosine=1.0))  # the vector pass turned off
    lake_root = tmp_path / "lake"
    _vector_pass(lake_root, [first], "r1", off)
    _vector_pass(lake_root, [copy], "r2", off)
    assert Lake(lake_root).current("jobs").height == 2

    env = {"JOBLENS_EMBED__DEVICE": "none"}  # the hashing embedder, as the runs above
    out = CliRunner().invoke(app, ["dedupe", "--rebuild", "--lake", str(lake_root)], env=env)
    assert out.exit_code == 0, out.output
    moved = json.loads(out.output.strip().splitlines()[-1])
    assert moved["postings_moved"] == 1 and moved["jobs_merged_away"] == 1
    assert (moved["jobs_before"], moved["jobs_after"]) == (2, 1)
    [example] = moved["examples"]
    assert example["posting_id"] == "li-9" and example["match_reason"].startswith("near-dup")

    lake = Lake(lake_root)
    [run] = lake.runs().filter(pl.col("flow") == "rebuild-jobs").to_dicts()
    assert run["status"] == "completed" and run["prefect_flow_run_id"]
    jobs = lake.current("jobs")
    active = jobs.filter(pl.col("active"))
    assert active.height == 1 and sorted(active.row(0, named=True)["posting_ids"]) == [
        "gh-1",
        "li-9",
    ]
    gone = jobs.filter(~pl.col("active")).row(0, named=True)
    assert gone["merged_into"] == active.row(0, named=True)["job_id"]
    # Later postings of the merged key land in the kept job, the vector pass still off.
    _vector_pass(lake_root, [{**copy, "posting_id": "li-10"}], "r4", off)
    active = Lake(lake_root).current("jobs").filter(pl.col("active"))
    assert active.height == 1 and "li-10" in active.row(0, named=True)["posting_ids"]

    out = CliRunner().invoke(app, ["dedupe", "--lake", str(lake_root)])
    assert out.exit_code == 0, out.output
    state = json.loads(out.output.strip().splitlines()[-1])
    assert state["jobs"] == 1 and state["postings"] == 3 and state["aliases"] == 1


def test_the_job_index_turns_to_ivf_when_large_and_still_finds_near_copies(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(3)
    base = rng.standard_normal((1200, 32)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    index = dedupe.JobIndex(tmp_path, nprobes=8)
    frame = pl.DataFrame({"job_id": [f"j{i}" for i in range(1000)], "embedding": base[:1000]})
    index.upsert(frame)
    assert index.ensure_index(min_rows=5000) == "exact"
    assert index.ensure_index(min_rows=1000) == "built"
    assert index.ensure_index(min_rows=1000) == "indexed"
    later = pl.DataFrame({"job_id": [f"j{i}" for i in range(1000, 1200)], "embedding": base[1000:]})
    index.upsert(later.head(30))  # under 5% more: searched exactly beside the index
    assert index.ensure_index(min_rows=1000) == "indexed"
    ids, _ = index.search(base[1000:1030], 1)
    assert ids[:, 0].tolist() == [f"j{i}" for i in range(1000, 1030)]
    index.upsert(later)
    assert index.ensure_index(min_rows=1000) == "rebuilt"  # 200 new rows: more than 5%
    near = base + 0.01 * rng.standard_normal(base.shape).astype(np.float32)
    ids, _ = index.search(near, 3)
    found = np.mean([ids[i, 0] == f"j{i}" for i in range(len(base))])
    assert found >= 0.99, found
